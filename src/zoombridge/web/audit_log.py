"""The audit log as a list, for the API (`/api/v1/audit`) and the console's Audit page.

Entries come newest first, a page at a time (`zoombridge.kit.pages`), filtered by what they
concern — an event, an order, an attendee, a booking, a connection — by outcome and by a range
of UTC days. What they concern is shown by name (an event's topic, an attendee's email), and
the console finds what to filter on by name too (`find_subjects`), never by a typed id.

It lives with the web layer because it reads several domains at once: the engine files entries
under subjects without knowing what they are, each domain knows only its own rows.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Booking
from zoombridge.connections.models import ZoomConnection
from zoombridge.engine import audit
from zoombridge.engine.models import AuditEntry, Outcome
from zoombridge.events.models import Event
from zoombridge.kit.filtering import in_days, matches, search_words
from zoombridge.kit.pages import Page, paginate
from zoombridge.orders import listing as orders
from zoombridge.orders.models import Attendee, Order, Registration

# How many of each kind the "find by name" box offers.
FOUND_PER_KIND = 8


@dataclass(frozen=True)
class AuditFilters:
    """Every field optional; several narrow together. Days are UTC, inclusive."""

    event_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    attendee_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    connection_id: uuid.UUID | None = None
    outcome: Outcome | None = None
    at_from: date | None = None
    at_to: date | None = None
    q: str | None = None  # words in the operation or the message

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class Subject(BaseModel):
    """Something an entry concerns, by kind, id and (when still known) name."""

    kind: str = Field(description="event, order, attendee, booking, connection, link …")
    id: uuid.UUID
    name: str | None = Field(description="topic, reference, email …; null if gone or unnamed")


class AuditEntryOut(BaseModel):
    id: uuid.UUID
    at: datetime
    operation: str = Field(description="Zoom's operationId, or a worker step")
    outcome: Outcome
    http_status: int | None
    zoom_code: int | None
    message: str
    items: int = Field(description="registrants in a batch call")
    duration_ms: int | None
    subjects: list[Subject]


async def list_entries(
    session: AsyncSession,
    filters: AuditFilters | None = None,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AuditEntryOut]:
    filters = filters or AuditFilters()
    statement = select(AuditEntry)
    for kind, value in (
        ("event", filters.event_id),
        ("booking", filters.booking_id),
        ("connection", filters.connection_id),
    ):
        if value is not None:
            statement = statement.where(audit.about(kind, value))
    if filters.order_id is not None:
        subjects = await orders.audit_subjects(session, order_id=filters.order_id)
        statement = statement.where(audit.about_any(subjects))
    if filters.attendee_id is not None:
        subjects = await orders.audit_subjects(session, attendee_id=filters.attendee_id)
        statement = statement.where(audit.about_any(subjects))
    if filters.outcome is not None:
        statement = statement.where(AuditEntry.outcome == filters.outcome)
    if text := search_words(filters.q):
        statement = statement.where(matches(text, AuditEntry.operation, AuditEntry.message))
    statement = statement.where(*in_days(AuditEntry.at, filters.at_from, filters.at_to))
    rows, next_cursor, total = await paginate(
        session,
        statement,
        (AuditEntry.at, AuditEntry.id),
        cursor=cursor,
        limit=limit,
        filters=filters.as_dict(),
        descending=True,
    )
    names = await subject_names(session, [(s.kind, s.subject_id) for e in rows for s in e.subjects])
    items = [
        AuditEntryOut(
            id=e.id,
            at=e.at,
            operation=e.operation,
            outcome=e.outcome,
            http_status=e.http_status,
            zoom_code=e.zoom_code,
            message=e.message,
            items=e.items,
            duration_ms=e.duration_ms,
            subjects=[
                Subject(kind=s.kind, id=s.subject_id, name=names.get((s.kind, s.subject_id)))
                for s in sorted(e.subjects, key=lambda s: s.kind)
            ],
        )
        for e in rows
    ]
    return Page(items=items, next_cursor=next_cursor, total=total)


def _booking_name(booking: Booking) -> str:
    return f"{booking.customer_name} <{booking.customer_email}>"


def _order_name(order: Order) -> str:
    who = order.customer_name or order.customer_email
    return (order.reference or f"order {str(order.id)[:8]}") + (f" ({who})" if who else "")


async def subject_names(
    session: AsyncSession, subjects: list[tuple[str, uuid.UUID]]
) -> dict[tuple[str, uuid.UUID], str]:
    """The names of these subjects that still exist, read with one query per kind."""
    wanted: dict[str, set[uuid.UUID]] = {}
    for kind, subject_id in subjects:
        wanted.setdefault(kind, set()).add(subject_id)
    names: dict[tuple[str, uuid.UUID], str] = {}
    if ids := wanted.get("event"):
        for event in await session.scalars(select(Event).where(Event.id.in_(ids))):
            names["event", event.id] = event.topic
    if ids := wanted.get("order"):
        for order in await session.scalars(select(Order).where(Order.id.in_(ids))):
            names["order", order.id] = _order_name(order)
    if ids := wanted.get("attendee"):
        for attendee in await session.scalars(select(Attendee).where(Attendee.id.in_(ids))):
            names["attendee", attendee.id] = attendee.email
    if ids := wanted.get("registration"):
        for reg in await session.scalars(select(Registration).where(Registration.id.in_(ids))):
            names["registration", reg.id] = reg.email
    if ids := wanted.get("booking"):
        for booking in await session.scalars(select(Booking).where(Booking.id.in_(ids))):
            names["booking", booking.id] = _booking_name(booking)
    if ids := wanted.get("connection"):
        for c in await session.scalars(select(ZoomConnection).where(ZoomConnection.id.in_(ids))):
            names["connection", c.id] = c.name
    return names


async def find_subjects(
    session: AsyncSession, text: str, *, event_id: uuid.UUID | None = None
) -> list[Subject]:
    """Events, orders, attendees, bookings and connections whose name, reference or email
    holds `text` (a few of each), so the console can filter by what a person recognises.
    Within an event, only its orders and attendees."""
    words = search_words(text)
    if words is None:
        return []
    found: list[Subject] = []
    events = select(Event).where(matches(words, Event.topic)).order_by(Event.start_at.desc())
    found += [
        Subject(kind="event", id=e.id, name=e.topic)
        for e in await session.scalars(events.limit(FOUND_PER_KIND))
    ]
    order_rows = select(Order).where(
        matches(words, Order.reference, Order.customer_name, Order.customer_email)
    )
    attendee_rows = select(Attendee).where(
        matches(
            words,
            Attendee.email,
            Attendee.ticket_code,
            Attendee.first_name + " " + Attendee.last_name,
        )
    )
    if event_id is not None:
        order_rows = order_rows.where(Order.event_id == event_id)
        attendee_rows = attendee_rows.where(Attendee.event_id == event_id)
    found += [
        Subject(kind="order", id=o.id, name=_order_name(o))
        for o in await session.scalars(
            order_rows.order_by(Order.created_at.desc()).limit(FOUND_PER_KIND)
        )
    ]
    found += [
        Subject(kind="attendee", id=a.id, name=a.email)
        for a in await session.scalars(attendee_rows.order_by(Attendee.email).limit(FOUND_PER_KIND))
    ]
    bookings = select(Booking).where(
        matches(
            words,
            Booking.customer_email,
            Booking.customer_first_name + " " + Booking.customer_last_name,
        )
    )
    found += [
        Subject(kind="booking", id=b.id, name=_booking_name(b))
        for b in await session.scalars(
            bookings.order_by(Booking.start_at.desc()).limit(FOUND_PER_KIND)
        )
    ]
    connections = select(ZoomConnection).where(matches(words, ZoomConnection.name))
    found += [
        Subject(kind="connection", id=c.id, name=c.name)
        for c in await session.scalars(
            connections.order_by(ZoomConnection.name).limit(FOUND_PER_KIND)
        )
    ]
    return found
