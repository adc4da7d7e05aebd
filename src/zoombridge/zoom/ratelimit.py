"""Per-account, per-category request pacing, shared by every client of the same Zoom account.

Zoom's limits are per account (every app on it shares them), so limiters live in a registry
keyed by account id rather than in a client. Requests are spaced evenly at 1/rate: a server
that enforces a one-second bucket never sees a burst, and the throughput is the full rate.

These pace one process. Several worker processes on one PostgreSQL database share the account's
pace through the database instead (zoombridge.engine.shared_limits subclasses both classes).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

from zoombridge.zoom.daily_caps import DailyCaps
from zoombridge.zoom.operations import Category
from zoombridge.zoom.plans import PER_SECOND, Plan

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """Hands out send times spaced `1/rate` apart, first come first served.

    Each caller reserves the next free slot and sleeps until it: no lock, no polling, and no
    sleeping longer than its own slot requires (so N calls take N/rate seconds, not more).
    """

    def __init__(
        self, rate: float, *, monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_slot = -math.inf
        self._paused_until = -math.inf
        self.interval = 1.0
        self.set_rate(rate)

    @property
    def rate(self) -> float:
        return 1.0 / self.interval

    def set_rate(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate

    def _reserve(self) -> tuple[float, float]:
        now = self._monotonic()
        slot = max(now, self._next_slot, self._paused_until)
        self._next_slot = slot + self.interval
        return slot, slot - now

    async def acquire(self) -> None:
        """Wait for this caller's turn to send one request."""
        while True:
            slot, delay = self._reserve()
            if delay > 0:
                try:
                    await self._sleep(delay)
                except asyncio.CancelledError:
                    # Give the slot back if nobody queued behind it, so it is not wasted.
                    if self._next_slot == slot + self.interval:
                        self._next_slot = slot
                    raise
            if self._paused_until <= self._monotonic():
                return
            # Zoom asked us to pause while we waited: queue again behind the pause.

    def pause(self, seconds: float) -> None:
        """Send nothing in this category for `seconds` (Zoom answered a per-second 429)."""
        until = self._monotonic() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)
        self._next_slot = max(self._next_slot, until)


class LimiterRegistry:
    """Limiters and daily counters per Zoom account, shared by all clients given this registry.

    If two clients of one account disagree about its plan, the last one created wins.
    """

    def __init__(
        self, *, monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._monotonic = monotonic
        self._sleep = sleep
        self._limiters: dict[tuple[str, Category], RateLimiter] = {}
        self._caps: dict[str, DailyCaps] = {}
        self._plans: dict[str, Plan] = {}

    def register(self, account_id: str, plan: Plan) -> None:
        self._plans[account_id] = plan
        for (account, category), limiter in self._limiters.items():
            if account == account_id:
                limiter.set_rate(PER_SECOND[plan][category])

    def plan(self, account_id: str) -> Plan:
        return self._plans.get(account_id, Plan.PRO)

    def limiter(self, account_id: str, category: Category) -> RateLimiter:
        key = (account_id, category)
        limiter = self._limiters.get(key)
        if limiter is None:
            rate = PER_SECOND[self.plan(account_id)][category]
            limiter = self._new_limiter(account_id, category, rate)
            self._limiters[key] = limiter
        return limiter

    def daily_caps(self, account_id: str) -> DailyCaps:
        caps = self._caps.get(account_id)
        if caps is None:
            caps = self._caps[account_id] = self._new_daily_caps(account_id)
        return caps

    # Overridden by the registry shared through the database (engine.shared_limits).
    def _new_limiter(self, account_id: str, category: Category, rate: float) -> RateLimiter:
        return RateLimiter(rate, monotonic=self._monotonic, sleep=self._sleep)

    def _new_daily_caps(self, account_id: str) -> DailyCaps:
        return DailyCaps()


DEFAULT_LIMITERS = LimiterRegistry()
"""The process-wide registry used when a client is given none."""
