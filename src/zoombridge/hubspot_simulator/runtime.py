"""One running HubSpot simulator: configuration, clock, accounts, tokens, limits, faults, stats."""

from __future__ import annotations

import random
import secrets
from collections import Counter, defaultdict
from dataclasses import asdict, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoombridge.hubspot_simulator.clock import Clock
from zoombridge.hubspot_simulator.config import TIERS, FaultConfig, HubSpotSimulatorConfig, Tier
from zoombridge.hubspot_simulator.errors import ApiError
from zoombridge.hubspot_simulator.faults import FaultScript
from zoombridge.hubspot_simulator.properties import install_defaults
from zoombridge.hubspot_simulator.ratelimit import Limits
from zoombridge.hubspot_simulator.state import Account, Token


class Stats:
    """Per-operation and per-status counts, 429s by policy, drops; overall and per account."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.operations: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.rate_limited: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.accounts: dict[int, Counter[str]] = defaultdict(Counter)

    def record(self, operation: str, status: int, hub_id: int | None, kind: str | None) -> None:
        self.operations[operation] += 1
        self.statuses[str(status)] += 1
        if kind is not None:
            self.rate_limited[kind] += 1
        if hub_id is not None:
            self.accounts[hub_id][operation] += 1

    def public(self) -> dict[str, Any]:
        return {
            "operations": dict(self.operations),
            "statuses": dict(self.statuses),
            "rate_limited": dict(self.rate_limited),
            "dropped": dict(self.dropped),
            "calls": sum(self.operations.values()),
            "accounts": {str(h): dict(c) for h, c in self.accounts.items()},
        }


class Simulation:
    def __init__(self, config: HubSpotSimulatorConfig | None = None) -> None:
        self.config = config or HubSpotSimulatorConfig()
        self.rng = random.Random(self.config.seed)
        self.clock = Clock()
        self.accounts: dict[int, Account] = {}
        self.tokens: dict[str, Token] = {}
        self.limits = Limits()
        self.faults: FaultConfig = replace(self.config.faults)
        self.script = FaultScript()
        self.stats = Stats()
        self._next_app_id = 2_000_001
        account = self.create_account(
            hub_id=self.config.hub_id,
            tier=self.config.tier,
            api_limit_pack=self.config.api_limit_pack,
            time_zone=self.config.time_zone,
            rate_limits=self.config.rate_limits,
        )
        self.add_token(account, self.config.scopes, value=self.config.token, app_name="zoombridge")

    def create_account(
        self,
        *,
        hub_id: int | None = None,
        tier: Tier = "free",
        api_limit_pack: bool = False,
        time_zone: str = "UTC",
        rate_limits: bool = True,
        burst_limit: int | None = None,
        window_ms: int | None = None,
        daily_limit: int | None = None,
    ) -> Account:
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {', '.join(TIERS)}, not {tier!r}")
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {time_zone!r}") from None
        hub_id = hub_id or self.rng.randint(10_000_000, 99_999_999)
        if hub_id in self.accounts:
            raise ValueError(f"account {hub_id} already exists")
        account = Account(
            hub_id=hub_id,
            tier=tier,
            api_limit_pack=api_limit_pack,
            time_zone=time_zone,
            rate_limits=rate_limits,
            burst_limit=burst_limit,
            window_ms=window_ms,
            daily_limit=daily_limit,
        )
        install_defaults(account, self.clock.now())
        self.accounts[hub_id] = account
        return account

    def add_token(
        self,
        account: Account,
        scopes: list[str] | None,
        *,
        value: str | None = None,
        app_name: str = "private app",
    ) -> Token:
        value = value or f"pat-sim-{secrets.token_hex(16)}"
        if value in self.tokens:
            raise ValueError("that token exists already")
        token = Token(
            value=value,
            hub_id=account.hub_id,
            app_id=self._next_app_id,
            app_name=app_name,
            scopes=frozenset(scopes) if scopes is not None else None,
        )
        self._next_app_id += 1
        self.tokens[value] = token
        return token

    def check_token(self, value: str | None) -> tuple[Account, Token]:
        token = self.tokens.get(value) if value else None
        if token is None or token.revoked:
            message = (
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
                if not value
                else "The access token provided is invalid, expired or revoked."
            )
            raise ApiError(401, "INVALID_AUTHENTICATION", message)
        return self.accounts[token.hub_id], token

    def revoke(self, account: Account, value: str | None) -> int:
        count = 0
        for token in self.tokens.values():
            mine = token.hub_id == account.hub_id and not token.revoked
            if mine and (value is None or token.value == value):
                token.revoked = True
                count += 1
        return count

    def set_faults(self, values: dict[str, Any]) -> FaultConfig:
        merged = asdict(self.faults) | values
        try:
            faults = FaultConfig(**merged)
        except TypeError as exc:
            raise ValueError(f"unknown fault setting: {exc}") from None
        for name in ("error_rate", "rate_429", "drop_rate"):
            value = getattr(faults, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number from 0 to 1")
        self.faults = faults
        return faults
