"""How a HubSpot simulator instance is set up: its first account, token, limits and faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Tier = Literal["free", "starter", "professional", "enterprise"]
TIERS: tuple[Tier, ...] = ("free", "starter", "professional", "enterprise")

DEFAULT_TOKEN = "pat-sim-00000000-0000-4000-8000-000000000001"  # noqa: S105 (made up)
DEFAULT_APP_SECRET = "sim-app-secret"  # noqa: S105 (made up)


@dataclass
class FaultConfig:
    """Misbehaviour injected into API paths, never into `/_sim` or the page."""

    latency_ms: float = 0
    latency_ms_min: float | None = None
    latency_ms_max: float | None = None
    error_rate: float = 0.0
    rate_429: float = 0.0
    drop_rate: float = 0.0


@dataclass
class HubSpotSimulatorConfig:
    hub_id: int = 1_234_567
    tier: Tier = "free"
    api_limit_pack: bool = False
    time_zone: str = "UTC"
    token: str = field(default=DEFAULT_TOKEN, repr=False)
    scopes: list[str] | None = None
    """The default token's scopes; None grants every scope the simulator knows."""
    app_secret: str = field(default=DEFAULT_APP_SECRET, repr=False)
    """The private app's client secret: the workflow sender signs with it."""
    rate_limits: bool = True
    faults: FaultConfig = field(default_factory=FaultConfig)
    seed: int | None = None
    workflow_retry_scale: float = 1.0
    """Multiplies HubSpot's workflow retry schedule (1 minute, growing to 8 hours apart)."""
    workflow_timeout_s: float = 10.0
