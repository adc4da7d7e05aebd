"""The declarative base every model inherits, its column types and common mixins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Enum, MetaData, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Constraint names must be deterministic: Alembic can only drop or alter a constraint it can
# name, and SQLite's batch mode rebuilds tables from these names.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utc_now() -> datetime:
    return datetime.now(UTC)


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone reached the database; its meaning would be a guess."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (UTC).

    PostgreSQL keeps it as `timestamptz`; SQLite has no time zones, so the value is converted to
    UTC and stored without an offset, which keeps text comparison and ordering correct.
    Naive datetimes are refused rather than silently assumed to be UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(
                f"naive datetime {value.isoformat()} given for a UTC column; "
                "pass a timezone-aware datetime (e.g. datetime.now(UTC))"
            )
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):  # pragma: no cover - drivers return datetimes
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class UUIDPrimaryKeyMixin:
    """A random UUID primary key, generated in Python so it is known before the flush."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)


def _created_at(context: DefaultExecutionContext) -> datetime:
    # A new row's updated_at equals its created_at exactly, so "never changed" is visible.
    parameters: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    created_at = parameters.get("created_at")
    return created_at if isinstance(created_at, datetime) else utc_now()


class TimestampMixin:
    """`created_at` set on insert, `updated_at` on every update; both aware UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=_created_at, onupdate=utc_now
    )


def text_enum(enum_cls: type[StrEnum], length: int = 24) -> Enum:
    """A StrEnum stored as plain text (values, not names) with no native enum type.

    Adding a value later is then a one-line migration on both SQLite and PostgreSQL; tables that
    need the database to refuse other values add a CheckConstraint built with `enum_check`.
    """
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


def enum_check(column: str, enum_cls: type[StrEnum]) -> CheckConstraint:
    """CHECK that `column` holds one of the enum's values (named after the column)."""
    values = ", ".join(f"'{member.value}'" for member in enum_cls)
    return CheckConstraint(f"{column} IN ({values})", name=column)
