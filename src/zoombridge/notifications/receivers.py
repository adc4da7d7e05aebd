"""How notifications reacts to what events, orders and bookings announce (connected by
`zoombridge.wiring`): the emails a change owes people, and reminders kept in step with starts.

Everything is written in the transaction of the change itself, so a change and its emails are
committed (or lost) together; the worker sends them later.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Booking, Employee
from zoombridge.bookings.signals import (
    BookingCancelled,
    BookingChanged,
    BookingMade,
    booking_cancelled,
    booking_changed,
    booking_made,
)
from zoombridge.db.base import utc_now
from zoombridge.events.models import Event, LinkWant
from zoombridge.events.signals import (
    EventSaved,
    MeetingRecreated,
    event_cancelled,
    event_saved,
    meeting_recreated,
)
from zoombridge.notifications import outbox, reminders
from zoombridge.notifications.models import Audience, EmailState, OutboundEmail
from zoombridge.notifications.tickets import enqueue_tickets, resend_tickets
from zoombridge.orders.models import Attendee, Order, OrderStatus
from zoombridge.orders.signals import orders_completed, tickets_cancelled

# ---------------------------------------------------------------------------------------------
# Events: reminders (L4)


async def plan_event_reminders(session: AsyncSession, change: EventSaved) -> None:
    """The event's reminders for its starts as they are now: each day's, slot's or session's
    start, else the event's (replanning is harmless: what is still wanted stays, what no longer
    is gets cancelled)."""
    event = change.event
    await reminders.plan(
        session,
        reminders.event_target(event.id),
        sorted({s.start_at for s in event.sessions}) or [event.start_at],
        event.reminder_offsets or [],
        utc_now(),
        event_id=event.id,
    )


async def cancel_event_reminders(session: AsyncSession, event: Event) -> None:
    await reminders.cancel(
        session, reminders.event_target(event.id), "Not sent: the event was cancelled."
    )


async def _ticket_holders(session: AsyncSession, event_id: uuid.UUID) -> list[Attendee]:
    """The active attendees of the event's completed orders (whoever holds a valid ticket)."""
    return list(
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


def _name(attendee: Attendee) -> str:
    return f"{attendee.first_name} {attendee.last_name}".strip()


async def _unsent(session: AsyncSession, event_id: uuid.UUID, keys: set[str]) -> set[uuid.UUID]:
    """Attendees with an unsent email of these kinds (rendered at send time: already new)."""
    rows = await session.scalars(
        select(OutboundEmail.attendee_id).where(
            OutboundEmail.event_id == event_id,
            OutboundEmail.state == EmailState.PENDING,
            OutboundEmail.template_key.in_(keys),
        )
    )
    return {row for row in rows if row is not None}


async def tell_attendees_of_change(session: AsyncSession, change: EventSaved) -> None:
    """The event moved (name, date or time): each ticket holder is told, with an updated
    calendar file (a higher SEQUENCE), unless an email of theirs still to be sent shows it."""
    event = change.event
    if change.created or not change.schedule_changed or not event.ticket_emails:
        return
    told = await _unsent(session, event.id, {"event_ticket", "event_changed"})
    for attendee in await _ticket_holders(session, event.id):
        if attendee.id not in told:
            await outbox.enqueue(
                session,
                "event_changed",
                attendee.email,
                to_name=_name(attendee),
                event_id=event.id,
                attendee_id=attendee.id,
            )


async def tell_attendees_of_cancellation(session: AsyncSession, event: Event) -> None:
    """Each ticket holder is told, with a calendar file removing the entry; their unsent
    tickets and changes are dropped."""
    for email in await session.scalars(
        select(OutboundEmail).where(
            OutboundEmail.event_id == event.id,
            OutboundEmail.state == EmailState.PENDING,
            OutboundEmail.template_key.in_(["event_ticket", "event_changed", "event_reminder"]),
        )
    ):
        email.state = EmailState.CANCELLED
        email.last_error = "No longer relevant: the event was cancelled."
    if not event.ticket_emails:
        return
    for attendee in await _ticket_holders(session, event.id):
        await outbox.enqueue(
            session,
            "event_cancelled",
            attendee.email,
            to_name=_name(attendee),
            event_id=event.id,
            attendee_id=attendee.id,
        )


# ---------------------------------------------------------------------------------------------
# Orders: tickets (O6)


async def send_tickets(session: AsyncSession, orders: list[Order]) -> None:
    await enqueue_tickets(session, orders)


async def tell_of_cancelled_tickets(session: AsyncSession, attendees: list[Attendee]) -> None:
    for attendee in attendees:
        event = await session.get(Event, attendee.event_id)
        if event is None or not event.ticket_emails:
            continue
        await outbox.enqueue(
            session,
            "ticket_cancelled",
            attendee.email,
            to_name=_name(attendee),
            event_id=event.id,
            attendee_id=attendee.id,
        )


async def send_new_links(session: AsyncSession, recreated: MeetingRecreated) -> None:
    """A meeting made again in Zoom: every attendee gets a fresh ticket with the new join
    link (each waits until its registration on the new meeting is confirmed)."""
    if recreated.event.ticket_emails:
        await resend_tickets(session, recreated.event.id)


# ---------------------------------------------------------------------------------------------
# Bookings (B5): both sides told of every change


def _wait_for(booking: Booking) -> int | None:
    # An email showing the meeting waits until Zoom has the version it describes.
    return booking.desired_version if booking.meeting_want is LinkWant.PRESENT else None


async def _plan_booking_reminders(session: AsyncSession, booking: Booking, now: datetime) -> None:
    await reminders.plan(
        session,
        reminders.booking_target(booking.id),
        [booking.start_at],
        booking.reminder_offsets,
        now,
        booking_id=booking.id,
    )


async def _pending_emails(
    session: AsyncSession, booking_id: uuid.UUID, audience: Audience, to_address: str | None
) -> list[OutboundEmail]:
    query = select(OutboundEmail).where(
        OutboundEmail.booking_id == booking_id,
        OutboundEmail.state == EmailState.PENDING,
        OutboundEmail.audience == audience,
    )
    if to_address is not None:
        query = query.where(OutboundEmail.to_address == to_address)
    return list(await session.scalars(query))


async def _confirm(
    session: AsyncSession, booking: Booking, audience: Audience, to: str, name: str
) -> None:
    suffix = "customer" if audience is Audience.CUSTOMER else "staff"
    await outbox.enqueue(
        session,
        f"booking_confirmed_{suffix}",
        to,
        to_name=name,
        booking_id=booking.id,
        wait_for_version=_wait_for(booking),
    )


async def booking_made_emails(session: AsyncSession, made: BookingMade) -> None:
    booking, employee = made.booking, made.employee
    if booking.start_at <= made.now:
        return  # a booking recorded after the fact (allow_past): nobody is told of it now
    await _confirm(
        session, booking, Audience.CUSTOMER, booking.customer_email, booking.customer_name
    )
    await _confirm(session, booking, Audience.STAFF, employee.email, employee.name)
    await _plan_booking_reminders(session, booking, made.now)


async def _announce_change(
    session: AsyncSession, booking: Booking, audience: Audience, to_address: str, to_name: str
) -> None:
    """The `*_rescheduled_*` email for one recipient, unless one of theirs announcing this
    booking is still unsent: rendered at send time, it will show the new details (it then
    waits for Zoom to reflect them too)."""
    suffix = "customer" if audience is Audience.CUSTOMER else "staff"
    announcing = {f"booking_confirmed_{suffix}", f"booking_rescheduled_{suffix}"}
    unsent = [
        e
        for e in await _pending_emails(session, booking.id, audience, to_address)
        if e.template_key in announcing
    ]
    wait = _wait_for(booking)
    if unsent:
        for email in unsent:
            email.wait_for_version = wait
        return
    await outbox.enqueue(
        session,
        f"booking_rescheduled_{suffix}",
        to_address,
        to_name=to_name,
        booking_id=booking.id,
        wait_for_version=wait,
    )


async def _reassigned_emails(
    session: AsyncSession, booking: Booking, old: Employee, new: Employee
) -> None:
    """The previous employee is told it is no longer theirs (their unsent emails of it are
    dropped); the new one gets a confirmation."""
    for email in await _pending_emails(session, booking.id, Audience.STAFF, old.email):
        email.state = EmailState.CANCELLED
        email.last_error = "No longer relevant: the booking moved to another employee."
    await outbox.enqueue(
        session,
        "booking_cancelled_staff",
        old.email,
        to_name=old.name,
        booking_id=booking.id,
        context={"employee_name": old.name, "employee_email": old.email},
    )
    await _confirm(session, booking, Audience.STAFF, new.email, new.name)


async def booking_changed_emails(session: AsyncSession, change: BookingChanged) -> None:
    booking, employee = change.booking, change.employee
    if booking.customer_email != change.previous_customer_email:
        # Unsent customer emails go to the corrected address.
        for email in await _pending_emails(
            session, booking.id, Audience.CUSTOMER, change.previous_customer_email
        ):
            email.to_address = booking.customer_email
    if change.rescheduled or change.reassigned:
        await _announce_change(
            session, booking, Audience.CUSTOMER, booking.customer_email, booking.customer_name
        )
    if change.reassigned:
        await _reassigned_emails(session, booking, change.previous_employee, employee)
    elif change.rescheduled:
        await _announce_change(session, booking, Audience.STAFF, employee.email, employee.name)
    if change.rescheduled or change.reminder_offsets_changed:
        await _plan_booking_reminders(session, booking, change.now)


async def booking_cancelled_emails(session: AsyncSession, cancelled: BookingCancelled) -> None:
    """Both sides are told; the booking's unsent emails and planned reminders are dropped."""
    booking, employee = cancelled.booking, cancelled.employee
    await outbox.cancel_pending(session, booking_id=booking.id)
    await outbox.enqueue(
        session,
        "booking_cancelled_customer",
        booking.customer_email,
        to_name=booking.customer_name,
        booking_id=booking.id,
    )
    await outbox.enqueue(
        session,
        "booking_cancelled_staff",
        employee.email,
        to_name=employee.name,
        booking_id=booking.id,
    )
    await reminders.cancel(
        session, reminders.booking_target(booking.id), "The booking was cancelled."
    )


def connect() -> None:
    event_saved.connect(plan_event_reminders)
    event_saved.connect(tell_attendees_of_change)
    event_cancelled.connect(cancel_event_reminders)
    event_cancelled.connect(tell_attendees_of_cancellation)
    orders_completed.connect(send_tickets)
    tickets_cancelled.connect(tell_of_cancelled_tickets)
    meeting_recreated.connect(send_new_links)
    booking_made.connect(booking_made_emails)
    booking_changed.connect(booking_changed_emails)
    booking_cancelled.connect(booking_cancelled_emails)
