"""Business rules for events (E1–E11), shared by the REST API and the web UI.

Services write desired state and never call Zoom: each Zoom meeting or webinar an event uses is
a `MeetingLink` row that the worker reconciles (see docs/events.md for the rules):

- one link for a single event or a recurring multi-day event, one per day for `per_day`, one per
  slot for slot events; none with `zoom.mode = "none"`;
- a change Zoom must see (name, agenda, date, time, duration, time zone, days) bumps
  `event.version` and puts the affected links back to PENDING with the new desired version;
- deleting an event cancels it: the row stays (orders, tickets and the audit log keep their
  event), every link goes ABSENT so the worker deletes what zoombridge created.

Public functions: `create_event`, `update_event`, `delete_event`, `get_event`, `get_event_view`,
`list_events`, `preview_event`, `preview_draft`, `request_approval_fix`, `request_sync`.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection, ZoomHost, ZoomMeetingChoice
from zoombridge.connections.service import find_host
from zoombridge.db.base import utc_now
from zoombridge.errors import Conflict, FieldProblem, InvalidInput, NotFoundError
from zoombridge.events.models import (
    DayMode,
    Event,
    EventSession,
    EventStatus,
    LinkMode,
    LinkState,
    LinkWant,
    MeetingLink,
    SessionKind,
    SessionStatus,
    ZoomKind,
)
from zoombridge.events.schemas import (
    DayInput,
    EventCreate,
    EventPreview,
    EventSummary,
    EventUpdate,
    EventView,
    LinkView,
    PreviewItem,
    SessionInput,
    SessionView,
    SessionZoomChoice,
    SlotInput,
    ZoomChoice,
)
from zoombridge.events.zoom_body import NotExpressibleAsRecurrence, days_as_recurrence, meeting_body
from zoombridge.notifications import reminders
from zoombridge.orders.desired import refresh_registrations
from zoombridge.orders.models import Registration, RegistrationState
from zoombridge.zoom.operations import operation_for

MAX_DURATION = 23 * 60 + 59

REGISTRATION_OFF_WARNING = (
    "Registration is off: Zoom does not restrict access to buyers — anyone with the meeting "
    "link can join, and zoombridge registers nobody."
)


# --- plans: validated input, before it touches any row -------------------------------------


@dataclass(frozen=True)
class _ZoomTarget:
    mode: LinkMode
    meeting_id: int | None = None
    choice: ZoomMeetingChoice | None = None


@dataclass(frozen=True)
class _SessionPlan:
    kind: SessionKind
    start: datetime
    duration: int
    label: str
    zoom: _ZoomTarget | None = None


@dataclass
class _Plan:
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
    event_zoom: _ZoomTarget | None  # the event's own meeting (single / recurring)
    sessions: list[_SessionPlan] = field(default_factory=list)


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
class _Context:
    """What validation needs from the database, loaded once."""

    choices: dict[int, ZoomMeetingChoice]
    known_meeting_ids: set[int]  # already linked to this event: not re-checked against choices
    check_host: bool


async def _load_choices(
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
    context: _Context,
    problems: _Problems,
) -> _ZoomTarget | None:
    if spec.mode == "none":
        return None
    if spec.mode == "create":
        return _ZoomTarget(LinkMode.CREATED)
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
    return _ZoomTarget(LinkMode.LINKED, spec.meeting_id, choice)


async def _plan(session: AsyncSession, data: EventCreate, context: _Context | None = None) -> _Plan:
    """Check everything about `data`; raise InvalidInput listing every problem at once."""
    problems = _Problems()
    connection = await session.get(ZoomConnection, data.connection_id)
    if connection is None:
        problems.add("connection_id", f"there is no Zoom connection with id {data.connection_id}")
        problems.raise_if_any()
    assert connection is not None
    if context is None:
        context = _Context(await _load_choices(session, connection.id), set(), check_host=True)

    # Kept in start order; field errors name the position the caller sent.
    numbered_days = sorted(enumerate(data.days), key=lambda pair: pair[1].start)
    numbered_slots = sorted(enumerate(data.slots), key=lambda pair: pair[1].start)
    days = [day for _, day in numbered_days]
    slots = [slot for _, slot in numbered_slots]
    per_session_meetings = bool(slots) or data.day_mode is DayMode.PER_DAY

    # The event's own meeting (single or recurring). With slots or per-day meetings, `zoom` is
    # the default for each slot/day instead.
    event_zoom: _ZoomTarget | None = None
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
    for item in sorted(data.sessions, key=lambda s: s.start):
        sessions.append(
            _SessionPlan(SessionKind.SESSION, item.start, item.duration_minutes, item.label)
        )

    # Start and length: a multi-day or slot event starts with its first day or slot.
    first = days[0] if days else (slots[0] if slots else None)
    start = first.start if first is not None else data.start
    if start is None and linked_choice is not None:
        start = linked_choice.start_time
    if start is None:
        problems.add("start", "a start time is required (ISO 8601 with offset)")
    duration = _duration(data, start, first, linked_choice, problems)

    host_user_id, host_email = None, None
    if data.host:
        host_user_id, host_email = await _resolve_host(
            session, connection.id, data.host, context.check_host, problems
        )

    problems.raise_if_any()
    assert topic is not None
    assert timezone is not None
    assert start is not None
    assert duration is not None
    if not sessions:
        # E10: a single meeting is one session too, so its not started / started / finished
        # status (from Zoom's webhooks) has a place; it follows the event's start and length.
        sessions.append(_SessionPlan(SessionKind.SESSION, start, duration, ""))
    return _Plan(
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
    )


def _session_zoom(
    name: str,
    item: DayInput | SlotInput,
    data: EventCreate,
    context: _Context,
    problems: _Problems,
) -> _ZoomTarget | None:
    if item.zoom is not None:
        return _zoom_target(f"{name}.zoom", item.zoom, data.kind, context, problems)
    if data.zoom.mode == "link":
        problems.add(
            f"{name}.zoom",
            "each day or slot has its own meeting: give it zoom {mode: link, meeting_id}",
        )
        return None
    return _zoom_target(f"{name}.zoom", data.zoom, data.kind, context, problems)


def _duration(
    data: EventCreate,
    start: datetime | None,
    first: DayInput | SlotInput | None,
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


# --- applying a plan to rows ----------------------------------------------------------------


def _apply(event: Event, plan: _Plan) -> list[tuple[EventSession | None, _ZoomTarget]]:
    """Write the plan onto the event and its sessions; return the meetings it should have.

    Sessions are matched by kind and position, so moving a day keeps its row and its meeting.
    """
    event.connection_id = plan.connection.id
    event.topic = plan.topic
    event.agenda = plan.agenda
    event.start_at = plan.start.astimezone(UTC)
    event.timezone = plan.timezone
    event.duration_minutes = plan.duration
    event.location = plan.location
    event.capacity = plan.capacity
    event.host_zoom_user_id = plan.host_zoom_user_id
    event.host_email = plan.host_email
    event.registration_enabled = plan.registration_enabled
    event.zoom_confirmation_email = plan.zoom_confirmation_email
    event.day_mode = plan.day_mode
    event.slot_duration_minutes = plan.slot_duration

    targets: list[tuple[EventSession | None, _ZoomTarget]] = []
    if plan.event_zoom is not None:
        targets.append((None, plan.event_zoom))
    for kind in SessionKind:
        existing = [s for s in event.sessions if s.kind is kind]
        wanted = [p for p in plan.sessions if p.kind is kind]
        for index, item in enumerate(wanted):
            if index < len(existing):
                row = existing[index]
            else:
                row = EventSession(id=uuid.uuid4(), kind=kind, status=SessionStatus.NOT_STARTED)
                event.sessions.append(row)
            row.start_at = item.start.astimezone(UTC)
            row.duration_minutes = item.duration
            row.label = item.label
            if item.zoom is not None:
                targets.append((row, item.zoom))
        for row in existing[len(wanted) :]:
            event.sessions.remove(row)
    return targets


def _zoom_facts(event: Event, session_row: EventSession | None) -> Hashable:
    """What a link's meeting shows of the event: when it changes, Zoom must be told (E6)."""
    if session_row is not None:
        return (
            event.topic,
            event.agenda,
            event.timezone,
            session_row.start_at,
            session_row.duration_minutes,
            session_row.label,
        )
    days = tuple(
        (s.start_at, s.duration_minutes) for s in event.sessions if s.kind is SessionKind.DAY
    )
    return (
        event.topic,
        event.agenda,
        event.timezone,
        event.start_at,
        event.duration_minutes,
        event.day_mode,
        days if event.day_mode is DayMode.RECURRING else (),
    )


async def _links(session: AsyncSession, event_id: uuid.UUID) -> list[MeetingLink]:
    statement = (
        select(MeetingLink).where(MeetingLink.event_id == event_id).order_by(MeetingLink.created_at)
    )
    return list((await session.scalars(statement)).all())


def _new_link(event: Event, row: EventSession | None, target: _ZoomTarget) -> MeetingLink:
    choice = target.choice
    return MeetingLink(
        id=uuid.uuid4(),
        event_id=event.id,
        session_id=row.id if row is not None else None,
        connection_id=event.connection_id,
        kind=event.kind,
        mode=target.mode,
        want=LinkWant.PRESENT,
        state=LinkState.PENDING,
        desired_version=event.version,
        synced_version=0,
        zoom_meeting_id=target.meeting_id,
        zoom_host_id=choice.zoom_user_id if choice is not None else None,
        zoom_type=choice.zoom_type if choice is not None else None,
        occurrence_ids=[],
        confirmed={},
        attempts=0,
        fix_approval_requested=False,
    )


def _release(link: MeetingLink) -> None:
    """ABSENT: the worker deletes a meeting zoombridge created and forgets a linked one."""
    link.want = LinkWant.ABSENT
    link.state = LinkState.PENDING
    link.not_before = None
    link.attempts = 0


def _reconcile_links(
    session: AsyncSession,
    event: Event,
    links: list[MeetingLink],
    targets: list[tuple[EventSession | None, _ZoomTarget]],
    removed_session_ids: set[uuid.UUID],
) -> bool:
    """Keep the links that still match a target, add missing ones, release the rest.

    Returns whether the set of PRESENT links changed (registrations must then follow).
    """
    unused = [link for link in links if link.want is LinkWant.PRESENT]
    changed = False
    for row, target in targets:
        session_id = row.id if row is not None else None
        match = next(
            (
                link
                for link in unused
                if link.session_id == session_id
                and link.mode is target.mode
                and (target.mode is LinkMode.CREATED or link.zoom_meeting_id == target.meeting_id)
            ),
            None,
        )
        if match is not None:
            unused.remove(match)
            continue
        session.add(_new_link(event, row, target))
        changed = True
    for link in unused:
        _release(link)
        changed = True
    for link in links:
        if link.session_id in removed_session_ids:
            link.session_id = None  # the session row goes; the link's history stays
    return changed


# --- reads ----------------------------------------------------------------------------------


async def get_event(session: AsyncSession, event_id: uuid.UUID) -> Event:
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFoundError(f"There is no event with id {event_id}.")
    return event


def _local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def _needs_approval_fix(event: Event, link: MeetingLink) -> bool:
    # With registration off (O9) "no registration" is what zoombridge itself asked for.
    return (
        event.registration_enabled
        and link.want is LinkWant.PRESENT
        and link.approval_type not in (None, 0)
    )


def _approval_warning(event: Event, link: MeetingLink) -> str | None:
    if not _needs_approval_fix(event, link):
        return None
    what = "needs manual approval" if link.approval_type == 1 else "has registration turned off"
    text = (
        f"This Zoom {link.kind.value} {what} (approval type {link.approval_type}), so buyers "
        "would not get their join links automatically."
    )
    if link.fix_approval_requested:
        return text + " A fix is requested; the worker will switch it to automatic approval."
    return text + " Use “Fix approval” to switch it to automatic approval."


def _occurrence_starts(ids: list[str]) -> list[datetime] | None:
    # Zoom's occurrence ids are the occurrence's start in epoch milliseconds.
    try:
        return sorted(datetime.fromtimestamp(int(i) / 1000, UTC) for i in ids)
    except (ValueError, OverflowError, OSError):
        return None


def _occurrence_warning(
    event: Event, link: MeetingLink, sessions: dict[uuid.UUID, EventSession]
) -> str | None:
    """E7: Zoom's occurrences of the meeting disagree with the event's days."""
    if link.want is not LinkWant.PRESENT or not link.occurrence_ids:
        return None
    if link.session_id is None and event.day_mode is DayMode.RECURRING:
        expected = [s.start_at for s in event.sessions if s.kind is SessionKind.DAY]
    elif link.session_id is not None and link.session_id in sessions:
        expected = [sessions[link.session_id].start_at]
    else:
        expected = [event.start_at]
    count = len(link.occurrence_ids)
    if count != len(expected):
        return (
            f"The Zoom {link.kind.value} has {count} occurrence(s) but the event has "
            f"{len(expected)} day(s); attendees would be registered for different dates than "
            "sold. Change the meeting's recurrence in Zoom or the event's days."
        )
    starts = _occurrence_starts(link.occurrence_ids)
    if starts is not None and starts != sorted(expected):
        differing = [
            _local(s, event.timezone).strftime("%Y-%m-%d %H:%M")
            for s in starts
            if s not in expected
        ]
        return (
            f"The Zoom {link.kind.value}'s occurrences are on other dates than the event's days "
            f"(Zoom: {', '.join(differing)}); change one of them so they agree."
        )
    return None


def _link_view(
    event: Event, link: MeetingLink, sessions: dict[uuid.UUID, EventSession]
) -> LinkView:
    return LinkView(
        id=link.id,
        session_id=link.session_id,
        kind=link.kind,
        mode=link.mode,
        want=link.want,
        state=link.state,
        zoom_meeting_id=link.zoom_meeting_id,
        zoom_host_id=link.zoom_host_id,
        zoom_type=link.zoom_type,
        join_url=link.join_url,
        registration_url=link.registration_url,
        password=link.password,
        approval_type=link.approval_type,
        approval_warning=_approval_warning(event, link),
        occurrence_warning=_occurrence_warning(event, link, sessions),
        fix_approval_requested=link.fix_approval_requested,
        drift=link.drift,
        drift_detected_at=link.drift_detected_at,
        last_error=link.last_error,
        not_before=link.not_before,
        attempts=link.attempts,
        desired_version=link.desired_version,
        synced_version=link.synced_version,
        last_checked_at=link.last_checked_at,
    )


def _warnings(
    event: Event, connection: ZoomConnection | None, links: list[MeetingLink]
) -> list[str]:
    warnings = []
    if not event.registration_enabled:
        warnings.append(REGISTRATION_OFF_WARNING)
    if event.kind is ZoomKind.WEBINAR and connection is not None and not connection.webinar_addon:
        warnings.append(
            "The connection has no webinar add-on recorded; Zoom refuses webinars without one "
            "(set webinar_addon on the connection if the account has it)."
        )
    if event.status is EventStatus.SCHEDULED and not any(
        link.want is LinkWant.PRESENT for link in links
    ):
        warnings.append("No Zoom meeting is linked: orders are kept but nobody is registered.")
    return warnings


async def get_event_view(session: AsyncSession, event_id: uuid.UUID) -> EventView:
    """The event with its sessions, meetings (links) and warnings, as the API and UI show it."""
    event = await get_event(session, event_id)
    links = await _links(session, event.id)
    connection = await session.get(ZoomConnection, event.connection_id)
    sessions = {s.id: s for s in event.sessions}
    start = _local(event.start_at, event.timezone)
    return EventView(
        id=event.id,
        connection_id=event.connection_id,
        kind=event.kind,
        topic=event.topic,
        agenda=event.agenda,
        start=start,
        end=start + timedelta(minutes=event.duration_minutes),
        timezone=event.timezone,
        duration_minutes=event.duration_minutes,
        location=event.location,
        capacity=event.capacity,
        host_zoom_user_id=event.host_zoom_user_id,
        host_email=event.host_email,
        registration_enabled=event.registration_enabled,
        zoom_confirmation_email=event.zoom_confirmation_email,
        day_mode=event.day_mode,
        slot_duration_minutes=event.slot_duration_minutes,
        status=event.status,
        version=event.version,
        reminder_offsets=list(event.reminder_offsets or []),
        ticket_emails=event.ticket_emails,
        requires_attendee_names=any(link.want is LinkWant.PRESENT for link in links),
        warnings=_warnings(event, connection, links),
        sessions=[
            SessionView(
                id=s.id,
                kind=s.kind,
                label=s.label,
                start=_local(s.start_at, event.timezone),
                end=_local(s.start_at, event.timezone) + timedelta(minutes=s.duration_minutes),
                duration_minutes=s.duration_minutes,
                status=s.status,
                zoom_occurrence_id=s.zoom_occurrence_id,
            )
            for s in sorted(event.sessions, key=lambda s: s.start_at)
        ],
        links=[_link_view(event, link, sessions) for link in links],
        created_at=event.created_at,
        updated_at=event.updated_at,
    )


async def list_events(
    session: AsyncSession, status: EventStatus | None = None
) -> list[EventSummary]:
    """Events, soonest first; all statuses unless `status` is given."""
    statement = select(Event).order_by(Event.start_at, Event.topic)
    if status is not None:
        statement = statement.where(Event.status == status)
    return [
        EventSummary(
            id=e.id,
            kind=e.kind,
            topic=e.topic,
            start=_local(e.start_at, e.timezone),
            timezone=e.timezone,
            duration_minutes=e.duration_minutes,
            status=e.status,
            connection_id=e.connection_id,
        )
        for e in await session.scalars(statement)
    ]


# --- writes ---------------------------------------------------------------------------------


async def create_event(session: AsyncSession, data: EventCreate) -> Event:
    """Validate, store the event and its sessions, and the links the worker will create/read."""
    plan = await _plan(session, data)
    offsets = reminders.check_offsets(data.reminder_offsets)
    event = Event(
        id=uuid.uuid4(), kind=data.kind, version=1, status=EventStatus.SCHEDULED, sessions=[]
    )
    targets = _apply(event, plan)
    event.reminder_offsets = offsets
    event.ticket_emails = data.ticket_emails
    session.add(event)
    await session.flush()
    _reconcile_links(session, event, [], targets, set())
    await _plan_reminders(session, event)
    await session.flush()
    return event


def _starts(event: Event) -> list[datetime]:
    """What reminders remind of: each day's, slot's or session's start, else the event's."""
    return sorted({s.start_at for s in event.sessions}) or [event.start_at]


async def _plan_reminders(session: AsyncSession, event: Event) -> None:
    """L4: the event's reminders for its starts as they are now (replanning is harmless: what
    is still wanted stays, what no longer is gets cancelled)."""
    await reminders.plan(
        session,
        reminders.event_target(event.id),
        _starts(event),
        event.reminder_offsets or [],
        utc_now(),
        event_id=event.id,
    )


def _current_zoom(event: Event, links: list[MeetingLink], row: EventSession | None) -> ZoomChoice:
    session_id = row.id if row is not None else None
    link = next(
        (link for link in links if link.want is LinkWant.PRESENT and link.session_id == session_id),
        None,
    )
    if link is None:
        return ZoomChoice(mode="none")
    if link.mode is LinkMode.LINKED:
        return ZoomChoice(mode="link", meeting_id=link.zoom_meeting_id)
    return ZoomChoice(mode="create")


def _is_implicit_session(event: Event, row: EventSession) -> bool:
    """The session a plain single event gets (see `_plan`): it is re-derived on every update."""
    return (
        len(event.sessions) == 1
        and row.kind is SessionKind.SESSION
        and row.label == ""
        and row.start_at == event.start_at
        and row.duration_minutes == event.duration_minutes
    )


def _as_create(event: Event, links: list[MeetingLink], data: EventUpdate) -> EventCreate:
    """The event as it is, with the update's fields laid over it."""

    def session_zoom(row: EventSession) -> SessionZoomChoice | None:
        current = _current_zoom(event, links, row)
        if current.mode == "none":
            return None
        return SessionZoomChoice(mode=current.mode, meeting_id=current.meeting_id)

    def rows(kind: SessionKind) -> list[EventSession]:
        return [s for s in event.sessions if s.kind is kind]

    event_zoom = _current_zoom(event, links, None)
    # For slot or per-day events the default for new ones follows the existing ones.
    if event_zoom.mode == "none" and any(
        link.want is LinkWant.PRESENT and link.mode is LinkMode.CREATED for link in links
    ):
        event_zoom = ZoomChoice(mode="create")
    fields: dict[str, object] = {
        "connection_id": event.connection_id,
        "kind": event.kind,
        "topic": event.topic,
        "agenda": event.agenda,
        "start": event.start_at,
        "timezone": event.timezone,
        "duration_minutes": event.duration_minutes,
        "location": event.location,
        "capacity": event.capacity,
        "host": event.host_zoom_user_id or event.host_email,
        "registration_enabled": event.registration_enabled,
        "zoom_confirmation_email": event.zoom_confirmation_email,
        "reminder_offsets": list(event.reminder_offsets or []),
        "ticket_emails": event.ticket_emails,
        "zoom": event_zoom,
        "day_mode": event.day_mode,
        "days": [
            DayInput(
                start=s.start_at,
                duration_minutes=s.duration_minutes,
                label=s.label,
                zoom=session_zoom(s) if event.day_mode is DayMode.PER_DAY else None,
            )
            for s in rows(SessionKind.DAY)
        ],
        "slot_duration_minutes": event.slot_duration_minutes,
        "slots": [
            SlotInput(
                start=s.start_at,
                duration_minutes=s.duration_minutes,
                label=s.label,
                zoom=session_zoom(s),
            )
            for s in rows(SessionKind.SLOT)
        ],
        "sessions": [
            SessionInput(start=s.start_at, duration_minutes=s.duration_minutes, label=s.label)
            for s in rows(SessionKind.SESSION)
            if not _is_implicit_session(event, s)
        ],
    }
    sent = data.model_dump(exclude_unset=True)
    for name in data.model_fields_set:
        fields[name] = getattr(data, name)
    if "end" in sent:
        fields.pop("duration_minutes", None)
    if "duration_minutes" in sent:
        fields.pop("end", None)
    if "days" in sent and data.start is None:
        fields.pop("start", None)  # follows the first day
    if fields.get("day_mode") is DayMode.SINGLE and "days" not in sent:
        fields["days"] = []
    try:
        return EventCreate.model_validate(fields)
    except ValidationError as exc:
        # e.g. `"zoom": null` or `"days": null`: valid JSON for the update, not for an event.
        problems = [
            FieldProblem(".".join(str(p) for p in e["loc"]) or "request", e["msg"])
            for e in exc.errors()
        ]
        raise InvalidInput(
            "The event was not saved: invalid fields.", field_errors=problems
        ) from None


async def update_event(session: AsyncSession, event_id: uuid.UUID, data: EventUpdate) -> Event:
    """Change the fields sent (E6). A change Zoom must see bumps the version of the event and
    puts each affected link back to PENDING with that desired version."""
    event = await get_event(session, event_id)
    if event.status is EventStatus.CANCELLED:
        raise Conflict("The event is cancelled (deleted); it can no longer be changed.")
    links = await _links(session, event.id)
    registration_was_enabled = event.registration_enabled
    merged = _as_create(event, links, data)
    starts = [day.start for day in merged.days] + [slot.start for slot in merged.slots]
    sessions_first = min(starts, default=None)
    if data.start is not None and sessions_first is not None and data.start != sessions_first:
        message = (
            "this event starts with its first day or slot: change `days` or `slots` to move it"
        )
        raise InvalidInput(message, field_errors=[FieldProblem("start", message)])
    context = _Context(
        choices=await _load_choices(session, event.connection_id),
        known_meeting_ids={
            link.zoom_meeting_id
            for link in links
            if link.want is LinkWant.PRESENT and link.zoom_meeting_id is not None
        },
        check_host="host" in data.model_fields_set,
    )
    plan = await _plan(session, merged, context)
    offsets = reminders.check_offsets(merged.reminder_offsets)
    if "host" not in data.model_fields_set:
        plan.host_zoom_user_id, plan.host_email = event.host_zoom_user_id, event.host_email

    sessions_before = {s.id: s for s in event.sessions}
    before = {
        link.id: _zoom_facts(
            event, sessions_before.get(link.session_id) if link.session_id else None
        )
        for link in links
        if link.want is LinkWant.PRESENT
    }
    targets = _apply(event, plan)
    event.reminder_offsets = offsets
    event.ticket_emails = merged.ticket_emails
    await session.flush()  # new sessions exist before links point at them
    kept = {s.id for s in event.sessions}
    removed = set(sessions_before) - kept
    bumped = False
    for link in links:
        if link.id not in before or link.session_id in removed:
            continue
        row = sessions_before.get(link.session_id) if link.session_id else None
        if _zoom_facts(event, row) != before[link.id]:
            if not bumped:
                event.version += 1
                bumped = True
            link.desired_version = event.version
            link.state = LinkState.PENDING
            link.not_before = None
            link.attempts = 0
    if not bumped and any(
        s.kind is not SessionKind.SESSION for s in sessions_before.values() if s.id in removed
    ):
        event.version += 1  # a day or slot was dropped: calendars must see it
    links_changed = _reconcile_links(session, event, links, targets, removed)
    await _plan_reminders(session, event)  # a new start or new offsets: planned again
    await session.flush()
    registration_switched = event.registration_enabled != registration_was_enabled
    if links_changed or registration_switched:
        # Registration switched back on: the buyers so far must now be registered (O9).
        await refresh_registrations(session, event.id)
    return event


async def delete_event(session: AsyncSession, event_id: uuid.UUID) -> Event:
    """Cancel the event: it stays (with its orders and audit log) as `cancelled`; every link
    goes ABSENT so the worker deletes what zoombridge created and forgets linked meetings.
    Deleting a cancelled event again changes nothing."""
    event = await get_event(session, event_id)
    if event.status is EventStatus.CANCELLED:
        return event
    event.status = EventStatus.CANCELLED
    event.version += 1
    for link in await _links(session, event.id):
        if link.want is LinkWant.PRESENT:
            _release(link)
    await reminders.cancel(
        session, reminders.event_target(event.id), "Not sent: the event was cancelled."
    )
    await session.flush()
    return event


async def preview_event(session: AsyncSession, event_id: uuid.UUID) -> EventPreview:
    """E3: the bodies the worker sends to create the event's meetings (the same function)."""
    event = await get_event(session, event_id)
    sessions = {s.id: s for s in event.sessions}
    items = [
        _preview_item(event, sessions.get(link.session_id) if link.session_id else None, link)
        for link in await _links(session, event.id)
        if link.want is LinkWant.PRESENT and link.mode is LinkMode.CREATED
    ]
    return EventPreview(event_id=event.id, items=items)


async def preview_draft(session: AsyncSession, data: EventCreate) -> EventPreview:
    """E3 before saving: what creating this event would send. Nothing is stored."""
    plan = await _plan(session, data)
    event = Event(id=None, kind=data.kind, version=1, status=EventStatus.SCHEDULED, sessions=[])
    targets = _apply(event, plan)
    items = [
        _preview_item(event, row, None)
        for row, target in targets
        if target.mode is LinkMode.CREATED
    ]
    return EventPreview(event_id=None, items=items)


def _preview_item(event: Event, row: EventSession | None, link: MeetingLink | None) -> PreviewItem:
    return PreviewItem(
        link_id=link.id if link is not None else None,
        session_id=row.id if row is not None else None,
        operation=operation_for("create", event.kind.value).operation_id,
        created=link is not None and link.zoom_meeting_id is not None,
        body=meeting_body(event, row).to_json(),
    )


async def request_approval_fix(session: AsyncSession, event_id: uuid.UUID) -> Event:
    """E4: ask the worker to switch the event's meetings to automatic approval."""
    event = await get_event(session, event_id)
    to_fix = [link for link in await _links(session, event.id) if _needs_approval_fix(event, link)]
    if not to_fix:
        raise Conflict(
            "No meeting of this event needs an approval fix: all approve registrants "
            "automatically, or Zoom has not been read yet (wait for the sync, then retry)."
        )
    for link in to_fix:
        link.fix_approval_requested = True
        link.state = LinkState.PENDING
        link.not_before = None
    await session.flush()
    return event


async def request_sync(session: AsyncSession, event_id: uuid.UUID) -> Event:
    """ "Sync now": make the event's pending or failed meetings and registrations due at once.

    Rows stopped with an error (FAILED) are tried again; rows deferred by Zoom's daily caps
    stay deferred, since trying before the reset would only be refused again.
    """
    event = await get_event(session, event_id)
    links = await _links(session, event.id)
    for link in links:
        if link.state in (LinkState.PENDING, LinkState.FAILED):
            link.state = LinkState.PENDING
            link.not_before = None
            link.attempts = 0
    link_ids = [link.id for link in links]
    if link_ids:
        await session.execute(
            update(Registration)
            .where(
                Registration.link_id.in_(link_ids),
                Registration.state.in_([RegistrationState.PENDING, RegistrationState.FAILED]),
            )
            .values(state=RegistrationState.PENDING, not_before=None, attempts=0)
            .execution_options(synchronize_session=False)
        )
    await session.flush()
    return event


__all__: Sequence[str] = (
    "REGISTRATION_OFF_WARNING",
    "create_event",
    "delete_event",
    "get_event",
    "get_event_view",
    "list_events",
    "preview_draft",
    "preview_event",
    "request_approval_fix",
    "request_sync",
    "update_event",
)
