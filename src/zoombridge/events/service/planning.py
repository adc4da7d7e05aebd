"""From an event's fields to a plan: its sessions (days, slots, sessions) and the Zoom meeting
each uses (linked or to be created), every problem of the fields found at once (E1, E2, E5, E7,
E8). Nothing is written here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import Department
from zoombridge.connections.models import ZoomConnection, ZoomHost, ZoomKind, ZoomMeetingChoice
from zoombridge.connections.service import find_host
from zoombridge.errors import FieldProblem, InvalidInput
from zoombridge.events.models import (
    DayMode,
    LinkMode,
    SessionKind,
)
from zoombridge.events.schemas import (
    DayInput,
    EventCreate,
    SessionInput,
    SessionZoomChoice,
    SlotInput,
    ZoomChoice,
)
from zoombridge.events.zoom_body import NotExpressibleAsRecurrence, days_as_recurrence

MAX_DURATION = 23 * 60 + 59


REGISTRATION_OFF_WARNING = (
    "Registration is off: Zoom does not restrict access to buyers — anyone with the meeting "
    "link can join, and zoombridge registers nobody."
)


@dataclass(frozen=True)
class ZoomTarget:
    mode: LinkMode
    meeting_id: int | None = None
    choice: ZoomMeetingChoice | None = None


@dataclass(frozen=True)
class _SessionPlan:
    kind: SessionKind
    start: datetime
    duration: int
    label: str
    zoom: ZoomTarget | None = None


@dataclass
class EventPlan:
    connection: ZoomConnection
    topic: str
    agenda: str
    start: datetime
    timezone: str
    duration: int
    location: str
    capacity: int | None
    host_zoom_user_id: str | None
    host_email: str | None
    registration_enabled: bool
    zoom_confirmation_email: bool
    day_mode: DayMode
    slot_duration: int | None
    event_zoom: ZoomTarget | None  # the event's own meeting (single / recurring)
    sessions: list[_SessionPlan] = field(default_factory=list)
    own_session_meetings: bool = False
    department_id: uuid.UUID | None = None


class _Problems:
    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, name: str, message: str) -> None:
        self.items.append(FieldProblem(name, message))

    def raise_if_any(self) -> None:
        if self.items:
            summary = "; ".join(f"{p.field}: {p.message}" for p in self.items)
            raise InvalidInput(f"The event was not saved: {summary}", field_errors=self.items)


@dataclass
class PlanContext:
    """What validation needs from the database, loaded once."""

    choices: dict[int, ZoomMeetingChoice]
    known_meeting_ids: set[int]  # already linked to this event: not re-checked against choices
    check_host: bool


async def load_choices(
    session: AsyncSession, connection_id: uuid.UUID
) -> dict[int, ZoomMeetingChoice]:
    rows = await session.scalars(
        select(ZoomMeetingChoice).where(ZoomMeetingChoice.connection_id == connection_id)
    )
    return {c.zoom_meeting_id: c for c in rows}


def _zoom_target(
    name: str,
    spec: ZoomChoice | SessionZoomChoice,
    kind: ZoomKind,
    context: PlanContext,
    problems: _Problems,
) -> ZoomTarget | None:
    if spec.mode == "none":
        return None
    if spec.mode == "create":
        return ZoomTarget(LinkMode.CREATED)
    if spec.meeting_id is None:
        problems.add(f"{name}.meeting_id", f"give the Zoom {kind.value} id to link (mode link)")
        return None
    choice = context.choices.get(spec.meeting_id)
    if spec.meeting_id not in context.known_meeting_ids:
        if context.choices and choice is None:
            problems.add(
                f"{name}.meeting_id",
                f"Zoom {kind.value} {spec.meeting_id} is not in this connection's list of "
                "meetings and webinars; fetch hosts again or pick one listed",
            )
            return None
        if choice is not None and choice.kind != kind.value:
            problems.add(
                f"{name}.meeting_id",
                f"Zoom id {spec.meeting_id} is a {choice.kind}, but this event is a {kind.value}",
            )
            return None
    return ZoomTarget(LinkMode.LINKED, spec.meeting_id, choice)


async def plan_event(
    session: AsyncSession, data: EventCreate, context: PlanContext | None = None
) -> EventPlan:
    """Check everything about `data`; raise InvalidInput listing every problem at once."""
    problems = _Problems()
    # A missing or unknown connection is reported with everything else wrong in the request.
    connection = None
    if data.connection_id is None:
        problems.add("connection_id", "choose the Zoom connection the event belongs to")
    else:
        connection = await session.get(ZoomConnection, data.connection_id)
        if connection is None:
            problems.add(
                "connection_id", f"there is no Zoom connection with id {data.connection_id}"
            )
    if context is None:
        choices = await load_choices(session, connection.id) if connection is not None else {}
        context = PlanContext(choices, set(), check_host=True)

    # Kept in start order; field errors name the position the caller sent.
    numbered_days = sorted(enumerate(data.days), key=lambda pair: pair[1].start)
    numbered_slots = sorted(enumerate(data.slots), key=lambda pair: pair[1].start)
    numbered_sessions = sorted(enumerate(data.sessions), key=lambda pair: pair[1].start)
    days = [day for _, day in numbered_days]
    slots = [slot for _, slot in numbered_slots]
    own_sessions = data.session_meetings == "own"
    per_session_meetings = bool(slots) or data.day_mode is DayMode.PER_DAY or own_sessions
    if own_sessions and not data.sessions:
        problems.add("sessions", "give at least one session: each has its own meeting")
    if own_sessions and (days or slots):
        problems.add("session_meetings", "own meetings per session are for sessions only")
    if data.department_id is not None and await session.get(Department, data.department_id) is None:
        problems.add("department_id", f"there is no department with id {data.department_id}")

    # The event's own meeting (single or recurring). With slots or per-day meetings, `zoom` is
    # the default for each slot/day instead.
    event_zoom: ZoomTarget | None = None
    if not per_session_meetings:
        event_zoom = _zoom_target("zoom", data.zoom, data.kind, context, problems)
    linked_choice = event_zoom.choice if event_zoom is not None else None

    topic = data.topic or (linked_choice.topic if linked_choice is not None else None)
    if not topic:
        problems.add("topic", "a topic is required (1 to 255 characters)")
    timezone = data.timezone or (linked_choice.timezone if linked_choice is not None else None)
    if not timezone:
        problems.add("timezone", "a time zone is required (IANA name such as Europe/Helsinki)")

    if days and data.day_mode is DayMode.SINGLE:
        problems.add("days", "days need day_mode 'recurring' or 'per_day'")
    if data.day_mode is not DayMode.SINGLE and not days:
        problems.add("days", f"day_mode {data.day_mode.value!r} needs at least one day")
    if data.day_mode is DayMode.RECURRING and days:
        try:
            days_as_recurrence([d.start for d in days], [d.duration_minutes for d in days])
        except NotExpressibleAsRecurrence as exc:
            problems.add("days", f"these days cannot be one recurring Zoom meeting: {exc}")
    if slots and data.day_mode is not DayMode.SINGLE:
        problems.add("slots", "slots cannot be combined with multi-day events")

    sessions: list[_SessionPlan] = []
    for index, day in numbered_days:
        zoom = None
        if data.day_mode is DayMode.PER_DAY:
            zoom = _session_zoom(f"days[{index}]", day, data, context, problems)
        elif day.zoom is not None:
            problems.add(f"days[{index}].zoom", "only days of a per_day event have own meetings")
        sessions.append(
            _SessionPlan(SessionKind.DAY, day.start, day.duration_minutes, day.label, zoom)
        )
    for index, slot in numbered_slots:
        duration = slot.duration_minutes or data.slot_duration_minutes
        if duration is None:
            problems.add(
                f"slots[{index}].duration_minutes",
                "give the slot a duration, or the event a slot_duration_minutes",
            )
            continue
        zoom = _session_zoom(f"slots[{index}]", slot, data, context, problems)
        sessions.append(_SessionPlan(SessionKind.SLOT, slot.start, duration, slot.label, zoom))
    for index, item in numbered_sessions:
        zoom = None
        if own_sessions:
            zoom = _session_zoom(f"sessions[{index}]", item, data, context, problems)
        elif item.zoom is not None:
            problems.add(
                f"sessions[{index}].zoom", 'only sessions of an event with session_meetings "own"'
            )
        sessions.append(
            _SessionPlan(SessionKind.SESSION, item.start, item.duration_minutes, item.label, zoom)
        )

    # Start and length: a multi-day, slot or own-meeting event starts with its first one.
    first: DayInput | SlotInput | SessionInput | None = (
        days[0] if days else (slots[0] if slots else None)
    )
    if first is None and own_sessions and numbered_sessions:
        first = numbered_sessions[0][1]
    start = first.start if first is not None else data.start
    if start is None and linked_choice is not None:
        start = linked_choice.start_time
    if start is None:
        problems.add("start", "a start time is required (ISO 8601 with offset)")
    duration = _duration(data, start, first, linked_choice, problems)

    host_user_id, host_email = None, None
    if data.host and connection is not None:
        host_user_id, host_email = await _resolve_host(
            session, connection.id, data.host, context.check_host, problems
        )

    problems.raise_if_any()
    assert connection is not None
    assert topic is not None
    assert timezone is not None
    assert start is not None
    assert duration is not None
    if not sessions:
        # E10: a single meeting is one session too, so its not started / started / finished
        # status (from Zoom's webhooks) has a place; it follows the event's start and length.
        sessions.append(_SessionPlan(SessionKind.SESSION, start, duration, ""))
    return EventPlan(
        connection=connection,
        topic=topic,
        agenda=data.agenda,
        start=start,
        timezone=timezone,
        duration=duration,
        location=data.location,
        capacity=data.capacity,
        host_zoom_user_id=host_user_id,
        host_email=host_email,
        registration_enabled=data.registration_enabled,
        zoom_confirmation_email=data.zoom_confirmation_email,
        day_mode=data.day_mode,
        slot_duration=data.slot_duration_minutes,
        event_zoom=event_zoom,
        sessions=sessions,
        own_session_meetings=own_sessions,
        department_id=data.department_id,
    )


def _session_zoom(
    name: str,
    item: DayInput | SlotInput | SessionInput,
    data: EventCreate,
    context: PlanContext,
    problems: _Problems,
) -> ZoomTarget | None:
    if item.zoom is not None:
        return _zoom_target(f"{name}.zoom", item.zoom, data.kind, context, problems)
    if data.zoom.mode == "link":
        problems.add(
            f"{name}.zoom",
            "each day, slot or session has its own meeting: give it zoom {mode: link, meeting_id}",
        )
        return None
    return _zoom_target(f"{name}.zoom", data.zoom, data.kind, context, problems)


def _duration(
    data: EventCreate,
    start: datetime | None,
    first: DayInput | SlotInput | SessionInput | None,
    choice: ZoomMeetingChoice | None,
    problems: _Problems,
) -> int | None:
    if first is not None:
        # A multi-day or slot event is as long as its first day or slot.
        return first.duration_minutes or data.slot_duration_minutes
    if data.end is not None and data.duration_minutes is not None:
        problems.add("end", "give duration_minutes or end, not both")
        return None
    if data.end is not None:
        if start is None:
            return None
        minutes = int((data.end - start).total_seconds() // 60)
        if data.end <= start or minutes < 1:
            problems.add("end", "the end must be at least a minute after the start")
            return None
        if minutes > MAX_DURATION:
            problems.add("end", "an event lasts at most 23 h 59 min (1439 minutes) on Zoom")
            return None
        return minutes
    if data.duration_minutes is not None:
        return data.duration_minutes
    if choice is not None and choice.duration:
        return min(choice.duration, MAX_DURATION)
    problems.add("duration_minutes", "give duration_minutes (1 to 1439) or an end time")
    return None


async def _resolve_host(
    session: AsyncSession,
    connection_id: uuid.UUID,
    ref: str,
    check: bool,
    problems: _Problems,
) -> tuple[str | None, str | None]:
    """(zoom user id, email) of the host. Once hosts are fetched, only they may host."""
    fetched = await session.scalar(
        select(func.count()).select_from(ZoomHost).where(ZoomHost.connection_id == connection_id)
    )
    if fetched:
        host = await find_host(session, connection_id, ref)
        if host is not None:
            return host.zoom_user_id, host.email.lower()
        if check:
            problems.add(
                "host",
                f"host {ref!r} is not a user of this Zoom account; fetch hosts or pick one listed",
            )
            return None, None
    if "@" in ref:
        return None, ref.lower()
    return ref, None
