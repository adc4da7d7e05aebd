"""Counting Zoom's daily caps on our side, so work is refused before it is sent.

Zoom's daily windows end at 00:00 UTC. Counts are kept per key (a tuple naming what is capped:
an account's category pool, a host, a registrant on a meeting) for the current UTC day; the day
comes from the caller's clock, so tests can move it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

CapKey = tuple[str, ...]


def next_utc_midnight(now: datetime) -> datetime:
    day = now.astimezone(UTC).date()
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


class DailyCaps:
    """Per-day counters for one Zoom account."""

    def __init__(self) -> None:
        self._day: date | None = None
        self._counts: dict[CapKey, int] = {}
        self._blocked: dict[CapKey, datetime] = {}
        # The host (creating user) of meetings we created or read, for the per-host cap on updates.
        self.meeting_hosts: dict[str, str] = {}
        self.host_aliases: dict[str, str] = {}

    def _roll(self, now: datetime) -> None:
        day = now.astimezone(UTC).date()
        if day != self._day:
            self._day = day
            self._counts.clear()

    def used(self, key: CapKey, now: datetime) -> int:
        self._roll(now)
        return self._counts.get(key, 0)

    def at_cap(self, keys: Iterable[CapKey], limit: int, now: datetime) -> list[CapKey]:
        """The keys among `keys` with no budget left today."""
        self._roll(now)
        return [k for k in keys if self._counts.get(k, 0) >= limit]

    def take(self, keys: Sequence[CapKey], now: datetime) -> None:
        self._roll(now)
        for key in keys:
            self._counts[key] = self._counts.get(key, 0) + 1

    async def claim(self, keys: Sequence[CapKey], limit: int, now: datetime) -> bool:
        """Count one call against every key unless one of them is at `limit` (then count
        nothing and answer False). Async so that a shared version (PostgreSQL, several worker
        processes) can count in the database with one atomic statement."""
        if self.at_cap(keys, limit, now):
            return False
        self.take(keys, now)
        return True

    def exhaust(self, key: CapKey, limit: int, now: datetime) -> None:
        """Zoom told us this cap is used up (e.g. by another app on the account)."""
        self._roll(now)
        self._counts[key] = max(self._counts.get(key, 0), limit)

    def block(self, key: CapKey, until: datetime) -> None:
        """Zoom said a daily limit we do not count ourselves is used up until `until`."""
        self._blocked[key] = max(until, self._blocked.get(key, until))

    def blocked_until(self, key: CapKey, now: datetime) -> datetime | None:
        until = self._blocked.get(key)
        if until is None or until <= now:
            self._blocked.pop(key, None)
            return None
        return until

    def merge(self, old: CapKey, new: CapKey, now: datetime) -> None:
        """Two keys turned out to name the same thing (a host's id and email): add them up."""
        self._roll(now)
        if old == new or old not in self._counts:
            return
        self._counts[new] = self._counts.get(new, 0) + self._counts.pop(old)
