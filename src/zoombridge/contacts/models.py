"""Contacts (the CRM half, H1–H9): people, where they come from, and the webinars they joined.

- `ContactSettings` (one row), `ContactConnection` (per Zoom connection: which hosts; also the
  worker's "list the hosts and their webinars" item), `ContactHost` (a Zoom user of the account:
  selected or not, its two switches; every user listed, so Zoom account users are excluded).
- `ContactWebinar`: a webinar of a listed host, whoever created it, with its sync switch and
  what the register action needs to know (host, alternative hosts, panelists, required form
  fields); a work row: the worker syncs it when due.
- `Contact`, keyed by its primary email (trimmed, lower-cased), with its kept-current
  properties; `deleted_at` is the tombstone a later sync respects. `ContactEmail` holds
  secondary emails, `ContactSource` where the person comes from.
- `ContactRegistration` and `ContactAttendance`: a contact's registrations of, and attendance
  at, synced webinars (attendance of people who are not contacts — guests without an email,
  excluded emails — is kept too, with the reason, so it can be shown and linked by hand).
  `ContactReportRow` is the participants report being read, one join..leave per row, merged
  per person once the report is in, then dropped.
- `ContactRecording`: the recording of one webinar instance, as Zoom last showed it.
- `ContactSync` and `ContactSyncNote`: the audit of each sync of a webinar, in the seed's
  categories, one note per affected email or name.
- `ContactRegisterRequest` (register a contact to a webinar, H9: a work row),
  `ContactAutomation` (an inbound automation webhook with its secret), `ContactSegment`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import SecretStr
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from zoombridge.db.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
    utc_now,
)
from zoombridge.db.encryption import EncryptedString
from zoombridge.engine.work import WorkMixin


class HostsMode(StrEnum):
    NONE = "none"
    ALL = "all"
    SELECTED = "selected"


class SourceKind(StrEnum):
    WEBINAR_REGISTRANT = "webinar_registrant"
    WEBINAR_ATTENDEE = "webinar_attendee"
    ORDER_ATTENDEE = "order_attendee"
    BOOKING_CUSTOMER = "booking_customer"
    LEARNER = "learner"
    ADDED_BY_HAND = "added_by_hand"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    PENDING = "pending"  # waiting for the host's approval in Zoom
    DENIED = "denied"
    CANCELLED = "cancelled"  # no longer listed by Zoom


class RegistrationHow(StrEnum):
    ZOOM_FORM = "zoom_form"  # Zoom's own registration page (or anything we did not do)
    ORDER = "order"  # a zoombridge order's attendee
    WORKFLOW = "workflow"  # the register action (API call or automation webhook)
    ENROLMENT = "enrolment"  # a course enrolment (courses domain)


class RecordingStatus(StrEnum):
    AVAILABLE = "available"
    PROCESSING = "processing"
    UNAVAILABLE = "unavailable"


class SyncOutcome(StrEnum):
    RUNNING = "running"
    OK = "ok"
    WARNINGS = "warnings"  # synced, with notes
    DISABLED = "disabled"  # a switch is off: nothing asked of Zoom
    RETRY = "retry"  # Zoom or the network failed for now: tried again later
    DEFERRED = "deferred"  # a daily limit: resumes after midnight UTC
    FAILED = "failed"  # stopped for a person to look at


class NoteCategory(StrEnum):
    """The seed's audit categories."""

    SYNC_DISABLED = "sync_disabled"
    RECORDING_NOT_SYNCED = "recording_not_synced"
    ATTENDEES_NOT_SYNCED = "attendees_not_synced"
    DATA_NOT_SYNCED = "data_not_synced"
    EMAILS_EXCLUDED = "emails_excluded"
    ERRORS = "errors"


class RequestState(StrEnum):
    PENDING = "pending"
    REGISTERED = "registered"
    REFUSED = "refused"  # the host, a panelist, a form asking more (a person must act)
    FAILED = "failed"  # Zoom refused it otherwise
    DEFERRED = "deferred"  # the registrant's 3 requests a day used


class RequestOrigin(StrEnum):
    API = "api"
    AUTOMATION = "automation"
    UI = "ui"


class MatchMode(StrEnum):
    ALL = "all"
    ANY = "any"


class ContactSettings(Base):
    """The CRM settings: one row (id 1), made on first use."""

    __tablename__ = "contact_settings"

    id: Mapped[int] = mapped_column(Integer(), primary_key=True)
    sync_webinars: Mapped[bool] = mapped_column(Boolean(), default=False)
    excluded_domains: Mapped[list[str]] = mapped_column(JSON(), default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, onupdate=utc_now)


class ContactConnection(UUIDPrimaryKeyMixin, TimestampMixin, WorkMixin, Base):
    """Which hosts of a Zoom connection have their webinars synced; due = list them again."""

    __tablename__ = "contact_connections"
    __table_args__ = (enum_check("hosts_mode", HostsMode),)

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("zoom_connections.id", ondelete="CASCADE"), unique=True
    )
    hosts_mode: Mapped[HostsMode] = mapped_column(text_enum(HostsMode, 16), default=HostsMode.NONE)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ContactHost(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A Zoom user of a connection's account, as last listed."""

    __tablename__ = "contact_hosts"
    __table_args__ = (UniqueConstraint("connection_id", "zoom_user_id"),)

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("zoom_connections.id", ondelete="CASCADE"), index=True
    )
    zoom_user_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(255), index=True, doc="lower-cased")
    first_name: Mapped[str] = mapped_column(String(64), default="")
    last_name: Mapped[str] = mapped_column(String(64), default="")
    user_type: Mapped[int | None] = mapped_column(Integer())
    selected: Mapped[bool] = mapped_column(Boolean(), default=False)
    sync_new_by_default: Mapped[bool] = mapped_column(Boolean(), default=True)
    sync_recordings: Mapped[bool] = mapped_column(Boolean(), default=True)
    gone: Mapped[bool] = mapped_column(Boolean(), default=False, doc="no longer listed by Zoom")


class ContactWebinar(UUIDPrimaryKeyMixin, TimestampMixin, WorkMixin, Base):
    __tablename__ = "contact_webinars"
    __table_args__ = (UniqueConstraint("connection_id", "zoom_webinar_id"),)

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("zoom_connections.id", ondelete="CASCADE"), index=True
    )
    host_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contact_hosts.id", ondelete="SET NULL"), index=True
    )
    zoom_webinar_id: Mapped[int] = mapped_column(BigInteger(), index=True)
    zoom_type: Mapped[int | None] = mapped_column(Integer())
    topic: Mapped[str] = mapped_column(String(255), default="")
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer(), default=60)
    timezone: Mapped[str | None] = mapped_column(String(64))
    join_url: Mapped[str | None] = mapped_column(Text())
    registration_url: Mapped[str | None] = mapped_column(Text())
    auto_recording: Mapped[str | None] = mapped_column(String(16))
    created_by_zoombridge: Mapped[bool] = mapped_column(Boolean(), default=False)
    sync_enabled: Mapped[bool] = mapped_column(Boolean(), default=True)
    # What the register action checks, as the last sync read it from Zoom.
    host_email: Mapped[str | None] = mapped_column(String(255))
    alternative_hosts: Mapped[list[str]] = mapped_column(JSON(), default=list)
    panelists: Mapped[list[str]] = mapped_column(JSON(), default=list)
    required_fields: Mapped[list[str]] = mapped_column(JSON(), default=list)
    facts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    gone_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), doc="Zoom says it is gone")
    ended: Mapped[bool] = mapped_column(Boolean(), default=False, doc="an instance has ended")
    # Work: due for a sync (`sync_due` and `not_before` passed); the trigger is audited.
    sync_due: Mapped[bool] = mapped_column(Boolean(), default=False, index=True)
    sync_trigger: Mapped[str] = mapped_column(String(16), default="listed")
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Contact(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "contacts"

    email: Mapped[str] = mapped_column(String(255), unique=True, doc="primary, lower-cased")
    first_name: Mapped[str] = mapped_column(String(64), default="")
    last_name: Mapped[str] = mapped_column(String(64), default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict, doc="custom fields")
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Properties (H4), kept current by the worker and the services.
    avg_attendance_percent: Mapped[float | None] = mapped_column(Float(), index=True)
    last_registered_webinar_url: Mapped[str | None] = mapped_column(Text())
    last_registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    total_registrations: Mapped[int] = mapped_column(Integer(), default=0, index=True)
    total_webinars_attended: Mapped[int] = mapped_column(Integer(), default=0, index=True)
    first_attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    no_show_count: Mapped[int] = mapped_column(Integer(), default=0)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContactEmail(UUIDPrimaryKeyMixin, Base):
    """A secondary email: registrations and attendance by it are credited to the contact."""

    __tablename__ = "contact_emails"

    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(255), unique=True, doc="lower-cased")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class ContactSource(Base):
    __tablename__ = "contact_sources"
    __table_args__ = (enum_check("kind", SourceKind),)

    contact_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[SourceKind] = mapped_column(text_enum(SourceKind, 24), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class ContactRegistration(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "contact_registrations"
    __table_args__ = (
        UniqueConstraint("webinar_id", "email"),
        Index("ix_contact_registrations_contact_webinar", "contact_id", "webinar_id"),
        enum_check("status", RegistrationStatus),
        enum_check("how", RegistrationHow),
    )

    webinar_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_webinars.id", ondelete="CASCADE")
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(255), doc="as registered (maybe secondary)")
    registrant_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(text_enum(RegistrationStatus, 16))
    how: Mapped[RegistrationHow] = mapped_column(text_enum(RegistrationHow, 16))
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    join_url: Mapped[str | None] = mapped_column(Text())
    seen_sync_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), doc="last sync listing it")


class ContactAttendance(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """One person at one instance of a webinar: the union of their join..leave segments."""

    __tablename__ = "contact_attendances"
    __table_args__ = (
        UniqueConstraint("webinar_id", "instance_uuid", "person_key"),
        Index("ix_contact_attendances_contact_webinar", "contact_id", "webinar_id"),
    )

    webinar_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_webinars.id", ondelete="CASCADE")
    )
    instance_uuid: Mapped[str] = mapped_column(String(64))
    instance_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    person_key: Mapped[str] = mapped_column(String(255))
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    email: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    joins: Mapped[int] = mapped_column(Integer(), default=0)
    first_join: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_leave: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attended_seconds: Mapped[int] = mapped_column(Integer(), default=0)
    percent: Mapped[float] = mapped_column(Float(), default=0.0)
    # Why no contact is credited ("no email", "excluded domain", …); None when one is.
    not_synced: Mapped[str | None] = mapped_column(String(64))
    linked_by_hand: Mapped[bool] = mapped_column(Boolean(), default=False)


class ContactReportRow(UUIDPrimaryKeyMixin, Base):
    """One row of a participants report being read (dropped once merged)."""

    __tablename__ = "contact_report_rows"
    __table_args__ = (
        UniqueConstraint(
            "webinar_id", "instance_uuid", "person_key", "join_at", "leave_at", "connection"
        ),
    )

    webinar_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_webinars.id", ondelete="CASCADE")
    )
    instance_uuid: Mapped[str] = mapped_column(String(64))
    person_key: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    registrant_id: Mapped[str] = mapped_column(String(64), default="")
    join_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    leave_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    connection: Mapped[str] = mapped_column(String(64), default="", doc="Zoom's per-join id")


class ContactRecording(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "contact_recordings"
    __table_args__ = (
        UniqueConstraint("webinar_id", "instance_uuid"),
        enum_check("status", RecordingStatus),
    )

    webinar_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_webinars.id", ondelete="CASCADE")
    )
    instance_uuid: Mapped[str] = mapped_column(String(64))
    status: Mapped[RecordingStatus] = mapped_column(text_enum(RecordingStatus, 16))
    topic: Mapped[str] = mapped_column(String(255), default="")
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    url: Mapped[str | None] = mapped_column(Text())
    transcript_url: Mapped[str | None] = mapped_column(Text())
    available_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ContactSync(UUIDPrimaryKeyMixin, Base):
    """One sync of a webinar: when, why, how it ended, and its counts."""

    __tablename__ = "contact_syncs"
    __table_args__ = (enum_check("outcome", SyncOutcome),)

    webinar_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_webinars.id", ondelete="CASCADE"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[SyncOutcome] = mapped_column(text_enum(SyncOutcome, 16))
    counts: Mapped[dict[str, int]] = mapped_column(JSON(), default=dict)
    message: Mapped[str] = mapped_column(Text(), default="")


class ContactSyncNote(UUIDPrimaryKeyMixin, Base):
    """One affected email or name under one category and reason of a sync's audit."""

    __tablename__ = "contact_sync_notes"
    __table_args__ = (
        UniqueConstraint("sync_id", "category", "reason", "subject"),
        enum_check("category", NoteCategory),
    )

    sync_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contact_syncs.id", ondelete="CASCADE"))
    category: Mapped[NoteCategory] = mapped_column(text_enum(NoteCategory, 24))
    reason: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255), default="", doc="an email or a name")
    detail: Mapped[str] = mapped_column(Text(), default="")


class ContactRegisterRequest(UUIDPrimaryKeyMixin, TimestampMixin, WorkMixin, Base):
    """Register a contact to a webinar (H9): desired state the worker sends to Zoom."""

    __tablename__ = "contact_register_requests"
    __table_args__ = (enum_check("state", RequestState), enum_check("origin", RequestOrigin))

    webinar_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_webinars.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(64), default="")
    origin: Mapped[RequestOrigin] = mapped_column(text_enum(RequestOrigin, 16))
    automation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contact_automations.id", ondelete="SET NULL")
    )
    state: Mapped[RequestState] = mapped_column(
        text_enum(RequestState, 16), default=RequestState.PENDING, index=True
    )
    zoom_registrant_id: Mapped[str | None] = mapped_column(String(64))
    join_url: Mapped[str | None] = mapped_column(Text())
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Zoom allows 3 registration requests a day per registrant and webinar: counted here.
    zoom_requests_day: Mapped[str | None] = mapped_column(String(10))
    zoom_requests: Mapped[int] = mapped_column(Integer(), default=0)


class ContactAutomation(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """An inbound automation webhook: registers the posted person to its webinar."""

    __tablename__ = "contact_automations"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    zoom_webinar_id: Mapped[int | None] = mapped_column(BigInteger())
    webinar_field: Mapped[str | None] = mapped_column(String(64), doc="field holding the id")
    secret: Mapped[SecretStr] = mapped_column(EncryptedString())
    enabled: Mapped[bool] = mapped_column(Boolean(), default=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    uses: Mapped[int] = mapped_column(Integer(), default=0)

    @validates("secret")
    def _wrap_secret(self, _key: str, value: SecretStr | str) -> SecretStr:
        return SecretStr(value) if isinstance(value, str) else value

    def __repr__(self) -> str:
        return f"ContactAutomation(id={self.id!s}, name={self.name!r})"


class ContactSegment(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "contact_segments"
    __table_args__ = (enum_check("match", MatchMode),)

    name: Mapped[str] = mapped_column(String(100), unique=True)
    match: Mapped[MatchMode] = mapped_column(text_enum(MatchMode, 8), default=MatchMode.ALL)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON(), default=list)
