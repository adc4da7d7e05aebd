"""A contact's timeline (H5), newest first, read from where each fact lives.

Each source is a function `(session, contact, emails) -> entries` in `SOURCES`; the timeline is
their entries merged by time. Webinars (registered, cancelled, attended, recording available)
come from this domain's rows; orders and bookings from theirs, by the contact's emails. A new
domain adds its source here (courses: "course result", by the learner's email) without touching
the others.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Booking, Service
from zoombridge.contacts.models import (
    Contact,
    ContactAttendance,
    ContactRecording,
    ContactRegistration,
    ContactWebinar,
    RecordingStatus,
    RegistrationStatus,
)
from zoombridge.events.models import Event
from zoombridge.orders.models import Attendee, Order

HOW_LABELS = {
    "zoom_form": "Zoom registration form",
    "order": "order",
    "workflow": "workflow action",
    "enrolment": "course enrolment",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime | None
    kind: str  # registered, cancelled, attended, recording, order, booking, …
    title: str
    webinar_id: uuid.UUID | None = None
    details: dict[str, object] = field(default_factory=dict)


TimelineSource = Callable[[AsyncSession, Contact, Sequence[str]], Awaitable[list[TimelineEntry]]]


async def webinar_registrations(
    session: AsyncSession, contact: Contact, _emails: Sequence[str]
) -> list[TimelineEntry]:
    rows = await session.execute(
        select(ContactRegistration, ContactWebinar)
        .join(ContactWebinar, ContactWebinar.id == ContactRegistration.webinar_id)
        .where(ContactRegistration.contact_id == contact.id)
    )
    entries = []
    for registration, webinar in rows:
        common = {
            "webinar": webinar.topic,
            "zoom_webinar_id": webinar.zoom_webinar_id,
            "email": registration.email,
            "how": HOW_LABELS[registration.how.value],
        }
        entries.append(
            TimelineEntry(
                registration.registered_at or registration.created_at,
                "registered",
                f"Registered for {webinar.topic}",
                webinar.id,
                common | {"status": registration.status.value},
            )
        )
        if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.DENIED):
            entries.append(
                TimelineEntry(
                    registration.cancelled_at,
                    "cancelled",
                    f"Registration for {webinar.topic} {registration.status.value}",
                    webinar.id,
                    common,
                )
            )
    return entries


async def webinar_attendance(
    session: AsyncSession, contact: Contact, _emails: Sequence[str]
) -> list[TimelineEntry]:
    rows = await session.execute(
        select(ContactAttendance, ContactWebinar)
        .join(ContactWebinar, ContactWebinar.id == ContactAttendance.webinar_id)
        .where(ContactAttendance.contact_id == contact.id)
    )
    return [
        TimelineEntry(
            a.first_join or a.instance_start,
            "attended",
            f"Attended {w.topic}",
            w.id,
            {
                "webinar": w.topic,
                "zoom_webinar_id": w.zoom_webinar_id,
                "webinar_date": a.instance_start,
                "joined": a.first_join,
                "left": a.last_leave,
                "minutes_attended": round(a.attended_seconds / 60, 1),
                "percent_attended": a.percent,
                "joins": a.joins,
            },
        )
        for a, w in rows
    ]


async def recordings(
    session: AsyncSession, contact: Contact, _emails: Sequence[str]
) -> list[TimelineEntry]:
    """Recordings of the webinars the contact registered for or attended."""
    mine = (
        select(ContactRegistration.webinar_id)
        .where(ContactRegistration.contact_id == contact.id)
        .union(
            select(ContactAttendance.webinar_id).where(ContactAttendance.contact_id == contact.id)
        )
    )
    rows = await session.scalars(
        select(ContactRecording).where(
            ContactRecording.status == RecordingStatus.AVAILABLE,
            ContactRecording.webinar_id.in_(mine),
        )
    )
    return [
        TimelineEntry(
            r.available_at,
            "recording",
            f"Recording available: {r.topic}",
            r.webinar_id,
            {"topic": r.topic, "start": r.start_at, "url": r.url, "transcript": r.transcript_url},
        )
        for r in rows
    ]


async def orders(
    session: AsyncSession, _contact: Contact, emails: Sequence[str]
) -> list[TimelineEntry]:
    rows = await session.execute(
        select(Attendee, Order, Event)
        .join(Order, Order.id == Attendee.order_id)
        .join(Event, Event.id == Attendee.event_id)
        .where(Attendee.email.in_(list(emails)))
    )
    return [
        TimelineEntry(
            order.created_at,
            "order",
            f"Order for {event.topic}",
            None,
            {
                "order_id": str(order.id),
                "reference": order.reference,
                "status": order.status.value,
                "event": event.topic,
                "event_start": event.start_at,
                "attendee_cancelled": attendee.cancelled_at is not None,
            },
        )
        for attendee, order, event in rows
    ]


async def bookings(
    session: AsyncSession, _contact: Contact, emails: Sequence[str]
) -> list[TimelineEntry]:
    rows = await session.execute(
        select(Booking, Service)
        .join(Service, Service.id == Booking.service_id)
        .where(or_(*(Booking.customer_email == e for e in emails)))
    )
    return [
        TimelineEntry(
            booking.created_at,
            "booking",
            f"Booked {service.name}",
            None,
            {
                "booking_id": str(booking.id),
                "service": service.name,
                "start": booking.start_at,
                "status": booking.status.value,
            },
        )
        for booking, service in rows
    ]


# Where a contact's history comes from; a domain above attendance adds its own here.
SOURCES: list[TimelineSource] = [
    webinar_registrations,
    webinar_attendance,
    recordings,
    orders,
    bookings,
]


async def timeline(
    session: AsyncSession, contact: Contact, emails: Sequence[str]
) -> list[TimelineEntry]:
    """Every source's entries, newest first (entries without a time last)."""
    entries: list[TimelineEntry] = []
    for source in SOURCES:
        entries.extend(await source(session, contact, emails))
    dated = sorted((e for e in entries if e.at is not None), key=lambda e: e.at, reverse=True)  # type: ignore[arg-type,return-value]
    return dated + [e for e in entries if e.at is None]
