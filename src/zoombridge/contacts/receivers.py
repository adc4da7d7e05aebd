"""How contacts reacts to what orders and bookings announce (connected by `zoombridge.wiring`):
a completed order's active attendees and a booking's customer become contacts (H1: one person
across events, bookings, courses and webinars).

Excluded emails (platform users, Zoom account users, excluded domains, deleted contacts) are
simply not made contacts. Nothing here may refuse the order or the booking: the contact rows
are written in a savepoint, and a failure there is logged and leaves the change itself alone.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.signals import BookingMade, booking_made
from zoombridge.contacts import emails, exclusions
from zoombridge.contacts.models import SourceKind
from zoombridge.contacts.service.resolve import Person, resolve
from zoombridge.db.base import utc_now
from zoombridge.orders.models import Order
from zoombridge.orders.signals import orders_completed

log = logging.getLogger("zoombridge.contacts")


async def _become_contacts(session: AsyncSession, people: list[Person], source: SourceKind) -> None:
    if not people:
        return
    try:
        async with session.begin_nested():
            await resolve(session, people, await exclusions.load(session), source, utc_now())
    except Exception:  # the order or booking must not fail for its contacts
        log.exception("could not make contacts of %d %s(s)", len(people), source.value)


async def order_attendees(session: AsyncSession, orders: list[Order]) -> None:
    """Every active attendee of the orders completed by one request, resolved together."""
    people = [
        Person(emails.normalize(a.email), a.first_name, a.last_name)
        for order in orders
        for a in order.attendees
        if a.cancelled_at is None
    ]
    await _become_contacts(session, people, SourceKind.ORDER_ATTENDEE)


async def booking_customer(session: AsyncSession, made: BookingMade) -> None:
    booking = made.booking
    person = Person(
        emails.normalize(booking.customer_email),
        booking.customer_first_name,
        booking.customer_last_name,
    )
    await _become_contacts(session, [person], SourceKind.BOOKING_CUSTOMER)


def connect() -> None:
    orders_completed.connect(order_attendees)
    booking_made.connect(booking_customer)
