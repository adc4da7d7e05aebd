"""HubSpot's limits, enforced per account: a rolling 10-second window shared by every app of the
account, search's own one-second window, and a daily count that resets at midnight in the
account's time zone (on the simulator's movable clock).

Requests are counted when they arrive, before any injected latency: the window is HubSpot's
view of arrivals. Refused requests do not count. Answers carry `X-HubSpot-RateLimit-*` headers
(search answers carry none, as on HubSpot).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from zoombridge.hubspot_simulator.config import Tier
from zoombridge.hubspot_simulator.errors import ApiError
from zoombridge.hubspot_simulator.state import Account

WINDOW_MS = 10_000
SEARCH_PER_SECOND = 4
BURST: dict[Tier, int] = {"free": 100, "starter": 100, "professional": 190, "enterprise": 190}
DAILY: dict[Tier, int] = {
    "free": 250_000,
    "starter": 250_000,
    "professional": 650_000,
    "enterprise": 1_000_000,
}
PACK_BURST = 250
PACK_DAILY = 1_000_000


def limits(account: Account) -> tuple[int, int, int]:
    """(burst, window in ms, daily) for an account, overrides included."""
    burst = PACK_BURST if account.api_limit_pack else BURST[account.tier]
    daily = DAILY[account.tier] + (PACK_DAILY if account.api_limit_pack else 0)
    return (
        account.burst_limit or burst,
        account.window_ms or WINDOW_MS,
        account.daily_limit if account.daily_limit is not None else daily,
    )


def next_local_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    local = now.astimezone(zone)
    day = (local + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, tzinfo=zone)


@dataclass
class _Usage:
    window: deque[float] = field(default_factory=deque)  # arrival times (monotonic)
    search: deque[float] = field(default_factory=deque)
    day: date | None = None
    daily_count: int = 0
    peak_in_window: int = 0
    """The most requests ever seen inside one window (tests check it never passes the limit)."""


class Limits:
    def __init__(self) -> None:
        self._usage: dict[int, _Usage] = {}

    def usage(self, hub_id: int) -> _Usage:
        return self._usage.setdefault(hub_id, _Usage())

    def reset_windows(self) -> None:
        for usage in self._usage.values():
            usage.window.clear()
            usage.search.clear()

    def daily_used(self, account: Account, now: datetime) -> int:
        usage = self.usage(account.hub_id)
        self._roll(usage, account, now)
        return usage.daily_count

    @staticmethod
    def _roll(usage: _Usage, account: Account, now: datetime) -> None:
        today = now.astimezone(ZoneInfo(account.time_zone)).date()
        if usage.day != today:
            usage.day = today
            usage.daily_count = 0

    def admit(self, account: Account, *, search: bool, now: datetime) -> dict[str, str]:
        """Count one arriving request, or raise HubSpot's 429. Returns the headers to send."""
        usage = self.usage(account.hub_id)
        self._roll(usage, account, now)
        burst, window_ms, daily = limits(account)
        mono = time.monotonic()
        queue, size, span = (
            (usage.search, SEARCH_PER_SECOND, 1.0)
            if search
            else (usage.window, burst, window_ms / 1000)
        )
        while queue and queue[0] <= mono - span:
            queue.popleft()
        zone = ZoneInfo(account.time_zone)
        if account.rate_limits:
            if usage.daily_count >= daily:
                midnight = next_local_midnight(now, zone)
                raise _daily_429(
                    self._headers(account, usage, burst, window_ms, daily, search), midnight, now
                )
            if len(queue) >= size:
                wait = queue[0] + span - mono
                headers = self._headers(account, usage, burst, window_ms, daily, search)
                headers["Retry-After"] = str(max(1, math.ceil(wait)))
                policy = "SECONDLY" if search else "TEN_SECONDLY_ROLLING"
                raise ApiError(
                    429,
                    "RATE_LIMIT",
                    f"You have reached your {policy.lower()} limit.",
                    headers=headers,
                    kind=policy,
                    policy=policy,
                )
        queue.append(mono)
        usage.daily_count += 1
        if not search:
            usage.peak_in_window = max(usage.peak_in_window, len(queue))
        return self._headers(account, usage, burst, window_ms, daily, search)

    @staticmethod
    def _headers(
        account: Account, usage: _Usage, burst: int, window_ms: int, daily: int, search: bool
    ) -> dict[str, str]:
        if search:
            return {}
        return {
            "X-HubSpot-RateLimit-Daily": str(daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, daily - usage.daily_count)),
            "X-HubSpot-RateLimit-Max": str(burst),
            "X-HubSpot-RateLimit-Remaining": str(max(0, burst - len(usage.window))),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(window_ms),
        }


def _daily_429(headers: dict[str, str], midnight: datetime, now: datetime) -> ApiError:
    headers["Retry-After"] = str(max(1, math.ceil((midnight - now).total_seconds())))
    return ApiError(
        429,
        "RATE_LIMIT",
        "You have reached your daily limit.",
        headers=headers,
        kind="DAILY",
        policy="DAILY",
    )
