"""HubSpot account tiers and the API limits that come with them (private apps, per account).

Figures from HubSpot's developer documentation (see the reference FACTS). The API does not say
which tier an account has, so the connection must; the client paces itself by these numbers so
that HubSpot never has to answer 429.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    FREE = "free"
    STARTER = "starter"
    """Free and Starter share the same limits."""
    PROFESSIONAL = "professional"
    ENTERPRISE = "enterprise"


@dataclass(frozen=True)
class RateLimits:
    """What one HubSpot account allows all its apps together."""

    burst: int
    """Requests per rolling window."""
    window_s: float
    daily: int
    """Requests per day; the day ends at midnight in the account's time zone."""
    search_per_second: int = 4
    """CRM search endpoints, on their own (HubSpot's changelog: 4 per second per account)."""


WINDOW_S = 10.0
_BURST = {Tier.FREE: 100, Tier.STARTER: 100, Tier.PROFESSIONAL: 190, Tier.ENTERPRISE: 190}
_DAILY = {
    Tier.FREE: 250_000,
    Tier.STARTER: 250_000,
    Tier.PROFESSIONAL: 650_000,
    Tier.ENTERPRISE: 1_000_000,
}
PACK_BURST = 250
PACK_DAILY = 1_000_000


def limits_for(tier: Tier, *, api_limit_pack: bool = False) -> RateLimits:
    """The limits of a tier; the API limit increase pack raises the burst to 250 per 10 s and
    adds a million requests a day."""
    burst = PACK_BURST if api_limit_pack else _BURST[tier]
    daily = _DAILY[tier] + (PACK_DAILY if api_limit_pack else 0)
    return RateLimits(burst=burst, window_s=WINDOW_S, daily=daily)
