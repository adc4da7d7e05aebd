"""How courses reacts to the domains below it (connected by `zoombridge.wiring`):

- events: a course event whose meetings changed (a session added or removed) has its
  enrolled learners registered on the new meetings (`enrolment.refresh_registrations`);
- notifications: a course event's reminders go to its enrolled learners — only to those
  enrolled before the reminder's time (none for a time already past at enrolment; nothing at all
  for a past event, whose reminders are never planned) — each with their own join link; and the
  learners' emails (sign-in link, reminder) with the values they show.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.courses.models import CourseEvent, Enrolment, Learner
from zoombridge.courses.service import access
from zoombridge.courses.service.enrolment import refresh_registrations
from zoombridge.events.models import Event, LinkWant, MeetingLink, RegistrationSource
from zoombridge.events.signals import EventSaved, event_saved
from zoombridge.kit.shortcodes import Placeholders
from zoombridge.kit.zones import zone_or_utc
from zoombridge.notifications.defaults import CUSTOMER_NO_HOST_LINK, HOST_LINK, TemplateKind
from zoombridge.notifications.hooks import (
    EmailValues,
    Recipient,
    add_email_kind,
    add_reminder_recipients,
)
from zoombridge.notifications.models import Audience, OutboundEmail, Reminder
from zoombridge.orders.models import Registration, RegistrationState

REMINDER_TEMPLATE = "learner_event_reminder"


async def follow_event(session: AsyncSession, change: EventSaved) -> None:
    event = change.event
    moved = change.links_changed or change.registration_switched
    if event.registrations_from is RegistrationSource.ENROLMENT and not change.created and moved:
        await refresh_registrations(session, event.id)


async def reminder_recipients(
    session: AsyncSession, event: Event, reminder: Reminder
) -> list[Recipient] | None:
    if event.registrations_from is not RegistrationSource.ENROLMENT:
        return None
    rows = await session.execute(
        select(Learner)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.event_id == event.id, Enrolment.enrolled_at <= reminder.due_at)
        .order_by(Learner.email)
    )
    return [
        Recipient(
            template_key=REMINDER_TEMPLATE,
            to_address=learner.email,
            to_name=learner.name,
            key=str(learner.id),
            context={"learner_id": str(learner.id), "start": reminder.start_at.isoformat()},
        )
        for learner in rows.scalars()
    ]


async def _reminder_values(session: AsyncSession, email: OutboundEmail) -> EmailValues | None:
    context = email.context or {}
    try:
        learner_id = uuid.UUID(str(context.get("learner_id")))
        start = datetime.fromisoformat(str(context.get("start")))
    except ValueError:
        return None
    event = await session.get(Event, email.event_id) if email.event_id else None
    learner = await session.get(Learner, learner_id)
    course_event = await session.get(CourseEvent, event.id) if event else None
    if event is None or learner is None or course_event is None:
        return None
    enrolled = await session.scalar(
        select(Enrolment.id).where(
            Enrolment.event_id == event.id, Enrolment.learner_id == learner.id
        )
    )
    row = next((s for s in event.sessions if s.start_at == start), None)
    if enrolled is None or row is None:
        return None  # no longer enrolled, or the session moved (its new start has reminders)
    link = await session.scalar(
        select(MeetingLink).where(
            MeetingLink.session_id == row.id, MeetingLink.want == LinkWant.PRESENT
        )
    )
    registration = (
        await session.scalar(
            select(Registration).where(
                Registration.link_id == link.id, Registration.email == learner.email
            )
        )
        if link
        else None
    )
    own = (
        registration.join_url
        if registration is not None and registration.state is RegistrationState.REGISTERED
        else None
    )
    local = row.start_at.astimezone(zone_or_utc(event.timezone))
    return EmailValues(
        {
            "learner_name": learner.name,
            "learner_first_name": learner.first_name,
            "event_topic": event.topic,
            "session_label": row.label or f"{local:%Y-%m-%d %H:%M}",
            "session_start": f"{local:%Y-%m-%d %H:%M}",
            "event_timezone": event.timezone,
            "trainer_name": course_event.trainer_name,
            "zoom_meeting_url": own or (link.join_url if link else None) or "",
            "zoom_meeting_id": str(link.zoom_meeting_id) if link and link.zoom_meeting_id else "",
            "zoom_meeting_password": (link.password if link else None) or "",
        }
    )


async def _sign_in_values(session: AsyncSession, email: OutboundEmail) -> EmailValues | None:
    values = await access.sign_in_values(session, (email.context or {}).get("sign_in_id"))
    if values is None:
        return None
    return EmailValues(values, hidden=frozenset({"sign_in_url"}))


_LEARNER_FIELDS = ("learner_name", "learner_first_name")
SIGN_IN_KIND = TemplateKind(
    access.SIGN_IN_TEMPLATE,
    "Sign-in link (learner)",
    Audience.CUSTOMER,
    Placeholders((*_LEARNER_FIELDS, "sign_in_url", "valid_minutes")),
    "Your sign-in link",
    "Hello {learner_first_name},\n\nsign in to see your events and results:\n{sign_in_url}\n\n"
    "The link works once, for {valid_minutes} minutes. If you did not ask for it, ignore this "
    "email.\n",
)
REMINDER_KIND = TemplateKind(
    REMINDER_TEMPLATE,
    "Course session reminder (learner)",
    Audience.CUSTOMER,
    Placeholders(
        (
            *_LEARNER_FIELDS,
            "event_topic",
            "session_label",
            "session_start",
            "event_timezone",
            "trainer_name",
            "zoom_meeting_url",
            "zoom_meeting_id",
            "zoom_meeting_password",
        ),
        forbidden={HOST_LINK: CUSTOMER_NO_HOST_LINK},
    ),
    "Reminder: {event_topic} — {session_label} on {session_start}",
    "Hello {learner_first_name},\n\na reminder: {event_topic} — {session_label} starts "
    "{session_start} ({event_timezone}).\n\nJoin with your own link: {zoom_meeting_url}\n"
    "Meeting ID: {zoom_meeting_id}\nPasscode: {zoom_meeting_password}\n",
)


def connect() -> None:
    event_saved.connect(follow_event)
    add_reminder_recipients(reminder_recipients)
    add_email_kind(SIGN_IN_KIND, _sign_in_values)
    add_email_kind(REMINDER_KIND, _reminder_values)
