"""SMTP settings, customised email templates, the outbox, and planned reminders.

`OutboundEmail` rows are the queue (WorkMixin, as registrations): written in the same
transaction as the change they announce, sent later by the worker, which renders them at send
time — so a staff email carries a host start link fetched from Zoom that moment (Zoom's expires
after two hours) and every email shows the meeting as it is when it leaves. A row waits while
what it must show is not ready yet (the booking's meeting not created or not moved yet).

`Reminder` rows are planned per target (booking or event), offset and start time; the unique
constraint and the state change to `queued` in the same transaction as the emails it creates
make each reminder go out once, across worker restarts; a reschedule cancels the planned ones
and plans new ones for the new start.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import SecretStr
from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, validates

from zoombridge.db.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
)
from zoombridge.db.encryption import EncryptedString
from zoombridge.engine.work import WorkMixin


class SmtpSecurity(StrEnum):
    NONE = "none"  # plain (a local relay or the demo's sink)
    STARTTLS = "starttls"
    TLS = "tls"  # implicit TLS (port 465)


class SmtpSettings(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """Where emails go. One row (the service keeps it single); absent = emails wait, unsent."""

    __tablename__ = "smtp_settings"
    __table_args__ = (enum_check("security", SmtpSecurity),)

    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer(), default=587)
    security: Mapped[SmtpSecurity] = mapped_column(
        text_enum(SmtpSecurity, 16), default=SmtpSecurity.STARTTLS
    )
    username: Mapped[str | None] = mapped_column(String(255))
    password: Mapped[SecretStr | None] = mapped_column(EncryptedString())
    from_address: Mapped[str] = mapped_column(String(255))
    from_name: Mapped[str] = mapped_column(String(120), default="zoombridge")
    timeout_seconds: Mapped[int] = mapped_column(Integer(), default=30)

    @validates("password")
    def _wrap_secret(self, _key: str, value: SecretStr | str | None) -> SecretStr | None:
        if isinstance(value, str):
            return SecretStr(value)
        return value

    def __repr__(self) -> str:
        return f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security})"


class EmailTemplate(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A customised template; keys without a row use the built-in default."""

    __tablename__ = "email_templates"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text())


class EmailState(StrEnum):
    PENDING = "pending"  # waiting to be sent (or for what it shows to be ready)
    SENT = "sent"
    FAILED = "failed"  # stopped; last_error says why (a person must act)
    CANCELLED = "cancelled"  # no longer relevant (e.g. a reminder of a cancelled booking)


class Audience(StrEnum):
    CUSTOMER = "customer"  # customers and attendees: never the host link
    STAFF = "staff"


class OutboundEmail(UUIDPrimaryKeyMixin, TimestampMixin, WorkMixin, Base):
    __tablename__ = "outbound_emails"
    __table_args__ = (enum_check("state", EmailState), enum_check("audience", Audience))

    template_key: Mapped[str] = mapped_column(String(64))
    audience: Mapped[Audience] = mapped_column(text_enum(Audience, 16))
    to_address: Mapped[str] = mapped_column(String(255))
    to_name: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[EmailState] = mapped_column(
        text_enum(EmailState, 16), default=EmailState.PENDING, index=True
    )
    # What the email is about (plain ids for history, as the audit log).
    booking_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    attendee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    reminder_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    # Sent only once the booking's meeting reflects this booking version (null: no wait).
    wait_for_version: Mapped[int | None] = mapped_column(Integer())
    # Values fixed when enqueued, over those read at send time (e.g. the previous employee's
    # name in the "no longer yours" email of a reassignment).
    context: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
    # Exactly-once enqueueing (e.g. "reminder:<id>:<attendee id>"); null = no such guard.
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    # Filled when sent: what left, as it left (the host link is never stored).
    subject: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str | None] = mapped_column(Text())
    message_id: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    def __repr__(self) -> str:
        return (
            f"OutboundEmail(id={self.id!s}, template_key={self.template_key!r}, "
            f"state={self.state.value!r})"
        )


class ReminderState(StrEnum):
    PLANNED = "planned"
    QUEUED = "queued"  # its emails are in the outbox (sent from there)
    CANCELLED = "cancelled"  # the start moved or the booking/event was cancelled
    FAILED = "failed"  # could not be turned into emails; `note` says why


class Reminder(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("target_key", "offset", "start_at"),
        enum_check("state", ReminderState),
    )

    target_key: Mapped[str] = mapped_column(String(64), doc='"booking:<id>" or "event:<id>"')
    booking_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    offset: Mapped[str] = mapped_column(String(4), doc='"1w", "4d", "3d", "2d", "1d" or "1h"')
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), doc="the start it reminds of")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    state: Mapped[ReminderState] = mapped_column(
        text_enum(ReminderState, 16), default=ReminderState.PLANNED, index=True
    )
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text(), default="")
