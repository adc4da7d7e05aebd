"""One running simulator: its configuration, clock, world, limits, faults, webhooks and stats."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import asdict, replace
from datetime import timedelta
from typing import Any

from zoombridge.simulator import ids
from zoombridge.simulator.clock import Clock
from zoombridge.simulator.config import PLANS, FaultConfig, Plan, SimulatorConfig
from zoombridge.simulator.errors import ZoomError, invalid_token, user_not_found
from zoombridge.simulator.ratelimit import RateLimiter
from zoombridge.simulator.scopes import ALL_SCOPES
from zoombridge.simulator.state import Account, Token, User, World
from zoombridge.simulator.webhooks import WebhookHub

TOKEN_LIFETIME_S = 3600


class Stats:
    """Per-route, per-status and per-429-type counts, overall and per account."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.routes: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.rate_limited: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()  # injected drops: "before" / "after" the effect
        self.accounts: dict[str, dict[str, Counter[str]]] = defaultdict(
            lambda: {"routes": Counter(), "statuses": Counter(), "rate_limited": Counter()}
        )

    def record(
        self, route: str, status: int, account_id: str | None, limit_kind: str | None
    ) -> None:
        self.routes[route] += 1
        self.statuses[str(status)] += 1
        if limit_kind is not None:
            self.rate_limited[limit_kind] += 1
        if account_id is not None:
            per = self.accounts[account_id]
            per["routes"][route] += 1
            per["statuses"][str(status)] += 1
            if limit_kind is not None:
                per["rate_limited"][limit_kind] += 1

    def public(self) -> dict[str, Any]:
        return {
            "routes": dict(self.routes),
            "statuses": dict(self.statuses),
            "rate_limited": dict(self.rate_limited),
            "dropped": dict(self.dropped),
            "accounts": {
                account: {name: dict(counter) for name, counter in data.items()}
                for account, data in self.accounts.items()
            },
        }


class Simulation:
    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.rng = random.Random(self.config.seed)
        self.clock = Clock()
        self.world = World()
        self.limiter = RateLimiter()
        self.faults: FaultConfig = replace(self.config.faults)
        self.webhooks = WebhookHub(self.clock, self.config.webhook_retry_scale)
        self.stats = Stats()
        self.create_account(
            account_id=self.config.account_id,
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            plan=self.config.plan,
            webinar_addon=self.config.webinar_addon,
            webinar_capacity=self.config.webinar_capacity,
            scopes=None,
            rate_limits=self.config.rate_limits,
            owner_email=self.config.host_email,
        )

    # Accounts and users ------------------------------------------------------------------

    def create_account(
        self,
        *,
        account_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        plan: Plan = "pro",
        webinar_addon: bool = True,
        webinar_capacity: int = 10_000,
        scopes: list[str] | None = None,
        rate_limits: bool = True,
        owner_email: str | None = None,
    ) -> Account:
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}, not {plan!r}")
        account_id = account_id or ids.short_id(self.rng)
        client_id = client_id or ids.short_id(self.rng)
        if account_id in self.world.accounts:
            raise ValueError(f"account {account_id} already exists")
        if client_id in self.world.accounts_by_client:
            raise ValueError(f"client id {client_id} is already used by another account")
        account = Account(
            id=account_id,
            client_id=client_id,
            client_secret=client_secret or ids.opaque_token()[:32],
            plan=plan,
            webinar_addon=webinar_addon,
            webinar_capacity=webinar_capacity,
            scopes=frozenset(scopes) if scopes is not None else None,
            rate_limits=rate_limits,
            created_at=self.clock.now(),
        )
        self.world.accounts[account.id] = account
        self.world.accounts_by_client[client_id] = account
        self.add_user(
            account,
            email=owner_email or f"owner-{account.id.lower()}@example.com",
            first_name="Account",
            last_name="Owner",
            user_type=2,
            role_name="Owner",
        )
        return account

    def add_user(
        self,
        account: Account,
        *,
        email: str,
        first_name: str = "",
        last_name: str = "",
        user_type: int = 2,
        role_name: str = "Member",
    ) -> User:
        if email.lower() in self.world.users_by_email:
            raise ValueError(f"a user with email {email} already exists")
        user = User(
            id=ids.short_id(self.rng),
            account_id=account.id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            type=user_type,
            role_name=role_name,
            created_at=self.clock.now(),
            pmi=int(ids.digits(self.rng, 10)) or 1_000_000_000,
        )
        account.users[user.id] = user
        self.world.users[user.id] = user
        self.world.users_by_email[email.lower()] = user
        return user

    def find_user(self, account: Account, user_id: str) -> User:
        """`me`, a user id or an email, within the calling account."""
        if user_id == "me":
            return account.owner
        user = self.world.users.get(user_id) or self.world.users_by_email.get(user_id.lower())
        if user is None or user.account_id != account.id:
            raise user_not_found(user_id)
        return user

    # Tokens ------------------------------------------------------------------------------

    def granted_scopes(self, account: Account) -> tuple[str, ...]:
        return tuple(sorted(account.scopes)) if account.scopes is not None else ALL_SCOPES

    def issue_token(self, account: Account) -> Token:
        token = Token(
            value=ids.opaque_token(),
            account_id=account.id,
            scopes=self.granted_scopes(account),
            expires_at=self.clock.now() + timedelta(seconds=TOKEN_LIFETIME_S),
        )
        self.world.tokens[token.value] = token
        return token

    def check_token(self, value: str | None) -> tuple[Account, Token]:
        token = self.world.tokens.get(value) if value else None
        if token is None or token.revoked:
            raise invalid_token()
        if token.expires_at <= self.clock.now():
            raise invalid_token(expired=True)
        return self.world.accounts[token.account_id], token

    def revoke_tokens(self, account: Account) -> int:
        count = 0
        for token in self.world.tokens.values():
            if token.account_id == account.id and not token.revoked:
                token.revoked = True
                count += 1
        return count

    # Faults ------------------------------------------------------------------------------

    def set_faults(self, values: dict[str, Any]) -> FaultConfig:
        merged = asdict(self.faults) | values
        try:
            faults = FaultConfig(**merged)
        except TypeError as exc:
            raise ZoomError(400, 300, f"Unknown fault setting: {exc}") from None
        for name in ("error_rate", "rate_429", "drop_rate"):
            value = getattr(faults, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ZoomError(400, 300, f"{name} must be a number from 0 to 1.")
        self.faults = faults
        return faults
