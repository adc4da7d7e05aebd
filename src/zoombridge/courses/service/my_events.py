"""A learner's own view (L3): their course events, upcoming and past, each session with its
status, the learner's own join link and their result. Staff see the same on a learner's page."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.courses.hooks import learner_results
from zoombridge.courses.models import Course, CourseEvent, Enrolment, Learner
from zoombridge.courses.schemas import MyEventOut, MyEventsOut, MySessionOut
from zoombridge.db.base import utc_now
from zoombridge.events.models import Event, EventStatus, LinkWant, MeetingLink
from zoombridge.kit.zones import zone_or_utc
from zoombridge.orders.models import Registration, RegistrationState


async def my_events(
    session: AsyncSession, learner: Learner, now: datetime | None = None
) -> MyEventsOut:
    now = now or utc_now()
    rows = await session.execute(
        select(Event, CourseEvent)
        .join(CourseEvent, CourseEvent.event_id == Event.id)
        .join(Enrolment, Enrolment.event_id == Event.id)
        .where(Enrolment.learner_id == learner.id, Event.status == EventStatus.SCHEDULED)
        .order_by(Event.start_at)
    )
    upcoming: list[MyEventOut] = []
    past: list[MyEventOut] = []
    for event, course_event in rows:
        item = await _event_out(session, learner, event, course_event)
        last_end = max(
            (s.start_at + timedelta(minutes=s.duration_minutes) for s in event.sessions),
            default=event.start_at,
        )
        (upcoming if last_end > now else past).append(item)
    return MyEventsOut(
        learner_id=learner.id,
        email=learner.email,
        name=learner.name,
        upcoming=upcoming,
        past=list(reversed(past)),
    )


async def _event_out(
    session: AsyncSession, learner: Learner, event: Event, course_event: CourseEvent
) -> MyEventOut:
    links = {
        link.session_id: link
        for link in await session.scalars(
            select(MeetingLink).where(
                MeetingLink.event_id == event.id, MeetingLink.want == LinkWant.PRESENT
            )
        )
    }
    registrations: dict[uuid.UUID, Registration] = {}
    if links:
        for found in await session.scalars(
            select(Registration).where(
                Registration.link_id.in_([link.id for link in links.values()]),
                Registration.email == learner.email,
            )
        ):
            registrations[found.link_id] = found
    results = await learner_results(session, event.id, learner.id)
    zone = zone_or_utc(event.timezone)
    sessions = []
    for row in sorted(event.sessions, key=lambda s: s.start_at):
        link = links.get(row.id)
        registration = registrations.get(link.id) if link else None
        own = (
            registration.join_url
            if registration is not None and registration.state is RegistrationState.REGISTERED
            else None
        )
        result = results.sessions.get(row.id) if results else None
        start = row.start_at.astimezone(zone)
        sessions.append(
            MySessionOut(
                id=row.id,
                label=row.label,
                start=start,
                end=start + timedelta(minutes=row.duration_minutes),
                status=row.status,
                join_url=own,
                minutes=result.minutes if result else None,
                percent=result.percent if result else None,
                result=result.status if result else None,
            )
        )
    course = await session.get(Course, course_event.course_id) if course_event.course_id else None
    return MyEventOut(
        id=event.id,
        topic=event.topic,
        agenda=event.agenda,
        timezone=event.timezone,
        trainer_name=course_event.trainer_name,
        course=course.name if course else None,
        sessions=sessions,
        completion=results.completion if results else None,
    )
