"""Creating, changing and cancelling events, and the requests the worker answers (approval fix,
"sync now"). Services write desired state and never call Zoom; each change is announced
(events.signals) so orders and notifications follow it in the same transaction."""

from __future__ import annotations

import uuid
from typing import cast

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

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
    RegistrationSource,
    SessionKind,
)
from zoombridge.events.schemas import (
    DayInput,
    EventCreate,
    EventUpdate,
    SessionInput,
    SessionZoomChoice,
    SlotInput,
    ZoomChoice,
)
from zoombridge.events.service.links import (
    apply_plan,
    event_links,
    get_event,
    reconcile_links,
    release_link,
    zoom_facts,
)
from zoombridge.events.service.planning import PlanContext, load_choices, plan_event
from zoombridge.events.service.views import link_is_gone, needs_approval_fix
from zoombridge.events.signals import (
    EventSaved,
    EventSyncRequested,
    MeetingRecreated,
    event_cancelled,
    event_saved,
    event_sync_requested,
    meeting_recreated,
)
from zoombridge.kit.reminder_offsets import check_offsets


async def create_event(
    session: AsyncSession,
    data: EventCreate,
    *,
    registrations_from: RegistrationSource = RegistrationSource.ORDERS,
    topic_from_zoom: bool = False,
) -> Event:
    """Validate, store the event and its sessions, and the links the worker will create/read.

    `registrations_from` says who is registered on its meetings (orders, or the learners a
    higher domain enrols); `topic_from_zoom` takes a topic changed in Zoom over (E11)."""
    plan = await plan_event(session, data)
    offsets = check_offsets(data.reminder_offsets)
    event = Event(
        id=uuid.uuid4(),
        kind=data.kind,
        version=1,
        status=EventStatus.SCHEDULED,
        sessions=[],
        registrations_from=registrations_from,
        topic_from_zoom=topic_from_zoom,
    )
    targets = apply_plan(event, plan)
    event.reminder_offsets = offsets
    event.ticket_emails = data.ticket_emails
    session.add(event)
    await session.flush()
    reconcile_links(session, event, [], targets, set())
    await session.flush()
    await event_saved.send(
        session, EventSaved(event, created=True, links_changed=True, registration_switched=False)
    )
    return event


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
    """The session a plain single event gets (see `plan_event`): re-derived on every update."""
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
            SessionInput(
                start=s.start_at,
                duration_minutes=s.duration_minutes,
                label=s.label,
                zoom=session_zoom(s) if event.own_session_meetings else None,
            )
            for s in rows(SessionKind.SESSION)
            if event.own_session_meetings or not _is_implicit_session(event, s)
        ],
        "session_meetings": "own" if event.own_session_meetings else "shared",
        "department_id": event.department_id,
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
    if fields.get("day_mode") is not DayMode.PER_DAY and "days" not in sent:
        # Switching per-day → recurring: the days' own meetings give way to the one meeting.
        days = cast(list[DayInput], fields["days"])
        fields["days"] = [day.model_copy(update={"zoom": None}) for day in days]
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


def _schedule(event: Event) -> tuple[object, ...]:
    """What attendees are told of when it changes: the name, the time zone, the times."""
    return (
        event.topic,
        event.timezone,
        event.start_at,
        event.duration_minutes,
        tuple(sorted((s.start_at, s.duration_minutes) for s in event.sessions)),
    )


async def update_event(session: AsyncSession, event_id: uuid.UUID, data: EventUpdate) -> Event:
    """Change the fields sent (E6). A change Zoom must see bumps the version of the event and
    puts each affected link back to PENDING with that desired version."""
    event = await get_event(session, event_id)
    if event.status is EventStatus.CANCELLED:
        raise Conflict("The event is cancelled (deleted); it can no longer be changed.")
    links = await event_links(session, event.id)
    registration_was_enabled = event.registration_enabled
    schedule_before = _schedule(event)
    merged = _as_create(event, links, data)
    starts = [day.start for day in merged.days] + [slot.start for slot in merged.slots]
    if merged.session_meetings == "own":
        starts += [item.start for item in merged.sessions]
    sessions_first = min(starts, default=None)
    if data.start is not None and sessions_first is not None and data.start != sessions_first:
        message = (
            "this event starts with its first day or slot: change `days` or `slots` to move it"
        )
        raise InvalidInput(message, field_errors=[FieldProblem("start", message)])
    context = PlanContext(
        choices=await load_choices(session, event.connection_id),
        known_meeting_ids={
            link.zoom_meeting_id
            for link in links
            if link.want is LinkWant.PRESENT and link.zoom_meeting_id is not None
        },
        check_host="host" in data.model_fields_set,
    )
    plan = await plan_event(session, merged, context)
    offsets = check_offsets(merged.reminder_offsets)
    if "host" not in data.model_fields_set:
        plan.host_zoom_user_id, plan.host_email = event.host_zoom_user_id, event.host_email

    sessions_before = {s.id: s for s in event.sessions}
    before = {
        link.id: zoom_facts(
            event, sessions_before.get(link.session_id) if link.session_id else None
        )
        for link in links
        if link.want is LinkWant.PRESENT
    }
    targets = apply_plan(event, plan)
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
        if zoom_facts(event, row) != before[link.id]:
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
    links_changed = reconcile_links(session, event, links, targets, removed)
    await session.flush()
    # Reminders are planned again (a new start or new offsets); registrations follow the
    # links and the registration switch (O9).
    await event_saved.send(
        session,
        EventSaved(
            event,
            created=False,
            links_changed=links_changed,
            registration_switched=event.registration_enabled != registration_was_enabled,
            schedule_changed=_schedule(event) != schedule_before,
        ),
    )
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
    for link in await event_links(session, event.id):
        if link.want is LinkWant.PRESENT:
            release_link(link)
    await session.flush()
    await event_cancelled.send(session, event)
    return event


async def request_approval_fix(session: AsyncSession, event_id: uuid.UUID) -> Event:
    """E4: ask the worker to switch the event's meetings to automatic approval."""
    event = await get_event(session, event_id)
    to_fix = [
        link for link in await event_links(session, event.id) if needs_approval_fix(event, link)
    ]
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
    links = await event_links(session, event.id)
    for link in links:
        if link.state in (LinkState.PENDING, LinkState.FAILED):
            link.state = LinkState.PENDING
            link.not_before = None
            link.attempts = 0
    await session.flush()
    await event_sync_requested.send(session, EventSyncRequested(event, [link.id for link in links]))
    return event


async def _gone_link(
    session: AsyncSession, event_id: uuid.UUID, link_id: uuid.UUID
) -> tuple[Event, MeetingLink]:
    event = await get_event(session, event_id)
    link = await session.get(MeetingLink, link_id)
    if link is None or link.event_id != event.id:
        raise NotFoundError(f"The event has no Zoom meeting with id {link_id}.")
    if not link_is_gone(link):
        raise Conflict(
            "This Zoom meeting was not deleted in Zoom: nothing to repair (saving the event "
            "sends its details again)."
        )
    return event, link


async def recreate_meeting(session: AsyncSession, event_id: uuid.UUID, link_id: uuid.UUID) -> Event:
    """Drift repaired (E11): a meeting deleted in Zoom is created again by the worker; its
    registrants are registered on the new one and sent their new links (orders and
    notifications follow the signal)."""
    event, link = await _gone_link(session, event_id, link_id)
    link.mode = LinkMode.CREATED
    link.zoom_meeting_id = None
    link.zoom_host_id = None
    link.join_url = None
    link.registration_url = None
    link.occurrence_ids = []
    link.confirmed = {}
    link.drift = None
    link.drift_detected_at = None
    link.state = LinkState.PENDING
    link.synced_version = 0
    link.desired_version = event.version
    link.not_before = None
    link.attempts = 0
    link.last_error = None
    await session.flush()
    await meeting_recreated.send(session, MeetingRecreated(event, link))
    return event


async def unlink_meeting(session: AsyncSession, event_id: uuid.UUID, link_id: uuid.UUID) -> Event:
    """Drift accepted: the event lets go of a meeting deleted in Zoom (and runs without it)."""
    event, link = await _gone_link(session, event_id, link_id)
    release_link(link)
    link.drift = None
    await session.flush()
    await event_saved.send(
        session, EventSaved(event, created=False, links_changed=True, registration_switched=False)
    )
    return event
