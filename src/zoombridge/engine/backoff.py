"""When a failed item is tried again: capped exponential backoff with full jitter."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Backoff:
    """Wait before retry n is uniform in [base/2, min(cap, base·2^(n-1))].

    The jitter spreads many rows failing together (a Zoom outage) over time instead of sending
    them back all at once; the half-base floor keeps a retry from coming back immediately.
    """

    base: float = 5.0
    cap: float = 600.0
    jitter: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, attempts: int) -> timedelta:
        ceiling = min(self.cap, self.base * 2 ** max(attempts - 1, 0))
        floor = min(self.base / 2, ceiling)
        return timedelta(seconds=floor + (ceiling - floor) * self.jitter())

    def next_try(self, now: datetime, attempts: int) -> datetime:
        return now + self.delay(attempts)
