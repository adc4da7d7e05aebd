"""How a simulator instance is set up: accounts, plan, rate limits and injected faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Plan = Literal["free", "pro", "business"]
PLANS: tuple[Plan, ...] = ("free", "pro", "business")


@dataclass
class FaultConfig:
    """Misbehaviour injected into Zoom paths (`/v2/...`, `/oauth/token`), never into `/_sim`."""

    latency_ms: float = 0
    latency_ms_min: float | None = None
    latency_ms_max: float | None = None
    error_rate: float = 0.0
    rate_429: float = 0.0
    drop_rate: float = 0.0


@dataclass
class SimulatorConfig:
    account_id: str = "sim-account"
    client_id: str = "sim-client-id"
    client_secret: str = field(default="sim-client-secret", repr=False)
    plan: Plan = "pro"
    webinar_addon: bool = True
    webinar_capacity: int = 10_000
    rate_limits: bool = True
    host_email: str = "host@example.com"
    webhook_retry_scale: float = 1.0
    faults: FaultConfig = field(default_factory=FaultConfig)
    seed: int | None = None
    # Zoom caps a meeting at 4,999 registrants; tests lower it to reach the limit quickly.
    meeting_registrant_capacity: int = 4_999
