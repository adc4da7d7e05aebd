"""Orders, their attendees, and each attendee's registration on each Zoom meeting.

A `Registration` is desired state keyed by (meeting link, email): O2 makes the email the unique
key on a meeting. `want` is derived from the orders (registered while any active attendee of a
completed order has that email on the event, else cancelled); the worker makes Zoom agree and
records what Zoom confirmed (registrant id, join link).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zoombridge.db.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
)
from zoombridge.engine.work import WorkMixin


class OrderStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class RegistrationWant(StrEnum):
    REGISTERED = "registered"
    CANCELLED = "cancelled"


class RegistrationState(StrEnum):
    PENDING = "pending"  # Zoom does not yet agree with `want`
    REGISTERED = "registered"
    CANCELLED = "cancelled"
    DEFERRED = "deferred"  # waiting for a daily cap to reset (not_before says when)
    FAILED = "failed"  # stopped with a reason a person must act on (last_error)


class Order(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (enum_check("status", OrderStatus), UniqueConstraint("event_id", "reference"))

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str | None] = mapped_column(String(100), doc="the shop's order number")
    status: Mapped[OrderStatus] = mapped_column(
        text_enum(OrderStatus, 16), default=OrderStatus.PENDING
    )
    customer_email: Mapped[str | None] = mapped_column(String(255))
    customer_name: Mapped[str | None] = mapped_column(String(255))
    paid: Mapped[bool] = mapped_column(Boolean(), default=False)
    billing: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)

    attendees: Mapped[list[Attendee]] = relationship(
        back_populates="order", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"Order(id={self.id!s}, status={self.status.value!r})"


class Attendee(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "attendees"
    # An order checks each of its people against the event's other tickets by this pair.
    __table_args__ = (Index("ix_attendees_event_id_email", "event_id", "email"),)

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(128), index=True, doc="lower-cased")
    first_name: Mapped[str] = mapped_column(String(64), default="")
    last_name: Mapped[str] = mapped_column(String(64), default="")
    ticket_code: Mapped[str] = mapped_column(String(32), unique=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), doc="cancelled alone")

    order: Mapped[Order] = relationship(back_populates="attendees")

    def __repr__(self) -> str:
        return f"Attendee(id={self.id!s}, ticket_code={self.ticket_code!r})"


class Registration(UUIDPrimaryKeyMixin, TimestampMixin, WorkMixin, Base):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("link_id", "email"),
        enum_check("want", RegistrationWant),
        enum_check("state", RegistrationState),
    )

    link_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting_links.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(128), doc="lower-cased")
    first_name: Mapped[str] = mapped_column(String(64), default="")
    last_name: Mapped[str] = mapped_column(String(64), default="")
    want: Mapped[RegistrationWant] = mapped_column(text_enum(RegistrationWant, 16))
    state: Mapped[RegistrationState] = mapped_column(
        text_enum(RegistrationState, 16), default=RegistrationState.PENDING, index=True
    )
    zoom_registrant_id: Mapped[str | None] = mapped_column(String(64))
    join_url: Mapped[str | None] = mapped_column(String(1024))
    # Zoom allows 3 registration requests a day per registrant and meeting: counted here, in
    # the database, so a restarted or second worker cannot exceed it.
    zoom_requests_day: Mapped[str | None] = mapped_column(String(10), doc="UTC date, ISO")
    zoom_requests: Mapped[int] = mapped_column(Integer(), default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"Registration(id={self.id!s}, want={self.want.value!r}, state={self.state.value!r})"
