"""People who sign in to the web UI, the API tokens integrations use, and idempotency records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zoombridge.db.base import Base, TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin


class User(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    # A salted, slow hash (hashlib.scrypt); never the password.
    password_hash: Mapped[str] = mapped_column(String(255))

    def __repr__(self) -> str:
        return f"User(id={self.id!s}, email={self.email!r})"


class ApiToken(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A bearer token for `/api/v1`. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), doc="first characters, to recognise it")
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"ApiToken(id={self.id!s}, name={self.name!r}, prefix={self.prefix!r})"


class IdempotencyRecord(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """The answer given to a POST with an `Idempotency-Key`, replayed for the same key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    token_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64), doc="method, path and body")
    response_status: Mapped[int] = mapped_column(Integer())
    response_body: Mapped[Any] = mapped_column(JSON())
