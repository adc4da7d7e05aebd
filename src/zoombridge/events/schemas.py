"""What the API and the web UI send and receive for events (E1–E11).

Shape checks (lengths, ranges, time zone names, aware times) live here; rules that need the
database or several fields together (unknown host, end before start, recurrence) are checked by
`events.service`, which reports them as field errors too.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from zoombridge.connections.models import ZoomKind
from zoombridge.events.models import (
    DayMode,
    EventStatus,
    LinkMode,
    LinkState,
    LinkWant,
    RegistrationSource,
    SessionKind,
    SessionStatus,
)
from zoombridge.kit.text import check_multi_line, check_one_line

MAX_DURATION_MINUTES = 23 * 60 + 59  # E1: Zoom's meetings are at most 23 h 59 min


def _iana_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "unknown_time_zone",
            "“{value}” is not an IANA time zone; use a name such as Europe/Helsinki or UTC",
            {"value": value},
        ) from None
    return value


Topic = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(check_one_line),
]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=255), AfterValidator(check_one_line)
]
Agenda = Annotated[str, Field(max_length=10_000), AfterValidator(check_multi_line)]
Host = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=255), AfterValidator(check_one_line)
]
TimeZoneName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_iana_zone),
]
Duration = Annotated[
    int,
    Field(ge=1, le=MAX_DURATION_MINUTES, description="minutes, 1 to 1439 (23 h 59 min)"),
]


class ZoomChoice(BaseModel):
    """E2: auto-create the Zoom meeting/webinar, link an existing one (from the picker), or none."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["create", "link", "none"] = "create"
    meeting_id: int | None = Field(default=None, description="the Zoom id, for mode link")


class SessionZoomChoice(BaseModel):
    """A day's (per-day mode) or slot's own meeting; absent = like the event's `zoom`."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["create", "link"] = "create"
    meeting_id: int | None = None


class DayInput(BaseModel):
    """E7: one day of a multi-day event."""

    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    duration_minutes: Duration
    label: Label = ""
    zoom: SessionZoomChoice | None = Field(default=None, description="per_day mode only")


class SlotInput(BaseModel):
    """E8: a bookable slot with its own meeting."""

    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    duration_minutes: Duration | None = Field(
        default=None, description="null: the event's slot_duration_minutes"
    )
    label: Label = ""
    zoom: SessionZoomChoice | None = None


class SessionInput(BaseModel):
    """E10: a session of a structured event: it shares the event's meeting, or (with
    `session_meetings: "own"`) has its own."""

    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    duration_minutes: Duration
    label: Label = ""
    zoom: SessionZoomChoice | None = Field(
        default=None, description='session_meetings "own" only; absent = like the event\'s zoom'
    )


SessionMeetings = Literal["shared", "own"]


def _connection_required(schema: dict[str, Any]) -> None:
    required = schema.setdefault("required", [])
    if "connection_id" not in required:
        required.insert(0, "connection_id")


class EventCreate(BaseModel):
    # `connection_id` is required (the JSON schema says so), but a missing one is reported by
    # the service together with every other problem of the request, not alone beforehand.
    model_config = ConfigDict(extra="forbid", json_schema_extra=_connection_required)

    connection_id: uuid.UUID | None = Field(default=None, description="the Zoom connection")
    kind: ZoomKind = ZoomKind.MEETING
    topic: Topic | None = Field(
        default=None, description="required, except when linking: then the meeting's topic"
    )
    agenda: Agenda = ""
    start: AwareDatetime | None = Field(
        default=None, description="ISO 8601 with offset; for days/slots: the first one's"
    )
    timezone: TimeZoneName | None = Field(default=None, description="IANA name")
    duration_minutes: Duration | None = None
    end: AwareDatetime | None = Field(default=None, description="instead of duration_minutes")
    location: Label = "online"
    capacity: int | None = Field(default=None, ge=1, description="null = unlimited")
    host: Host | None = Field(default=None, description="Zoom user id or email of a fetched host")
    registration_enabled: bool = True
    zoom_confirmation_email: bool = False
    zoom: ZoomChoice = Field(default_factory=ZoomChoice)
    day_mode: DayMode = DayMode.SINGLE
    days: list[DayInput] = Field(default_factory=list, max_length=366)
    slot_duration_minutes: Duration | None = None
    slots: list[SlotInput] = Field(default_factory=list, max_length=500)
    sessions: list[SessionInput] = Field(default_factory=list, max_length=500)
    session_meetings: SessionMeetings = Field(
        default="shared",
        description='E10: "shared" (the sessions use the event\'s meeting) or "own" (one '
        "meeting per session)",
    )
    department_id: uuid.UUID | None = Field(default=None, description="its department, if any")
    reminder_offsets: list[str] = Field(
        default_factory=list,
        max_length=6,
        description='L4: reminder emails before each start: any of "1w", "4d", "3d", "2d", '
        '"1d", "1h"',
    )
    ticket_emails: bool = Field(default=True, description="O6: email tickets to attendees")


class EventUpdate(BaseModel):
    """Only the fields sent change. `days`, `slots` and `sessions` replace the lists (matched
    by position, so a moved day keeps its meeting). Kind and connection cannot change."""

    model_config = ConfigDict(extra="forbid")

    topic: Topic | None = None
    agenda: Agenda | None = None
    start: AwareDatetime | None = None
    timezone: TimeZoneName | None = None
    duration_minutes: Duration | None = None
    end: AwareDatetime | None = None
    location: Label | None = None
    capacity: int | None = Field(default=None, ge=1)
    host: Host | None = None
    registration_enabled: bool | None = None
    zoom_confirmation_email: bool | None = None
    zoom: ZoomChoice | None = None
    day_mode: DayMode | None = None
    days: list[DayInput] | None = Field(default=None, max_length=366)
    slot_duration_minutes: Duration | None = None
    slots: list[SlotInput] | None = Field(default=None, max_length=500)
    sessions: list[SessionInput] | None = Field(default=None, max_length=500)
    session_meetings: SessionMeetings | None = None
    department_id: uuid.UUID | None = None
    reminder_offsets: list[str] | None = Field(default=None, max_length=6)
    ticket_emails: bool | None = None


class SessionView(BaseModel):
    id: uuid.UUID
    kind: SessionKind
    label: str
    start: datetime
    end: datetime
    duration_minutes: int
    status: SessionStatus
    zoom_occurrence_id: str | None
    zoom_topic: str | None = Field(default=None, description="the topic as changed in Zoom")


class LinkView(BaseModel):
    """One Zoom meeting of the event: what zoombridge wants and what Zoom confirmed."""

    id: uuid.UUID
    session_id: uuid.UUID | None
    kind: ZoomKind
    mode: LinkMode
    want: LinkWant
    state: LinkState
    zoom_meeting_id: int | None
    zoom_host_id: str | None
    zoom_type: int | None
    join_url: str | None
    registration_url: str | None
    password: str | None
    approval_type: int | None
    approval_warning: str | None = Field(description="E4: registrants are not auto-approved")
    occurrence_warning: str | None = Field(description="E7: Zoom's occurrences ≠ the days")
    fix_approval_requested: bool
    drift: str | None
    drift_detected_at: datetime | None
    last_error: str | None
    not_before: datetime | None
    attempts: int
    desired_version: int
    synced_version: int
    last_checked_at: datetime | None


class EventView(BaseModel):
    id: uuid.UUID
    connection_id: uuid.UUID
    kind: ZoomKind
    topic: str
    agenda: str
    start: datetime = Field(description="in the event's time zone")
    end: datetime
    timezone: str
    duration_minutes: int
    location: str
    capacity: int | None
    zoom_seats: int | None = Field(
        default=None,
        description="a webinar's seats on the connection's Zoom add-on (null: not known); "
        "the lower of this and capacity is how many can register",
    )
    host_zoom_user_id: str | None
    host_email: str | None
    registration_enabled: bool
    zoom_confirmation_email: bool
    day_mode: DayMode
    slot_duration_minutes: int | None
    status: EventStatus
    version: int
    session_meetings: SessionMeetings = "shared"
    registrations_from: RegistrationSource = RegistrationSource.ORDERS
    department_id: uuid.UUID | None = None
    reminder_offsets: list[str] = Field(default_factory=list, description="L4")
    ticket_emails: bool = Field(default=True, description="O6: tickets sent by email")
    requires_attendee_names: bool = Field(
        description="E5: orders must give first name, last name and email per attendee"
    )
    warnings: list[str]
    attention: list[str] = Field(
        default_factory=list,
        description="needs attention: meetings deleted or changed in Zoom, or failing",
    )
    sessions: list[SessionView]
    links: list[LinkView]
    created_at: datetime
    updated_at: datetime


class ZoomState(StrEnum):
    """An event's meetings taken together, as the events list shows and filters them."""

    NONE = "none"
    PENDING = "pending"
    SYNCED = "synced"
    NEEDS_ATTENTION = "needs_attention"


class RegistrationCounts(BaseModel):
    """Registrations of the event's attendees on Zoom, by state (cancelled ones not counted)."""

    registered: int = 0
    pending: int = Field(0, description="waiting for the worker, or for a daily cap to reset")
    failed: int = 0


class EventSummary(BaseModel):
    id: uuid.UUID
    kind: ZoomKind
    topic: str
    start: datetime
    timezone: str
    duration_minutes: int
    status: EventStatus
    connection_id: uuid.UUID
    attention: list[str] = Field(default_factory=list, description="needs attention when any")
    zoom_state: ZoomState = Field(
        description="none (no Zoom meeting), pending, synced, or needs_attention (deleted or "
        "changed in Zoom, or failing)"
    )
    registrations: RegistrationCounts = Field(default_factory=lambda: RegistrationCounts())


class PreviewItem(BaseModel):
    """E3: exactly the body the worker will send to create one meeting or webinar."""

    link_id: uuid.UUID | None
    session_id: uuid.UUID | None
    operation: str = Field(description="Zoom operationId: meetingCreate or webinarCreate")
    created: bool = Field(description="already created on Zoom (then updates are PATCHes)")
    body: dict[str, object]


class EventPreview(BaseModel):
    event_id: uuid.UUID | None
    items: list[PreviewItem]
