"""People are told (end to end: services, worker, a real SMTP server): an event that moves, an
event cancelled, a ticket cancelled; booking emails carry their calendar file too."""

from __future__ import annotations

from datetime import timedelta

import icalendar

from tests.notifications.conftest import Clock, World
from tests.notifications.helpers import booking, smtp_settings
from tests.notifications.test_tickets import PEOPLE, order, settle
from tests.sync.conftest import WorkerFactory
from zoombridge.events import service as events
from zoombridge.events.schemas import EventUpdate
from zoombridge.notifications import outbox
from zoombridge.notifications.sink import CaughtMessage, MailSink
from zoombridge.orders import service as orders
from zoombridge.orders.models import OrderStatus


def _calendar(message: CaughtMessage) -> icalendar.Calendar:
    [attachment] = [a for a in message.attachments if a.content_type == "text/calendar"]
    return icalendar.Calendar.from_ical(attachment.content)


def _sequence(calendar: icalendar.Calendar) -> int:
    return int(next(iter(calendar.walk("VEVENT")))["SEQUENCE"])


async def test_attendees_are_told_when_the_event_moves_and_when_it_is_cancelled(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    event, _ = await world.event()
    await smtp_settings(world.maker, sink.port)
    await order(world, event.id, OrderStatus.COMPLETED)
    worker = make_worker()
    await settle(worker, clock, sink, len(PEOPLE))  # the tickets
    first = _sequence(_calendar(sink.messages(PEOPLE[0])[0]))

    async with world.maker() as session:
        await events.update_event(
            session, event.id, EventUpdate(start=event.start_at + timedelta(hours=1))
        )
        await session.commit()
    await settle(worker, clock, sink, 2 * len(PEOPLE))
    for email in PEOPLE:
        _ticket, changed = sink.messages(email)
        assert changed.subject.startswith("Changed: Launch now starts")
        calendar = _calendar(changed)
        assert calendar["METHOD"] == "PUBLISH"
        assert _sequence(calendar) == first + 1  # the calendar updates its entry

    async with world.maker() as session:
        await events.delete_event(session, event.id)
        await session.commit()
    await settle(worker, clock, sink, 3 * len(PEOPLE))
    for email in PEOPLE:
        cancelled = sink.messages(email)[-1]
        assert cancelled.subject.startswith("Cancelled: Launch")
        assert "is cancelled and will not take place" in cancelled.text
        calendar = _calendar(cancelled)
        assert calendar["METHOD"] == "CANCEL"
        assert next(iter(calendar.walk("VEVENT")))["STATUS"] == "CANCELLED"


async def test_a_cancelled_ticket_is_told_with_a_calendar_file_that_removes_it(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    event, _ = await world.event()
    await smtp_settings(world.maker, sink.port)
    order_id = await order(world, event.id, OrderStatus.COMPLETED)
    worker = make_worker()
    await settle(worker, clock, sink, len(PEOPLE))
    async with world.maker() as session:
        view = await orders.get_order_view(session, order_id)
        ada = next(a for a in view.attendees if a.email == PEOPLE[0])
        await orders.cancel_attendee(session, ada.id, order_id)
        await session.commit()
    await settle(worker, clock, sink, len(PEOPLE) + 1)
    notice = sink.messages(PEOPLE[0])[-1]
    assert notice.subject == "Your ticket for Launch is cancelled"
    assert _calendar(notice)["METHOD"] == "CANCEL"
    assert len(sink.messages(PEOPLE[1])) == 1  # the other attendee is not bothered


async def test_booking_emails_carry_the_booking_in_a_calendar_file(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    await smtp_settings(world.maker, sink.port)
    row = await booking(world.maker, clock() + timedelta(days=3), join_url=None)
    async with world.maker() as session:
        await outbox.enqueue(
            session, "booking_confirmed_customer", "cora@example.com", booking_id=row.id
        )
        await outbox.enqueue(
            session, "booking_cancelled_customer", "cora@example.com", booking_id=row.id
        )
        await session.commit()
    await settle(make_worker(), clock, sink, 2)
    confirmed, cancelled = sorted(sink.messages("cora@example.com"), key=lambda m: m.subject)[::-1]
    assert confirmed.subject.startswith("Your booking")
    calendar = _calendar(confirmed)
    assert calendar["METHOD"] == "PUBLISH"
    vevent = next(iter(calendar.walk("VEVENT")))
    assert str(vevent["UID"]) == f"booking-{row.id}@zoombridge"
    assert vevent.decoded("DTSTART") == row.start_at.replace(microsecond=0)
    assert _calendar(cancelled)["METHOD"] == "CANCEL"
