"""Services, employees (staff) and bookings; a booking of a Zoom-enabled service owns a meeting.

The booking row is its meeting's desired state (as a `MeetingLink` is an event's): every change
Zoom must see bumps `desired_version`; the worker creates, updates, moves (reassignment: delete
on the old host, create on the new) or deletes the meeting and records what Zoom confirmed.
Bookings are never removed: a deleted booking is `cancelled`, so its emails and audit trail
still have something to point at.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zoombridge.db.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
)
from zoombridge.engine.work import WorkMixin
from zoombridge.events.models import LinkState, LinkWant

DEFAULT_TOPIC_TEMPLATE = "{service_name} with {employee_name}"
DEFAULT_DESCRIPTION_TEMPLATE = (
    "{service_name} for {customer_name} with {employee_name}, {booking_start}.\n{booking_notes}"
)


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"  # deleted by the business or the customer


class Service(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """Something customers book (a consultation, a lesson), B2."""

    __tablename__ = "services"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text(), default="")
    duration_minutes: Mapped[int] = mapped_column(Integer(), doc="default length of a booking")
    zoom_enabled: Mapped[bool] = mapped_column(Boolean(), default=False)
    connection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("zoom_connections.id", ondelete="RESTRICT"), index=True
    )
    # B3: shortcodes of zoombridge.bookings.values.BOOKING_FIELDS.
    topic_template: Mapped[str] = mapped_column(String(255), default=DEFAULT_TOPIC_TEMPLATE)
    description_template: Mapped[str] = mapped_column(Text(), default=DEFAULT_DESCRIPTION_TEMPLATE)
    # B4: random 8-digit passcode unless switched off here or on the connection.
    passcode_enabled: Mapped[bool] = mapped_column(Boolean(), default=True)
    # L4: reminder offsets new bookings get ("1w", "4d", "3d", "2d", "1d", "1h").
    reminder_offsets: Mapped[list[str]] = mapped_column(JSON(), default=list)
    active: Mapped[bool] = mapped_column(Boolean(), default=True)

    def __repr__(self) -> str:
        return f"Service(id={self.id!s}, name={self.name!r}, zoom_enabled={self.zoom_enabled})"


class Employee(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A staff member who is booked; hosts the bookings' meetings as a Zoom user (B2)."""

    __tablename__ = "employees"

    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(255), unique=True, doc="lower-cased")
    connection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("zoom_connections.id", ondelete="RESTRICT"), index=True
    )
    # The Zoom user (of the connection's fetched hosts) the meetings are created for; null =
    # not mapped, which refuses Zoom-enabled bookings before any call can fail on it.
    zoom_user_id: Mapped[str | None] = mapped_column(String(64))
    zoom_user_email: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean(), default=True)

    def __repr__(self) -> str:
        return f"Employee(id={self.id!s}, email={self.email!r})"


class Booking(UUIDPrimaryKeyMixin, TimestampMixin, WorkMixin, Base):
    __tablename__ = "bookings"
    __table_args__ = (
        enum_check("status", BookingStatus),
        enum_check("meeting_want", LinkWant),
        enum_check("meeting_state", LinkState),
    )

    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("services.id", ondelete="RESTRICT"), index=True
    )
    employee_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("employees.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[BookingStatus] = mapped_column(
        text_enum(BookingStatus, 16), default=BookingStatus.CONFIRMED
    )
    customer_first_name: Mapped[str] = mapped_column(String(64))
    customer_last_name: Mapped[str] = mapped_column(String(64), default="")
    customer_email: Mapped[str] = mapped_column(String(255), doc="lower-cased")
    customer_phone: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text(), default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # start_at + duration, kept so the overlap check is one indexed range query.
    end_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    timezone: Mapped[str] = mapped_column(String(64), doc="IANA name, e.g. Europe/Helsinki")
    duration_minutes: Mapped[int] = mapped_column(Integer())
    reminder_offsets: Mapped[list[str]] = mapped_column(JSON(), default=list)
    # Bumped on every change the customer or employee must hear about (time, employee).
    version: Mapped[int] = mapped_column(Integer(), default=1)

    # The meeting: null want/state = the service is not Zoom-enabled (no meeting).
    meeting_want: Mapped[LinkWant | None] = mapped_column(text_enum(LinkWant, 16))
    meeting_state: Mapped[LinkState | None] = mapped_column(text_enum(LinkState, 16), index=True)
    desired_version: Mapped[int] = mapped_column(Integer(), default=1)
    synced_version: Mapped[int] = mapped_column(Integer(), default=0)
    passcode: Mapped[str | None] = mapped_column(String(10), doc="8 random digits, B4; null=none")
    zoom_meeting_id: Mapped[int | None] = mapped_column(BigInteger(), index=True)
    zoom_host_id: Mapped[str | None] = mapped_column(String(64), doc="host Zoom confirmed")
    join_url: Mapped[str | None] = mapped_column(Text())
    confirmed_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    meeting_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def customer_name(self) -> str:
        return f"{self.customer_first_name} {self.customer_last_name}".strip()

    def __repr__(self) -> str:
        return f"Booking(id={self.id!s}, status={self.status.value!r}, start_at={self.start_at!r})"
