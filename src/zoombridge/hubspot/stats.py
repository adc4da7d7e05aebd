"""Counters a client keeps about its own traffic (benchmarks and "Test access" print them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ClientStats:
    calls: int = 0
    """API requests sent (each attempt counts)."""
    rate_limited: int = 0
    """429 answers received (short-term and daily)."""
    daily_limited: int = 0
    retries: int = 0
    refused_before_sending: int = 0
    """Calls refused by our own daily bookkeeping, never sent."""
    rate_limit_pauses: list[float] = field(default_factory=list)
    """Seconds the account was paused after each short-term 429 (what Retry-After said)."""
    daily_remaining: int | None = None
    """HubSpot's latest X-HubSpot-RateLimit-Daily-Remaining."""
    by_operation: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    rate_limited_by_operation: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {
            "calls": self.calls,
            "rate_limited": self.rate_limited,
            "daily_limited": self.daily_limited,
            "retries": self.retries,
            "refused_before_sending": self.refused_before_sending,
            "rate_limit_pauses": list(self.rate_limit_pauses),
            "daily_remaining": self.daily_remaining,
            "by_operation": dict(self.by_operation),
            "by_status": dict(self.by_status),
            "rate_limited_by_operation": dict(self.rate_limited_by_operation),
        }
