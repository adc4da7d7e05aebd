"""Tickets (O6): what an attendee needs to join, per Zoom meeting of the event.

Zoom-side details (topic, times, meeting ID, passcode, join link) come from what the worker
confirmed with Zoom, so a ticket never shows a link that does not work yet: until then the
fields are empty. The join link is the attendee's OWN (from their registration); with
registration off (O9) it is the meeting's open link.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.errors import NotFoundError
from zoombridge.events.models import (
    DayMode,
    Event,
    EventStatus,
    LinkState,
    LinkWant,
    MeetingLink,
    SessionKind,
)
from zoombridge.kit.zones import zone_or_utc
from zoombridge.orders.models import (
    Attendee,
    Order,
    OrderStatus,
    Registration,
    RegistrationState,
    RegistrationWant,
)
from zoombridge.orders.schemas import TicketDay, TicketMeeting, TicketOut

REGISTRATION_OFF_WARNING = (
    "Registration is off for this event: anyone with the meeting link can join, so access is "
    "not restricted to buyers."
)


def link_label(event: Event, link: MeetingLink) -> str:
    """How people recognise one meeting of an event: its day or slot, or the main one."""
    if link.session_id is not None:
        for session in event.sessions:
            if session.id == link.session_id:
                local = session.start_at.astimezone(zone_or_utc(event.timezone))
                return session.label or local.strftime("%Y-%m-%d %H:%M")
    return f"main {link.kind.value}"


def recurrence_days(event: Event, link: MeetingLink) -> list[TicketDay]:
    """The days of a recurring meeting (E7): one per DAY session, when the link is the event's
    one recurring meeting."""
    if link.session_id is not None or event.day_mode is not DayMode.RECURRING:
        return []
    return [
        TicketDay(start=s.start_at, end=s.start_at + timedelta(minutes=s.duration_minutes))
        for s in event.sessions
        if s.kind is SessionKind.DAY
    ]


def _confirmed_start(confirmed: dict[str, Any]) -> datetime | None:
    value = confirmed.get("start_time")
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


async def find_attendee(session: AsyncSession, ref: str) -> Attendee:
    """An attendee by id or by ticket code (what a ticket page or a shop has at hand)."""
    attendee: Attendee | None
    try:
        attendee = await session.get(Attendee, uuid.UUID(ref))
    except ValueError:
        attendee = await session.scalar(
            select(Attendee).where(Attendee.ticket_code == ref.strip().upper())
        )
    if attendee is None:
        raise NotFoundError(f"There is no attendee or ticket {ref!r}.")
    return attendee


def ticket_is_valid(attendee: Attendee, order: Order, event: Event) -> bool:
    return (
        attendee.cancelled_at is None
        and order.status is OrderStatus.COMPLETED
        and event.status is not EventStatus.CANCELLED
    )


async def ticket_view(session: AsyncSession, attendee_id: uuid.UUID) -> TicketOut:
    attendee = await session.get(Attendee, attendee_id)
    if attendee is None:
        raise NotFoundError(f"There is no attendee with id {attendee_id}.")
    order = await session.get(Order, attendee.order_id)
    event = await session.get(Event, attendee.event_id)
    if order is None or event is None:  # pragma: no cover - foreign keys cascade
        raise NotFoundError(f"There is no attendee with id {attendee_id}.")
    links = list(
        await session.scalars(
            select(MeetingLink)
            .where(MeetingLink.event_id == event.id, MeetingLink.want == LinkWant.PRESENT)
            .order_by(MeetingLink.created_at, MeetingLink.id)
        )
    )
    registrations = {
        r.link_id: r
        for r in await session.scalars(
            select(Registration).where(
                Registration.email == attendee.email,
                Registration.link_id.in_([link.id for link in links]),
            )
        )
    }
    valid = ticket_is_valid(attendee, order, event)
    meetings = []
    for link in links:
        registration = registrations.get(link.id)
        confirmed = link.confirmed or {}
        start = _confirmed_start(confirmed)
        duration = _int_or_none(confirmed.get("duration"))
        meetings.append(
            TicketMeeting(
                link_id=link.id,
                label=link_label(event, link),
                kind=link.kind.value,
                topic=_str_or_none(confirmed.get("topic")),
                start=start,
                end=start + timedelta(minutes=duration) if start and duration else None,
                duration_minutes=duration,
                timezone=_str_or_none(confirmed.get("timezone")),
                recurrence=recurrence_days(event, link) if link.zoom_meeting_id else [],
                meeting_id=link.zoom_meeting_id,
                passcode=link.password,
                join_url=_join_url(event, link, registration) if valid else None,
                registration_state=registration.state if registration else None,
            )
        )
    return TicketOut(
        attendee_id=attendee.id,
        ticket_code=attendee.ticket_code,
        email=attendee.email,
        first_name=attendee.first_name,
        last_name=attendee.last_name,
        valid=valid,
        event_id=event.id,
        event_topic=event.topic,
        event_timezone=event.timezone,
        event_version=event.version,
        meetings=meetings,
        warnings=[] if event.registration_enabled else [REGISTRATION_OFF_WARNING],
    )


def _join_url(event: Event, link: MeetingLink, registration: Registration | None) -> str | None:
    if link.state is LinkState.DELETED:
        return None  # deleted in Zoom: the link leads nowhere until the meeting is made again
    if not event.registration_enabled:
        return link.join_url
    if (
        registration is None
        or registration.want is not RegistrationWant.REGISTERED
        or registration.state is not RegistrationState.REGISTERED
    ):
        return None
    return registration.join_url
