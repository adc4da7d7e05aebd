"""Tickets by email (O6–O8) and event reminders (L4), end to end: orders service, worker,
simulator, a real SMTP server."""

from __future__ import annotations

import uuid
from datetime import timedelta

import icalendar
from sqlalchemy import select

from tests.notifications.conftest import Clock, World
from tests.notifications.helpers import emails, smtp_settings
from tests.sync.conftest import START, WorkerFactory
from zoombridge.notifications import reminders as planning
from zoombridge.notifications.models import EmailState
from zoombridge.notifications.sink import MailSink
from zoombridge.notifications.tickets import resend_tickets
from zoombridge.orders import service as orders
from zoombridge.orders.models import OrderStatus, Registration, RegistrationState
from zoombridge.orders.schemas import AttendeeIn, OrderCreate
from zoombridge.worker import Worker

PEOPLE = ["ada@example.com", "bob@example.com"]


async def settle(worker: Worker, clock: Clock, sink: MailSink, expected: int) -> None:
    """Passes (a little time apart, as a running worker) until `expected` messages arrived."""
    for _ in range(12):
        await worker.run_once()
        if len(sink.messages()) >= expected:
            return
        clock.advance(timedelta(seconds=10))


async def order(world: World, event_id: uuid.UUID, status: OrderStatus) -> uuid.UUID:
    async with world.maker() as session:
        created = await orders.create_order(
            session,
            event_id,
            OrderCreate(
                status=status,
                attendees=[
                    AttendeeIn(email=email, first_name=email[:3].title(), last_name="Tester")
                    for email in PEOPLE
                ],
            ),
        )
        await session.commit()
        return created.id


async def test_a_completed_order_emails_tickets_with_ics_and_own_join_link(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    event, link = await world.event()
    await smtp_settings(world.maker, sink.port)
    pending = await order(world, event.id, OrderStatus.PENDING)
    assert await emails(world.maker) == []  # not completed: no ticket

    async with world.maker() as session:
        await orders.set_order_status(session, pending, OrderStatus.COMPLETED)
        await session.commit()
    worker = make_worker()
    await settle(worker, clock, sink, len(PEOPLE))

    registrations = {
        r.email: r
        for r in await world.all(select(Registration).where(Registration.link_id == link.id))
    }
    for email in PEOPLE:
        [message] = sink.messages(email)
        assert registrations[email].state is RegistrationState.REGISTERED
        own_link = registrations[email].join_url
        assert own_link
        assert own_link in message.text
        assert message.subject == "Your ticket: Launch"
        [attachment] = message.attachments
        assert attachment.content_type == "text/calendar"
        calendar = icalendar.Calendar.from_ical(attachment.content)
        [vevent] = calendar.walk("VEVENT")
        assert str(vevent["summary"]) == "Launch"
        assert vevent.decoded("dtstart") == START
        assert own_link in str(vevent["description"])

    # O8: resend after the meeting details changed → one more per attendee.
    async with world.maker() as session:
        assert await resend_tickets(session, event.id) == len(PEOPLE)
        await session.commit()
    await settle(worker, clock, sink, 2 * len(PEOPLE))
    for email in PEOPLE:
        assert len(sink.messages(email)) == 2
    assert all(e.state is EmailState.SENT for e in await emails(world.maker))


async def test_event_reminders_reach_active_attendees_once(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    event, _ = await world.event()
    await smtp_settings(world.maker, sink.port)
    await order(world, event.id, OrderStatus.COMPLETED)
    async with world.maker() as session:
        await orders.create_order(
            session,
            event.id,
            OrderCreate(
                status=OrderStatus.PENDING,
                attendees=[AttendeeIn(email="unpaid@example.com", first_name="U", last_name="P")],
            ),
        )
        await planning.plan(
            session, planning.event_target(event.id), [START], ["1h"], clock(), event_id=event.id
        )
        await session.commit()
    worker = make_worker()
    await settle(worker, clock, sink, len(PEOPLE))  # the tickets
    sink.clear()

    clock.advance(START - timedelta(minutes=50) - clock())
    await worker.run_once()
    await make_worker().run_once()
    for email in PEOPLE:
        [message] = sink.messages(email)
        assert message.subject.startswith("Reminder: Launch")
        assert "Join the meeting: https://" in message.text
    assert sink.messages("unpaid@example.com") == []
