"""Reading events: the event page's view (links, their Zoom state and warnings), the list, and
the preview of what the worker would send (E3)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection, ZoomKind
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
)
from zoombridge.events.schemas import (
    EventCreate,
    EventPreview,
    EventView,
    LinkView,
    PreviewItem,
    SessionView,
)
from zoombridge.events.service.links import apply_plan, event_links, get_event
from zoombridge.events.service.planning import REGISTRATION_OFF_WARNING, plan_event
from zoombridge.events.zoom_body import meeting_body
from zoombridge.kit.zones import zone_or_utc
from zoombridge.zoom.operations import operation_for


def local_start(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(zone_or_utc(timezone))


def needs_approval_fix(event: Event, link: MeetingLink) -> bool:
    # With registration off (O9) "no registration" is what zoombridge itself asked for.
    return (
        event.registration_enabled
        and link.want is LinkWant.PRESENT
        and link.approval_type not in (None, 0)
    )


def _approval_warning(event: Event, link: MeetingLink) -> str | None:
    if not needs_approval_fix(event, link):
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
            local_start(s, event.timezone).strftime("%Y-%m-%d %H:%M")
            for s in starts
            if s not in expected
        ]
        return (
            f"The Zoom {link.kind.value}'s occurrences are on other dates than the event's days "
            f"(Zoom: {', '.join(differing)}); change one of them so they agree."
        )
    return None


def link_is_gone(link: MeetingLink) -> bool:
    """Wanted, but deleted in Zoom: its join link no longer works."""
    return link.want is LinkWant.PRESENT and link.state is LinkState.DELETED


def attention(links: list[MeetingLink]) -> list[str]:
    """What an organiser must act on, in sentences: a meeting deleted or changed in Zoom, one
    that cannot be made."""
    found: list[str] = []
    for link in links:
        if link.want is not LinkWant.PRESENT:
            continue
        what = f"Zoom {link.kind.value} {link.zoom_meeting_id or ''}".rstrip()
        if link.state is LinkState.DELETED:
            found.append(
                f"The {what} was deleted in Zoom ({link.drift or 'noticed by zoombridge'}): "
                "its join link no longer works. Recreate it in Zoom (everyone is registered "
                "again and sent their new link), or unlink it."
            )
        elif link.state is LinkState.FAILED:
            found.append(f"The {what} could not be made to agree: {link.last_error}")
        elif link.drift:
            found.append(
                f"The {what} was changed in Zoom: {link.drift} Save the event to send its own "
                "details again."
            )
    return found


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
        # A meeting deleted in Zoom offers no join link: it would lead nowhere.
        join_url=None if link_is_gone(link) else link.join_url,
        registration_url=None if link_is_gone(link) else link.registration_url,
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
    seats = _webinar_seats(event, connection)
    if seats is not None and event.capacity is not None and event.capacity > seats:
        warnings.append(
            f"The event's capacity ({event.capacity:,}) is above the Zoom webinar add-on's "
            f"{seats:,} seats: at most {seats:,} people can register (the lower wins)."
        )
    if event.status is EventStatus.SCHEDULED and not any(
        link.want is LinkWant.PRESENT for link in links
    ):
        warnings.append("No Zoom meeting is linked: orders are kept but nobody is registered.")
    return warnings


def _webinar_seats(event: Event, connection: ZoomConnection | None) -> int | None:
    if event.kind is not ZoomKind.WEBINAR or connection is None:
        return None
    return connection.webinar_seats


async def get_event_view(session: AsyncSession, event_id: uuid.UUID) -> EventView:
    """The event with its sessions, meetings (links) and warnings, as the API and UI show it."""
    event = await get_event(session, event_id)
    links = await event_links(session, event.id)
    connection = await session.get(ZoomConnection, event.connection_id)
    sessions = {s.id: s for s in event.sessions}
    start = local_start(event.start_at, event.timezone)
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
        zoom_seats=_webinar_seats(event, connection),
        host_zoom_user_id=event.host_zoom_user_id,
        host_email=event.host_email,
        registration_enabled=event.registration_enabled,
        zoom_confirmation_email=event.zoom_confirmation_email,
        day_mode=event.day_mode,
        slot_duration_minutes=event.slot_duration_minutes,
        status=event.status,
        version=event.version,
        session_meetings="own" if event.own_session_meetings else "shared",
        registrations_from=event.registrations_from,
        department_id=event.department_id,
        reminder_offsets=list(event.reminder_offsets or []),
        ticket_emails=event.ticket_emails,
        requires_attendee_names=any(link.want is LinkWant.PRESENT for link in links),
        warnings=_warnings(event, connection, links),
        attention=attention(links),
        sessions=[
            SessionView(
                id=s.id,
                kind=s.kind,
                label=s.label,
                start=local_start(s.start_at, event.timezone),
                end=local_start(s.start_at, event.timezone) + timedelta(minutes=s.duration_minutes),
                duration_minutes=s.duration_minutes,
                status=s.status,
                zoom_occurrence_id=s.zoom_occurrence_id,
                zoom_topic=s.zoom_topic,
            )
            for s in sorted(event.sessions, key=lambda s: s.start_at)
        ],
        links=[_link_view(event, link, sessions) for link in links],
        created_at=event.created_at,
        updated_at=event.updated_at,
    )


async def preview_event(session: AsyncSession, event_id: uuid.UUID) -> EventPreview:
    """E3: the bodies the worker sends to create the event's meetings (the same function)."""
    event = await get_event(session, event_id)
    sessions = {s.id: s for s in event.sessions}
    items = [
        _preview_item(event, sessions.get(link.session_id) if link.session_id else None, link)
        for link in await event_links(session, event.id)
        if link.want is LinkWant.PRESENT and link.mode is LinkMode.CREATED
    ]
    return EventPreview(event_id=event.id, items=items)


async def preview_draft(session: AsyncSession, data: EventCreate) -> EventPreview:
    """E3 before saving: what creating this event would send. Nothing is stored."""
    plan = await plan_event(session, data)
    event = Event(id=None, kind=data.kind, version=1, status=EventStatus.SCHEDULED, sessions=[])
    targets = apply_plan(event, plan)
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
