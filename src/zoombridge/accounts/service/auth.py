"""Sign-in, sessions that end, and API tokens. Services take a session and never commit."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import ApiToken, User
from zoombridge.accounts.passwords import hash_password, verify_nothing, verify_password
from zoombridge.accounts.permissions import RoleKind
from zoombridge.db.base import utc_now
from zoombridge.errors import Conflict

TOKEN_PREFIX = "zb_"  # noqa: S105 - a visible prefix, not a secret
# `last_used_at` is kept to this precision. Writing it on every request made every request a
# writer of the token's row: on PostgreSQL all requests with one token queued on that row lock,
# on SQLite even a GET took the database's write lock.
TOKEN_USE_PRECISION = timedelta(minutes=5)
# What `create_api_token` makes (a prefix and URL-safe base64); anything else is refused before
# it is looked up, so no header value of a stranger's choosing reaches a query.
_TOKEN_SHAPE = re.compile(r"zb_[A-Za-z0-9_-]{20,100}")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(
    session: AsyncSession,
    email: str,
    password: str,
    name: str = "",
    *,
    role: RoleKind = RoleKind.OWNER,
) -> User:
    """A user who can sign in (the CLI's first user is an owner; see `people.add_user` for the
    checked way owners and admins add staff)."""
    email = email.strip().lower()
    if await session.scalar(select(User).where(User.email == email)):
        raise Conflict(f"A user with the email {email} already exists.")
    user = User(email=email, name=name, password_hash=hash_password(password), role=role)
    session.add(user)
    await session.flush()
    return user


async def authenticate_user(session: AsyncSession, email: str, password: str) -> User | None:
    """The user with this email and password, or None. An unknown email costs one scrypt, as
    a wrong password does, so the time taken does not tell which emails are registered."""
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        verify_nothing(password)
        return None
    if not verify_password(password, user.password_hash):
        return None
    return user


def end_sessions(user: User) -> None:
    """Every UI session of `user` stops working at its next request (web.auth_session compares
    the epoch it was signed in with)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def set_password(user: User, password: str) -> None:
    """A new password; the sessions signed in with the old one end."""
    user.password_hash = hash_password(password)
    end_sessions(user)


async def revoke_tokens_of(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Revoke every live token of a user who is being removed. Without it the tokens would lose
    their user (the foreign key sets it null) and act as the server operator's: as an owner."""
    await session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )


async def create_api_token(
    session: AsyncSession,
    name: str,
    user_id: uuid.UUID | None = None,
    *,
    expires_at: datetime | None = None,
) -> tuple[str, ApiToken]:
    """A new token: the plain value (shown once) and its stored record (hash only)."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        name=name,
        token_hash=_token_hash(plain),
        prefix=plain[:10],
        user_id=user_id,
        expires_at=expires_at,
    )
    session.add(record)
    await session.flush()
    return plain, record


def token_use_is_stale(record: ApiToken) -> bool:
    """Whether the token's `last_used_at` is older than its precision (or never set)."""
    last = record.last_used_at
    return last is None or utc_now() - last >= TOKEN_USE_PRECISION


def token_is_live(record: ApiToken, now: datetime | None = None) -> bool:
    """Neither revoked nor past its expiry."""
    if record.revoked_at is not None:
        return False
    return record.expires_at is None or record.expires_at > (now or utc_now())


async def authenticate_token(
    session: AsyncSession, plain: str, *, record_use: bool = True
) -> ApiToken | None:
    """The live token with this plain value, or None (unknown, revoked or expired).

    `record_use` updates `last_used_at`, but only once it is `TOKEN_USE_PRECISION` old.
    """
    if not _TOKEN_SHAPE.fullmatch(plain):
        return None
    record = await session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(plain)))
    if record is None or not token_is_live(record):
        return None
    if record_use and token_use_is_stale(record):
        record.last_used_at = utc_now()
    return record
