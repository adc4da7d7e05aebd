"""Counters a client keeps about its own traffic (benchmarks print them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ClientStats:
    calls: int = 0
    """API requests sent (each attempt counts)."""
    token_requests: int = 0
    rate_limited: int = 0
    """429 answers received."""
    retries: int = 0
    token_renewals_on_401: int = 0
    refused_before_sending: int = 0
    """Calls refused by our own daily-cap bookkeeping, never sent."""
    by_operation: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {
            "calls": self.calls,
            "token_requests": self.token_requests,
            "rate_limited": self.rate_limited,
            "retries": self.retries,
            "token_renewals_on_401": self.token_renewals_on_401,
            "refused_before_sending": self.refused_before_sending,
            "by_operation": dict(self.by_operation),
            "by_status": dict(self.by_status),
        }
