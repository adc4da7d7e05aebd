"""Course events (E1, E10): an `events.Event` whose sessions each have their own Zoom meeting,
created, moved and cancelled through the events service (so the worker creates and updates the
meetings as for every event), plus the `CourseEvent` row of what only courses know."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.permissions import Actor
from zoombridge.connections.models import ZoomKind
from zoombridge.courses.models import Course, CourseEvent, Enrolment, Provider
from zoombridge.courses.schemas import (
    CourseEventIn,
    CourseEventOut,
    CourseEventSummary,
    CourseEventUpdate,
    CourseSessionOut,
)
from zoombridge.courses.service.providers import SERVICES
from zoombridge.courses.service.scope import Problems, check_department, get_visible, within
from zoombridge.errors import NotFoundError
from zoombridge.events import service as events
from zoombridge.events.models import Event, LinkWant, MeetingLink, RegistrationSource
from zoombridge.events.schemas import EventCreate, EventUpdate, ZoomChoice
from zoombridge.kit.zones import zone_or_utc


async def get_course_event(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID
) -> tuple[CourseEvent, Event]:
    course_event = await session.get(CourseEvent, event_id)
    event = await session.get(Event, event_id) if course_event is not None else None
    if course_event is None or event is None:
        raise NotFoundError(f"There is no course event with id {event_id}.")
    actor.require_department(event.department_id, "This course event")
    return course_event, event


async def _check_common(
    session: AsyncSession,
    actor: Actor,
    data: CourseEventIn | CourseEventUpdate,
    problems: Problems,
    *,
    department_sent: bool,
) -> None:
    if department_sent:
        await check_department(session, actor, data.department_id, problems)
    if data.course_id is not None:
        await get_visible(session, actor, Course, data.course_id, "course", problems, "course_id")


async def create_course_event(
    session: AsyncSession, actor: Actor, data: CourseEventIn
) -> CourseEvent:
    problems = Problems()
    provider = await session.get(Provider, data.provider_id)
    if provider is None:
        problems.add("provider_id", f"There is no provider with id {data.provider_id}.")
    await _check_common(session, actor, data, problems, department_sent=True)
    kind = data.kind or (provider.default_kind if provider else ZoomKind.MEETING)
    if provider is not None:
        await SERVICES[provider.service].check(session, provider, Problems())
        if kind is ZoomKind.WEBINAR and not provider.webinars_available:
            problems.add(
                "kind",
                f"The provider {provider.name} has no webinars (its Zoom plan has no webinar "
                "add-on): choose a meeting, or another provider.",
            )
    problems.raise_if_any("The course event was not saved")
    assert provider is not None
    event = await events.create_event(
        session,
        EventCreate(
            connection_id=provider.connection_id,
            kind=kind,
            topic=data.topic,
            agenda=data.agenda,
            timezone=data.timezone,
            capacity=data.capacity,
            host=data.host or provider.host_email,
            zoom=ZoomChoice(mode="create"),
            session_meetings="own",
            sessions=data.sessions,
            department_id=data.department_id,
            reminder_offsets=data.reminder_offsets,
            ticket_emails=False,
        ),
        registrations_from=RegistrationSource.ENROLMENT,
        topic_from_zoom=True,
    )
    course_event = CourseEvent(
        event_id=event.id,
        provider_id=provider.id,
        course_id=data.course_id,
        trainer_name=data.trainer_name,
        trainer_email=data.trainer_email.lower(),
        locked=False,
    )
    session.add(course_event)
    await session.flush()
    return course_event


async def update_course_event(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID, data: CourseEventUpdate
) -> CourseEvent:
    course_event, event = await get_course_event(session, actor, event_id)
    sent = data.model_fields_set
    problems = Problems()
    await _check_common(session, actor, data, problems, department_sent="department_id" in sent)
    problems.raise_if_any("The course event was not saved")
    fields = {
        name: getattr(data, name)
        for name in ("topic", "agenda", "sessions", "capacity", "department_id", "reminder_offsets")
        if name in sent
    }
    if fields:
        await events.update_event(session, event.id, EventUpdate(**fields))
    for name in ("trainer_name", "trainer_email", "course_id"):
        if name in sent:
            value = getattr(data, name)
            setattr(course_event, name, value.lower() if name == "trainer_email" else value)
    await session.flush()
    return course_event


async def cancel_course_event(session: AsyncSession, actor: Actor, event_id: uuid.UUID) -> None:
    """Cancel: the event stays (its results and audit log with it); the worker deletes its
    meetings."""
    await get_course_event(session, actor, event_id)
    await events.delete_event(session, event_id)


async def enrolled_count(session: AsyncSession, event_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.event_id == event_id)
        )
        or 0
    )


async def course_event_out(session: AsyncSession, course_event: CourseEvent) -> CourseEventOut:
    event = await session.get(Event, course_event.event_id)
    assert event is not None
    view = await events.get_event_view(session, event.id)
    links = {
        link.session_id: link
        for link in await session.scalars(
            select(MeetingLink).where(
                MeetingLink.event_id == event.id, MeetingLink.want == LinkWant.PRESENT
            )
        )
    }
    zone = zone_or_utc(event.timezone)
    sessions = []
    for row in sorted(event.sessions, key=lambda s: s.start_at):
        link = links.get(row.id)
        start = row.start_at.astimezone(zone)
        sessions.append(
            CourseSessionOut(
                id=row.id,
                label=row.label,
                start=start,
                end=start + timedelta(minutes=row.duration_minutes),
                duration_minutes=row.duration_minutes,
                status=row.status,
                zoom_topic=row.zoom_topic,
                link_id=link.id if link else None,
                zoom_meeting_id=link.zoom_meeting_id if link else None,
                link_state=link.state.value if link else None,
                last_error=(link.last_error or link.drift) if link else None,
            )
        )
    provider = await session.get(Provider, course_event.provider_id)
    warnings = list(view.warnings)
    if provider is not None:
        warnings += await SERVICES[provider.service].warnings(session, provider)
    return CourseEventOut(
        id=event.id,
        provider_id=course_event.provider_id,
        kind=event.kind,
        topic=event.topic,
        agenda=event.agenda,
        timezone=event.timezone,
        status=event.status.value,
        capacity=event.capacity,
        host_email=event.host_email,
        trainer_name=course_event.trainer_name,
        trainer_email=course_event.trainer_email,
        course_id=course_event.course_id,
        department_id=event.department_id,
        locked=course_event.locked,
        reminder_offsets=list(event.reminder_offsets or []),
        enrolled=await enrolled_count(session, event.id),
        sessions=sessions,
        warnings=warnings,
    )


async def list_course_events(session: AsyncSession, actor: Actor) -> list[CourseEventSummary]:
    counts = dict(
        (row[0], row[1])
        for row in await session.execute(
            select(Enrolment.event_id, func.count()).group_by(Enrolment.event_id)
        )
    )
    rows = await session.scalars(
        select(Event)
        .join(CourseEvent, CourseEvent.event_id == Event.id)
        .where(within(actor, Event.department_id))
        .order_by(Event.start_at, Event.topic)
    )
    return [
        CourseEventSummary(
            id=e.id,
            topic=e.topic,
            kind=e.kind,
            start=e.start_at.astimezone(zone_or_utc(e.timezone)),
            timezone=e.timezone,
            status=e.status.value,
            sessions=len(e.sessions),
            enrolled=counts.get(e.id, 0),
            department_id=e.department_id,
        )
        for e in rows
    ]
