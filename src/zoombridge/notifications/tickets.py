"""Tickets by email (O6, O7, O8): one `event_ticket` per active attendee, with the ICS attached.

Enqueued in the transaction that completes the order (`enqueue_tickets`, called by the orders
service) or on request after the meeting details changed (`resend_tickets`). They are rendered
when sent, so every ticket shows the meeting as it is then, with the attendee's own join link
(the sender waits for their Zoom registration).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.errors import Conflict, NotFoundError
from zoombridge.events.models import Event, EventStatus
from zoombridge.notifications import outbox
from zoombridge.orders.models import Attendee, Order, OrderStatus


def _name(attendee: Attendee) -> str:
    return f"{attendee.first_name} {attendee.last_name}".strip()


async def _enqueue(session: AsyncSession, attendees: list[Attendee]) -> int:
    return await outbox.enqueue_many(
        session,
        "event_ticket",
        [
            {
                "to_address": a.email,
                "to_name": _name(a),
                "event_id": a.event_id,
                "attendee_id": a.id,
            }
            for a in attendees
        ],
    )


async def enqueue_tickets(session: AsyncSession, orders: list[Order]) -> int:
    """One ticket email per active attendee of `orders`, which have just become completed; none
    for an event that sends no tickets by email (`ticket_emails` off) or is cancelled. All of
    them are written in one statement."""
    attendees: list[Attendee] = []
    for order in orders:
        event = await session.get(Event, order.event_id)  # the order's, in the session already
        if (
            event is None
            or not event.ticket_emails
            or event.status is EventStatus.CANCELLED
            or order.status is not OrderStatus.COMPLETED
        ):
            continue
        attendees += [a for a in order.attendees if a.cancelled_at is None]
    return await _enqueue(session, attendees)


async def resend_tickets(session: AsyncSession, event_id: uuid.UUID) -> int:
    """O8: a fresh ticket to every active attendee of the event's completed orders (e.g. after
    its meeting details changed); the number queued."""
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFoundError(f"There is no event with id {event_id}.")
    if event.status is EventStatus.CANCELLED:
        raise Conflict("The event is cancelled: its tickets are no longer valid.")
    attendees = list(
        await session.scalars(
            select(Attendee)
            .join(Order, Order.id == Attendee.order_id)
            .where(
                Attendee.event_id == event_id,
                Attendee.cancelled_at.is_(None),
                Order.status == OrderStatus.COMPLETED,
            )
            .order_by(Attendee.created_at, Attendee.id)
        )
    )
    return await _enqueue(session, attendees)
