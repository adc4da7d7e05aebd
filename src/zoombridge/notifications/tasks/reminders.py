"""The worker step that turns due reminders into outbox emails (L4), each exactly once.

One transaction per reminder: a guarded UPDATE takes it from `planned` to `queued` (only one
worker can win it: on PostgreSQL a second one waits for the row and then finds it no longer
planned), and the emails it creates are added in that same transaction, each with the dedupe key
`reminder:<reminder id>:<recipient>` (unique in the outbox). A crash before the commit leaves
the reminder planned and no email; after it, the reminder is queued and its emails exist. A
restarted worker can therefore neither lose nor repeat one.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Booking, BookingStatus
from zoombridge.engine.context import SyncContext, log
from zoombridge.engine.steps import describe
from zoombridge.events.models import Event, EventStatus
from zoombridge.notifications import outbox
from zoombridge.notifications.hooks import reminder_recipient_sources
from zoombridge.notifications.models import Reminder, ReminderState
from zoombridge.orders.models import Attendee, Order, OrderStatus

BATCH = 100


async def fire_due_reminders(ctx: SyncContext) -> int:
    """Queue (or cancel) every planned reminder now due; the number handled."""
    now = ctx.now()

    async def due(session: AsyncSession) -> list[uuid.UUID]:
        rows = await session.scalars(
            select(Reminder.id)
            .where(Reminder.state == ReminderState.PLANNED, Reminder.due_at <= now)
            .order_by(Reminder.due_at, Reminder.id)
            .limit(BATCH)
        )
        return list(rows)

    done = 0
    for reminder_id in await ctx.transaction(due):

        async def one(session: AsyncSession, reminder_id: uuid.UUID = reminder_id) -> bool:
            return await _fire(session, reminder_id, now)

        try:
            done += await ctx.transaction(one)
        except Exception as exc:  # one reminder that cannot be fired must not stop the others
            log.exception("reminder %s could not be fired", reminder_id)
            await _mark_failed(ctx, reminder_id, exc)
            done += 1
    return done


async def _mark_failed(ctx: SyncContext, reminder_id: uuid.UUID, exc: Exception) -> None:
    """The reminder stops (FAILED) with its reason; nothing of it was queued (the transaction
    that fired it was rolled back)."""

    async def work(session: AsyncSession) -> None:
        reminder = await session.get(Reminder, reminder_id)
        if reminder is not None and reminder.state is ReminderState.PLANNED:
            reminder.state = ReminderState.FAILED
            reminder.note = f"Not sent: its emails could not be made ({describe(exc)})."

    try:
        await ctx.transaction(work)
    except Exception:
        log.exception("could not record the failure of reminder %s", reminder_id)


async def _fire(session: AsyncSession, reminder_id: uuid.UUID, now: datetime) -> bool:
    taken = await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.state == ReminderState.PLANNED)
        .values(state=ReminderState.QUEUED, queued_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        return False  # another worker fired (or something cancelled) it meanwhile
    reminder = await session.get(Reminder, reminder_id, populate_existing=True)
    assert reminder is not None
    note = await _why_not(session, reminder, now)
    if note is not None:
        _cancel(reminder, note)
        return True
    if reminder.booking_id is not None:
        count = await _booking_emails(session, reminder)
    else:
        count = await _event_emails(session, reminder)
    if count is None:
        return True
    reminder.note = f"{count} email{'s' if count != 1 else ''} queued."
    return True


def _cancel(reminder: Reminder, note: str) -> None:
    reminder.state = ReminderState.CANCELLED
    reminder.queued_at = None
    reminder.note = note


async def _why_not(session: AsyncSession, reminder: Reminder, now: datetime) -> str | None:
    if reminder.start_at <= now:
        return (
            f"Not sent: the start ({reminder.start_at:%Y-%m-%d %H:%M} UTC) had already passed "
            "when the worker reached this reminder (was the worker stopped?)."
        )
    # Several reminders of one start all due at once (the worker was down): only the latest
    # says something true ("in one hour", not "in one week").
    later = await session.scalar(
        select(Reminder.offset).where(
            Reminder.target_key == reminder.target_key,
            Reminder.start_at == reminder.start_at,
            Reminder.state.in_([ReminderState.PLANNED, ReminderState.QUEUED]),
            Reminder.due_at > reminder.due_at,
            Reminder.due_at <= now,
        )
    )
    if later is not None:
        return (
            f"Not sent: the {later} reminder of the same start was also due, so only that one "
            "goes out (the worker was not running at this reminder's time)."
        )
    return None


async def _booking_emails(session: AsyncSession, reminder: Reminder) -> int | None:
    booking = await session.get(Booking, reminder.booking_id)
    if booking is None or booking.status is not BookingStatus.CONFIRMED:
        _cancel(reminder, "Not sent: the booking was cancelled.")
        return None
    if booking.start_at != reminder.start_at:
        _cancel(reminder, "Not sent: the booking was moved; the new start has its own reminders.")
        return None
    email = await outbox.enqueue(
        session,
        "booking_reminder_customer",
        booking.customer_email,
        to_name=booking.customer_name,
        booking_id=booking.id,
        reminder_id=reminder.id,
        dedupe_key=f"reminder:{reminder.id}:customer",
    )
    return 1 if email is not None else 0


async def _event_emails(session: AsyncSession, reminder: Reminder) -> int | None:
    event = await session.get(Event, reminder.event_id)
    if event is None or event.status is EventStatus.CANCELLED:
        _cancel(reminder, "Not sent: the event was cancelled.")
        return None
    for source in reminder_recipient_sources():
        recipients = await source(session, event, reminder)
        if recipients is None:
            continue  # not an event this source knows
        count = 0
        for recipient in recipients:
            email = await outbox.enqueue(
                session,
                recipient.template_key,
                recipient.to_address,
                to_name=recipient.to_name,
                event_id=event.id,
                reminder_id=reminder.id,
                dedupe_key=f"reminder:{reminder.id}:{recipient.key}",
                context=recipient.context,
            )
            count += email is not None
        return count
    attendees = await session.scalars(
        select(Attendee)
        .join(Order, Order.id == Attendee.order_id)
        .where(
            Attendee.event_id == event.id,
            Attendee.cancelled_at.is_(None),
            Order.status == OrderStatus.COMPLETED,
        )
        .order_by(Attendee.created_at, Attendee.id)
    )
    count = 0
    told: set[str] = set()
    for attendee in attendees:
        if attendee.email in told:  # two tickets, one person: one reminder
            continue
        told.add(attendee.email)
        email = await outbox.enqueue(
            session,
            "event_reminder",
            attendee.email,
            to_name=f"{attendee.first_name} {attendee.last_name}".strip(),
            event_id=event.id,
            attendee_id=attendee.id,
            reminder_id=reminder.id,
            dedupe_key=f"reminder:{reminder.id}:{attendee.id}",
        )
        count += email is not None
    return count
