"""Events, their sessions (days, slots, sessions) and the Zoom meetings linked to them.

A `MeetingLink` is desired state: what the Zoom meeting or webinar should look like (derived from
the event and bumped in `desired_version` on every change) next to what Zoom last confirmed
(`synced_version`, ids, links). The worker reconciles the two; services never call Zoom.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zoombridge.connections.models import ZoomKind
from zoombridge.db.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
)
from zoombridge.engine.work import WorkMixin


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class DayMode(StrEnum):
    """How a multi-day event maps onto Zoom (E7)."""

    SINGLE = "single"  # one meeting, one occurrence
    RECURRING = "recurring"  # one recurring meeting whose occurrences are the days
    PER_DAY = "per_day"  # a separate meeting per day


class SessionKind(StrEnum):
    DAY = "day"
    SLOT = "slot"
    SESSION = "session"


class SessionStatus(StrEnum):
    """Follows Zoom's meeting.started / meeting.ended (E10)."""

    NOT_STARTED = "not_started"
    STARTED = "started"
    FINISHED = "finished"


class RegistrationSource(StrEnum):
    """Where an event's registrations on Zoom come from: its orders, or its enrolled learners
    (a course event: the courses domain writes them; orders leave such an event alone)."""

    ORDERS = "orders"
    ENROLMENT = "enrolment"


class LinkMode(StrEnum):
    LINKED = "linked"  # an existing Zoom meeting picked by the organiser
    CREATED = "created"  # created (and owned) by zoombridge


class LinkWant(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"  # delete what zoombridge created / forget what was linked


class LinkState(StrEnum):
    PENDING = "pending"  # desired_version > synced_version, or not created yet
    SYNCED = "synced"
    FAILED = "failed"  # stopped with a reason a person must act on (last_error)
    DELETED = "deleted"  # gone from Zoom (by us, or noticed as drift)


class Event(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "events"
    __table_args__ = (
        enum_check("kind", ZoomKind),
        enum_check("status", EventStatus),
        enum_check("day_mode", DayMode),
        enum_check("registrations_from", RegistrationSource),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("zoom_connections.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[ZoomKind] = mapped_column(text_enum(ZoomKind, 16))
    topic: Mapped[str] = mapped_column(String(255))
    agenda: Mapped[str] = mapped_column(Text(), default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64), doc="IANA name, e.g. Europe/Helsinki")
    duration_minutes: Mapped[int] = mapped_column(Integer())
    location: Mapped[str] = mapped_column(String(255), default="online")
    capacity: Mapped[int | None] = mapped_column(Integer(), doc="null = unlimited")
    # Distinct people holding a seat (active attendees of completed orders, one per email),
    # kept current by the orders domain in the transaction of each change, so a capacity check
    # never counts attendees.
    seats_taken: Mapped[int] = mapped_column(Integer(), default=0, server_default=text("0"))
    host_zoom_user_id: Mapped[str | None] = mapped_column(String(64))
    host_email: Mapped[str | None] = mapped_column(String(255))
    registration_enabled: Mapped[bool] = mapped_column(Boolean(), default=True)  # O9
    zoom_confirmation_email: Mapped[bool] = mapped_column(Boolean(), default=False)  # O5
    ticket_emails: Mapped[bool] = mapped_column(Boolean(), default=True)  # O6: tickets by email
    # L4: "1w", "4d", "3d", "2d", "1d", "1h" before each start, emailed to the attendees.
    reminder_offsets: Mapped[list[str]] = mapped_column(JSON(), default=list)
    day_mode: Mapped[DayMode] = mapped_column(text_enum(DayMode, 16), default=DayMode.SINGLE)
    slot_duration_minutes: Mapped[int | None] = mapped_column(Integer())  # E8 default
    status: Mapped[EventStatus] = mapped_column(
        text_enum(EventStatus, 16), default=EventStatus.SCHEDULED
    )
    # E10: each session (kind SESSION) has its own Zoom meeting instead of sharing the event's.
    own_session_meetings: Mapped[bool] = mapped_column(Boolean(), default=False)
    registrations_from: Mapped[RegistrationSource] = mapped_column(
        text_enum(RegistrationSource, 16), default=RegistrationSource.ORDERS
    )
    # E11 for course events: a meeting's topic changed in Zoom is taken over (iSpring: after
    # creation the name is changed in Zoom only), instead of being reported as drift.
    topic_from_zoom: Mapped[bool] = mapped_column(Boolean(), default=False)
    # Department admins see and change only the events of their departments.
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    # Bumped on every change Zoom or a calendar must see (name, date, time): links compare
    # their synced_version to it; ICS files use it as SEQUENCE.
    version: Mapped[int] = mapped_column(Integer(), default=1)

    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="EventSession.start_at",
        lazy="selectin",
    )

    def __repr__(self) -> str:
        return f"Event(id={self.id!s}, topic={self.topic!r}, kind={self.kind.value!r})"


class EventSession(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A day of a multi-day event, a bookable slot, or a session of a structured event."""

    __tablename__ = "event_sessions"
    __table_args__ = (enum_check("kind", SessionKind), enum_check("status", SessionStatus))

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SessionKind] = mapped_column(text_enum(SessionKind, 16))
    label: Mapped[str] = mapped_column(String(255), default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer())
    status: Mapped[SessionStatus] = mapped_column(
        text_enum(SessionStatus, 16), default=SessionStatus.NOT_STARTED
    )
    zoom_occurrence_id: Mapped[str | None] = mapped_column(String(32))
    # The meeting's topic as changed in Zoom (events with `topic_from_zoom`); sent from then on.
    zoom_topic: Mapped[str | None] = mapped_column(String(255))

    event: Mapped[Event] = relationship(back_populates="sessions")


class MeetingLink(UUIDPrimaryKeyMixin, TimestampMixin, WorkMixin, Base):
    """One Zoom meeting or webinar that an event (or one of its sessions) uses."""

    __tablename__ = "meeting_links"
    __table_args__ = (
        enum_check("kind", ZoomKind),
        enum_check("mode", LinkMode),
        enum_check("want", LinkWant),
        enum_check("state", LinkState),
    )

    event_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="SET NULL"), index=True
    )
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("zoom_connections.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[ZoomKind] = mapped_column(text_enum(ZoomKind, 16))
    mode: Mapped[LinkMode] = mapped_column(text_enum(LinkMode, 16))
    want: Mapped[LinkWant] = mapped_column(text_enum(LinkWant, 16), default=LinkWant.PRESENT)
    state: Mapped[LinkState] = mapped_column(text_enum(LinkState, 16), default=LinkState.PENDING)
    desired_version: Mapped[int] = mapped_column(Integer(), default=1)
    synced_version: Mapped[int] = mapped_column(Integer(), default=0)

    # What Zoom confirmed.
    zoom_meeting_id: Mapped[int | None] = mapped_column(BigInteger(), index=True)
    zoom_host_id: Mapped[str | None] = mapped_column(String(64))
    zoom_type: Mapped[int | None] = mapped_column(Integer())
    approval_type: Mapped[int | None] = mapped_column(Integer(), doc="as last read from Zoom")
    occurrence_ids: Mapped[list[str]] = mapped_column(JSON(), default=list)
    join_url: Mapped[str | None] = mapped_column(Text())
    registration_url: Mapped[str | None] = mapped_column(Text())
    password: Mapped[str | None] = mapped_column(String(32))
    confirmed: Mapped[dict[str, Any]] = mapped_column(
        JSON(), default=dict, doc="topic/start/duration/timezone as Zoom last showed them"
    )
    # Drift (E11): a difference between Zoom and the desired state that came from Zoom's side.
    drift: Mapped[str | None] = mapped_column(Text())
    drift_detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fix_approval_requested: Mapped[bool] = mapped_column(Boolean(), default=False)  # E4

    def __repr__(self) -> str:
        return (
            f"MeetingLink(id={self.id!s}, kind={self.kind.value!r}, "
            f"zoom_meeting_id={self.zoom_meeting_id!r}, state={self.state.value!r})"
        )
