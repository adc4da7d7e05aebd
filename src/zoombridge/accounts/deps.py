"""What an `/api/v1` request authenticates and acts as: `TokenDep`, the API token it sends
(`Authorization: Bearer`); `ActorDep`, the token's user with their role; `requires(...)`, the
permission a route needs."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from starlette.requests import HTTPConnection

from zoombridge.accounts.models import ApiToken, User
from zoombridge.accounts.permissions import Actor, Permission
from zoombridge.accounts.service import actor_for, authenticate_token, token_use_is_stale
from zoombridge.db.engine import sqlite_read_only
from zoombridge.db.trouble import database_trouble
from zoombridge.kit.http import SessionDep, reads_first, sessionmaker_of

log = logging.getLogger(__name__)

UNAUTHENTICATED = (
    "Send an API token as `Authorization: Bearer <token>` (create one with "
    "`zoombridge token create` or in the web UI)."
)
_STATE_TOKEN = "api_token"  # noqa: S105 - the request.state attribute, not a secret


def bearer_token(connection: HTTPConnection) -> str | None:
    scheme, _, value = connection.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


async def _record_use(request: Request, plain: str) -> None:
    """Write the token's "last used" in a short transaction of its own. It is bookkeeping: when
    the database cannot take the write (locked past the busy timeout, read-only), the read the
    request came for is answered anyway."""
    try:
        with sqlite_read_only(False):
            async with sessionmaker_of(request)() as writer, writer.begin():
                await authenticate_token(writer, plain)
    except Exception as exc:
        trouble = database_trouble(exc)
        if trouble is None:
            raise
        log.warning("the token's last use was not recorded (%s); answering anyway", trouble.kind)


async def _api_token(request: Request, session: SessionDep) -> ApiToken:
    plain = bearer_token(request)
    read_only = reads_first(request)  # no write before the route's own (if any)
    token = (
        await authenticate_token(session, plain, record_use=not read_only)
        if plain is not None
        else None
    )
    if token is not None and plain is not None and read_only and token_use_is_stale(token):
        # A request that reads first must not write yet; the token's "last used" (a few minutes'
        # precision) is written in a short transaction of its own, before it reads anything else.
        token_id = token.id
        await session.rollback()
        await _record_use(request, plain)
        # The rollback expired the row: read it again (the request goes on reading).
        token = await session.get(ApiToken, token_id)
    if token is None:
        raise HTTPException(401, UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})
    setattr(request.state, _STATE_TOKEN, token)
    return token


TokenDep = Annotated[ApiToken, Depends(_api_token)]


async def api_caller_is_authenticated(connection: HTTPConnection) -> bool:
    """Whether the request carries a live API token, checked in a read-only transaction of its
    own: for refusing a bad body to a caller who has not authenticated with 401 rather than with
    details of what is wrong with it (before the route's own dependencies could run)."""
    if isinstance(getattr(connection.state, _STATE_TOKEN, None), ApiToken):
        return True
    plain = bearer_token(connection)
    if plain is None:
        return False
    with sqlite_read_only():
        async with connection.app.state.sessionmaker() as session:
            return await authenticate_token(session, plain, record_use=False) is not None


async def _actor(request: Request, session: SessionDep, token: TokenDep) -> Actor:
    found = getattr(request.state, "actor", None)
    if isinstance(found, Actor):
        return found
    user = await session.get(User, token.user_id) if token.user_id is not None else None
    actor = await actor_for(session, user)
    request.state.actor = actor
    return actor


# Who an API request acts as (its token's user: role, permissions, departments).
ActorDep = Annotated[Actor, Depends(_actor)]


def requires(*any_of: Permission) -> Any:
    """A dependency refusing (403, naming the permission) an actor with none of `any_of`; it
    answers the actor. Use in a route's `dependencies=[...]` or as a parameter:
    `actor: Annotated[Actor, requires(Permission.MANAGE_EVENTS)]`."""

    async def check(actor: ActorDep) -> Actor:
        actor.require(*any_of)
        return actor

    check.__name__ = "requires_" + "_or_".join(p.value for p in any_of)
    check.permissions = any_of  # type: ignore[attr-defined]  # read by the route audit test
    return Depends(check)
