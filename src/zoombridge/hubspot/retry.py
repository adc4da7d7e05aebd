"""Retry policy: capped exponential backoff with full jitter, and `Retry-After` parsing."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries before giving up on one call.

    `max_attempts` bounds sends after network errors and 5xx; `max_rate_limited_attempts`
    bounds sends answered by a short-term 429. The wait before retry n (1-based) is uniform in
    [0, min(max_delay, base_delay * 2**(n-1))] ("full jitter", so that many clients retrying at
    once spread out). A 429 without `Retry-After` pauses the account for
    `default_rate_limit_pause * 2**(n-1)`, at most `max_rate_limit_pause`.
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_rate_limited_attempts: int = 6
    default_rate_limit_pause: float = 1.0
    max_rate_limit_pause: float = 60.0
    sleep: Sleep = field(default=asyncio.sleep, repr=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False)

    def backoff(self, retry_number: int) -> float:
        cap = min(self.max_delay, self.base_delay * (2.0 ** max(0, retry_number - 1)))
        return self.jitter() * cap

    def rate_limit_pause(self, retry_number: int, retry_after: float | None) -> float:
        if retry_after is not None:
            pause = retry_after
        else:
            pause = self.default_rate_limit_pause * (2.0 ** max(0, retry_number - 1))
        return min(max(pause, 0.0), self.max_rate_limit_pause)


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """When `Retry-After` says to try again: seconds or an HTTP-date (RFC 9110).

    Returns an aware UTC datetime, or None when the header is absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return now + timedelta(seconds=max(0.0, seconds))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
