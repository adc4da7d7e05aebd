"""People who sign in to the web UI (with their roles and departments), the API tokens
integrations use, and idempotency records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from zoombridge.accounts.permissions import RoleKind
from zoombridge.db.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
)


class Department(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A part of the organisation (a tree): department admins act within theirs, and people and
    events may belong to one."""

    __tablename__ = "departments"

    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )

    def __repr__(self) -> str:
        return f"Department(id={self.id!s}, name={self.name!r})"


class CustomRole(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A role built from named permissions (`accounts.permissions.Permission` values)."""

    __tablename__ = "custom_roles"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    permissions: Mapped[list[str]] = mapped_column(JSON(), default=list)


class User(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (enum_check("role", RoleKind),)

    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    # A salted, slow hash (hashlib.scrypt); never the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[RoleKind] = mapped_column(text_enum(RoleKind, 32), default=RoleKind.OWNER)
    custom_role_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("custom_roles.id", ondelete="RESTRICT"), index=True
    )
    # Written into the UI session at sign-in and compared on every request: raising it (sign
    # out, a new password) ends every session of the user at once, copied cookies included.
    session_epoch: Mapped[int] = mapped_column(Integer(), default=0, server_default=text("0"))

    def __repr__(self) -> str:
        return f"User(id={self.id!s}, email={self.email!r})"


class UserDepartment(Base):
    """A user's departments: where a department admin (or a custom role) may act."""

    __tablename__ = "user_departments"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True
    )


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
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), doc="null: never")

    def __repr__(self) -> str:
        return f"ApiToken(id={self.id!s}, name={self.name!r}, prefix={self.prefix!r})"


class SignInFailures(Base):
    """Failed sign-ins counted per account and per client address, shared by every `serve`
    process. `key` is a SHA-256 of "account:<email>" or "address:<ip>", so the table holds no
    email address nobody registered."""

    __tablename__ = "signin_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer(), default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IdempotencyRecord(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """The answer given to a POST with an `Idempotency-Key`, replayed for the same key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    token_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64), doc="method, path and body")
    response_status: Mapped[int] = mapped_column(Integer())
    response_body: Mapped[Any] = mapped_column(JSON())
