"""Users and API tokens. Services take a session and never commit."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import ApiToken, User
from zoombridge.accounts.passwords import hash_password, verify_password
from zoombridge.db.base import utc_now
from zoombridge.errors import Conflict

TOKEN_PREFIX = "zb_"  # noqa: S105 - a visible prefix, not a secret
# `last_used_at` is kept to this precision. Writing it on every request made every request a
# writer of the token's row: on PostgreSQL all requests with one token queued on that row lock,
# on SQLite even a GET took the database's write lock.
TOKEN_USE_PRECISION = timedelta(minutes=5)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(session: AsyncSession, email: str, password: str, name: str = "") -> User:
    email = email.strip().lower()
    if await session.scalar(select(User).where(User.email == email)):
        raise Conflict(f"A user with the email {email} already exists.")
    user = User(email=email, name=name, password_hash=hash_password(password))
    session.add(user)
    await session.flush()
    return user


async def authenticate_user(session: AsyncSession, email: str, password: str) -> User | None:
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not verify_password(password, user.password_hash):
        return None
    return user


async def create_api_token(
    session: AsyncSession, name: str, user_id: uuid.UUID | None = None
) -> tuple[str, ApiToken]:
    """A new token: the plain value (shown once) and its stored record (hash only)."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(name=name, token_hash=_token_hash(plain), prefix=plain[:10], user_id=user_id)
    session.add(record)
    await session.flush()
    return plain, record


def token_use_is_stale(record: ApiToken) -> bool:
    """Whether the token's `last_used_at` is older than its precision (or never set)."""
    last = record.last_used_at
    return last is None or utc_now() - last >= TOKEN_USE_PRECISION


async def authenticate_token(
    session: AsyncSession, plain: str, *, record_use: bool = True
) -> ApiToken | None:
    """The live token with this plain value, or None.

    `record_use` updates `last_used_at`, but only once it is `TOKEN_USE_PRECISION` old.
    """
    record = await session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(plain)))
    if record is None or record.revoked_at is not None:
        return None
    if record_use and token_use_is_stale(record):
        record.last_used_at = utc_now()
    return record
