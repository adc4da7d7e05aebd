"""Per-account pacing against HubSpot's rolling window, and the account's daily count.

HubSpot counts every request of every app of an account in a rolling 10-second window (and
search requests in their own one-second window). A `RollingWindowLimiter` lets a burst go out
at once and the rest follow as the window frees up, so a server counting the same window never
answers 429.

Limits belong to the account, so limiters live in a registry keyed by the account's Hub ID and
every client of one account in a process must share one registry.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from zoombridge.hubspot.operations import Limit
from zoombridge.hubspot.tiers import RateLimits

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_MARGIN_S = 0.2
"""Extra spacing beyond the window, for HubSpot's clock and ours not ticking alike."""


@dataclass
class Slot:
    """One request's place in the window: sent at `sent_at`, answered at `done_at`."""

    sent_at: float
    done_at: float | None = None


BLOCKED_POLL_S = 0.01


class RollingWindowLimiter:
    """At most `burst` sends in any `window_s`, as HubSpot counts them on arrival.

    The client cannot see when a request arrives, only that it arrived before its answer (or
    failure) came back. So a request counts in the window from when it is answered, and one
    still in flight counts as arriving "now": the next send waits until the `burst`-th latest
    of those moments is a window (plus a margin) in the past. Delays on our side (a busy event
    loop, a slow network) then make the client later, never HubSpot's window fuller.
    """

    def __init__(
        self,
        burst: int,
        window_s: float,
        *,
        margin_s: float = DEFAULT_MARGIN_S,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if burst < 1 or window_s <= 0:
            raise ValueError("burst must be at least 1 and the window positive")
        self.burst = burst
        self.window_s = window_s
        self.margin_s = margin_s
        self._monotonic = monotonic
        self._sleep = sleep
        self._slots: list[Slot] = []
        self._paused_until = -math.inf

    def set_limits(self, burst: int, window_s: float) -> None:
        self.burst = burst
        self.window_s = window_s

    def _ready_at(self, now: float) -> float:
        horizon = now - self.window_s - self.margin_s
        self._slots = [s for s in self._slots if s.done_at is None or s.done_at > horizon]
        if len(self._slots) < self.burst:
            return self._paused_until
        latest = sorted(
            (math.inf if s.done_at is None else s.done_at for s in self._slots), reverse=True
        )
        return max(self._paused_until, latest[self.burst - 1] + self.window_s + self.margin_s)

    async def acquire(self) -> Slot:
        """Wait for this caller's turn to send one request; `release` the slot when answered."""
        while True:
            now = self._monotonic()
            ready = self._ready_at(now)
            if ready <= now:
                slot = Slot(now)
                self._slots.append(slot)
                return slot
            # Blocked by requests still in flight: look again shortly.
            await self._sleep(BLOCKED_POLL_S if math.isinf(ready) else ready - now)

    def release(self, slot: Slot) -> None:
        """The request was answered (or failed): it arrived by now at the latest."""
        if slot.done_at is None:
            slot.done_at = self._monotonic()

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds` (HubSpot answered a short-term 429)."""
        self._paused_until = max(self._paused_until, self._monotonic() + max(0.0, seconds))


def next_local_midnight(moment: datetime, zone: ZoneInfo) -> datetime:
    """The next 00:00 in `zone` after `moment`, as an aware datetime in that zone."""
    local = moment.astimezone(zone)
    day = (local + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, tzinfo=zone)


class DailyCounter:
    """Requests sent today, the day being the account's local calendar day."""

    def __init__(self, limit: int, zone: ZoneInfo) -> None:
        self.limit = limit
        self.zone = zone
        self._day: date | None = None
        self.used = 0
        self._blocked_until: datetime | None = None

    def _roll(self, now: datetime) -> None:
        today = now.astimezone(self.zone).date()
        if today != self._day:
            self._day = today
            self.used = 0

    def blocked_until(self, now: datetime) -> datetime | None:
        """When sending may resume, or None when a request may go now."""
        self._roll(now)
        if self._blocked_until is not None and self._blocked_until > now:
            return self._blocked_until
        self._blocked_until = None
        if self.used >= self.limit:
            return next_local_midnight(now, self.zone)
        return None

    def take(self, now: datetime) -> None:
        self._roll(now)
        self.used += 1

    def block(self, until: datetime) -> None:
        """HubSpot says the day's budget is gone (a DAILY 429, or none remaining)."""
        if self._blocked_until is None or until > self._blocked_until:
            self._blocked_until = until


class LimiterRegistry:
    """Limiters and daily counters per HubSpot account (Hub ID), shared by all clients given
    this registry. If two clients of one account disagree about its limits, the last one
    created wins."""

    def __init__(
        self,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        margin_s: float = DEFAULT_MARGIN_S,
    ) -> None:
        self._monotonic = monotonic
        self._sleep = sleep
        self._margin_s = margin_s
        self._limiters: dict[tuple[str, Limit], RollingWindowLimiter] = {}
        self._daily: dict[str, DailyCounter] = {}
        self._limits: dict[str, RateLimits] = {}

    def register(self, hub_id: str, limits: RateLimits, zone: ZoneInfo) -> None:
        self._limits[hub_id] = limits
        for (account, kind), limiter in self._limiters.items():
            if account == hub_id:
                limiter.set_limits(*self._shape(limits, kind))
        counter = self._daily.get(hub_id)
        if counter is None:
            self._daily[hub_id] = DailyCounter(limits.daily, zone)
        else:
            counter.limit, counter.zone = limits.daily, zone

    @staticmethod
    def _shape(limits: RateLimits, kind: Limit) -> tuple[int, float]:
        if kind is Limit.SEARCH:
            return limits.search_per_second, 1.0
        return limits.burst, limits.window_s

    def limiter(self, hub_id: str, kind: Limit) -> RollingWindowLimiter:
        key = (hub_id, kind)
        limiter = self._limiters.get(key)
        if limiter is None:
            burst, window = self._shape(self._limits[hub_id], kind)
            # The margin is for jitter, not a share of the window: at most a tenth of it.
            margin = min(self._margin_s, window * 0.1)
            limiter = RollingWindowLimiter(
                burst, window, margin_s=margin, monotonic=self._monotonic, sleep=self._sleep
            )
            self._limiters[key] = limiter
        return limiter

    def daily(self, hub_id: str) -> DailyCounter:
        return self._daily[hub_id]


DEFAULT_LIMITERS = LimiterRegistry()
"""The process-wide registry used when a client is given none."""
