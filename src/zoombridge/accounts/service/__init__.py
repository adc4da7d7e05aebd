"""The accounts domain's rules: sign-in, sessions and API tokens (`auth`), sign-in throttling
(`throttle`), tokens managed by their users (`tokens`), who a request acts as (`actors`), and
staff users, roles and departments (`people`). Services never commit."""

from __future__ import annotations

from zoombridge.accounts.service.actors import actor_for
from zoombridge.accounts.service.auth import (
    TOKEN_PREFIX,
    TOKEN_USE_PRECISION,
    authenticate_token,
    authenticate_user,
    create_api_token,
    create_user,
    end_sessions,
    set_password,
    token_is_live,
    token_use_is_stale,
)

__all__ = [
    "TOKEN_PREFIX",
    "TOKEN_USE_PRECISION",
    "actor_for",
    "authenticate_token",
    "authenticate_user",
    "create_api_token",
    "create_user",
    "end_sessions",
    "set_password",
    "token_is_live",
    "token_use_is_stale",
]
