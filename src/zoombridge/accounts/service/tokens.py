"""API tokens managed by their users: listed (with last use and expiry), created with an
optional expiry, revoked. A user manages their own tokens; `manage_users` manages everyone's.

Two rules keep a token from being used to get more than it has: a token for another user is
made only by someone who may manage users (and for an owner only by an owner, since the token
acts as its user), and a token made with a token that expires never outlives it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import ApiToken, User
from zoombridge.accounts.permissions import Actor, Permission, RoleKind
from zoombridge.accounts.schemas import ApiTokenCreated, ApiTokenIn, ApiTokenOut, TokenState
from zoombridge.accounts.service.auth import create_api_token
from zoombridge.db.base import utc_now
from zoombridge.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFoundError


def token_state(record: ApiToken, now: datetime | None = None) -> TokenState:
    if record.revoked_at is not None:
        return "revoked"
    if record.expires_at is not None and record.expires_at <= (now or utc_now()):
        return "expired"
    return "active"


def token_out(record: ApiToken, email: str | None) -> ApiTokenOut:
    return ApiTokenOut(
        id=record.id,
        name=record.name,
        prefix=record.prefix,
        user_id=record.user_id,
        user_email=email,
        state=token_state(record),
        created_at=record.created_at,
        last_used_at=record.last_used_at,
        expires_at=record.expires_at,
        revoked_at=record.revoked_at,
    )


def _sees_all(actor: Actor) -> bool:
    return actor.has(Permission.MANAGE_USERS)


async def list_tokens(session: AsyncSession, actor: Actor) -> list[ApiTokenOut]:
    """The actor's own tokens, or everyone's for a user manager; newest first."""
    query = (
        select(ApiToken, User.email)
        .outerjoin(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    )
    if not _sees_all(actor):
        query = query.where(ApiToken.user_id == actor.user_id)
    return [token_out(row, email) for row, email in await session.execute(query)]


async def _visible(session: AsyncSession, actor: Actor, token_id: uuid.UUID) -> ApiToken:
    record = await session.get(ApiToken, token_id)
    if record is None or not (_sees_all(actor) or record.user_id == actor.user_id):
        raise NotFoundError(f"No API token with id {token_id}.")
    return record


async def find_tokens(session: AsyncSession, reference: str) -> Sequence[ApiToken]:
    """Tokens whose id is `reference` or whose shown prefix starts with it (the CLI)."""
    try:
        by_id = await session.get(ApiToken, uuid.UUID(reference))
    except ValueError:
        by_id = None
    if by_id is not None:
        return [by_id]
    if len(reference) < 4:
        return []
    prefix = reference.replace("…", "")[:10]  # what is stored (and listed)
    rows = await session.scalars(
        select(ApiToken)
        .where(ApiToken.prefix.startswith(prefix, autoescape=True))
        .order_by(ApiToken.created_at)
    )
    return list(rows)


async def revoke_token(session: AsyncSession, actor: Actor, token_id: uuid.UUID) -> ApiToken:
    """Revoked at once (the next request with it gets 401); repeating it changes nothing."""
    record = await _visible(session, actor, token_id)
    if record.revoked_at is None:
        record.revoked_at = utc_now()
        await session.flush()
    return record


async def _owner_for(session: AsyncSession, actor: Actor, user_id: uuid.UUID | None) -> User | None:
    if user_id is None or user_id == actor.user_id:
        return await session.get(User, actor.user_id) if actor.user_id else None
    actor.require(Permission.MANAGE_USERS)
    user = await session.get(User, user_id)
    if user is None:
        message = "No user with this id."
        raise InvalidInput(message, field_errors=[FieldProblem("user_id", message)])
    if user.role is RoleKind.OWNER and actor.role is not RoleKind.OWNER:
        raise Forbidden("Only an owner can make a token for an owner (it would act as one).")
    return user


async def issue_token(
    session: AsyncSession,
    actor: Actor,
    data: ApiTokenIn,
    *,
    made_with: ApiToken | None = None,
) -> ApiTokenCreated:
    """A new token for the actor (or, for a user manager, another user); shown this once."""
    user = await _owner_for(session, actor, data.user_id)
    now = utc_now()
    expires_at = now + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    if made_with is not None and made_with.expires_at is not None:
        # A token about to expire must not be able to mint its own successor that never does.
        expires_at = min(expires_at or made_with.expires_at, made_with.expires_at)
    if user is None and actor.user_id is not None:
        raise Conflict("The signed-in user no longer exists.")
    plain, record = await create_api_token(
        session, data.name, user.id if user else None, expires_at=expires_at
    )
    listed = token_out(record, user.email if user else None)
    return ApiTokenCreated(**listed.model_dump(), token=plain)
