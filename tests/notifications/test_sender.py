"""The outbox sender: real SMTP servers on loopback, the simulator for host start links."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notifications.conftest import Clock, World
from tests.notifications.helpers import FROM, booking, emails, employee_email, smtp_settings
from tests.sync.conftest import WorkerFactory
from zoombridge.bookings.models import Booking
from zoombridge.engine import audit
from zoombridge.engine.models import AuditEntry, Outcome
from zoombridge.events.models import LinkState, LinkWant
from zoombridge.notifications import outbox
from zoombridge.notifications.models import EmailState, EmailTemplate, SmtpSecurity
from zoombridge.notifications.render import HOST_LINK_STAND_IN
from zoombridge.notifications.sink import MailSink

PASSWORD = "s3cret-Pa55word!"


async def enqueue(maker: async_sessionmaker[AsyncSession], key: str, to: str, **kw: Any) -> None:
    async with maker() as session:
        await outbox.enqueue(session, key, to, **kw)
        await session.commit()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Picky:
    """An SMTP server refusing some recipients: 550 (permanent) or 451 (try later)."""

    def __init__(self) -> None:
        self.accepted: list[str] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted.extend(envelope.rcpt_tos)
        return "250 Message accepted"


@pytest.fixture
def picky() -> Iterator[tuple[_Picky, int]]:
    handler = _Picky()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


async def test_an_email_leaves_through_smtp_with_its_headers(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    maker = world.maker
    await smtp_settings(maker, sink.port)
    row = await booking(maker, clock() + timedelta(days=3), join_url=None)
    await enqueue(
        maker, "booking_confirmed_customer", "cora@example.com", to_name="Cora C", booking_id=row.id
    )

    assert await make_worker().run_once() >= 1

    [message] = sink.messages("cora@example.com")
    [stored] = await emails(maker)
    assert stored.state is EmailState.SENT
    assert message.header("Message-ID") == f"<{stored.id}@zoombridge>" == stored.message_id
    assert FROM in (message.header("From") or "")
    assert "Cora C" in (message.header("To") or "")
    assert message.header("Date")
    assert message.subject.startswith("Your booking: Consultation")
    assert "Hello Cora," in message.text
    assert "Erin Expert" in message.text
    assert stored.subject == message.subject
    assert stored.body is not None
    assert stored.body.strip() == message.text.replace("\r\n", "\n").strip()
    assert stored.sent_at is not None
    [entry] = await world.all(select(AuditEntry).where(audit.about("email", stored.id)))
    assert entry.operation == "emailSend"
    assert entry.outcome is Outcome.OK
    assert entry.message == f"To cora@example.com: {message.subject}"
    assert entry.subject("booking") == row.id

    # Sent once: another pass sends nothing more.
    await make_worker().run_once()
    assert len(sink.messages()) == 1


async def test_the_password_is_encrypted_and_never_shown(
    world: World,
    make_worker: WorkerFactory,
    sink: MailSink,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    maker = world.maker
    await smtp_settings(maker, sink.port, username="mailer", password=PASSWORD)
    async with maker() as session:
        raw = (await session.execute(text("SELECT password FROM smtp_settings"))).scalar_one()
    assert raw
    assert PASSWORD not in str(raw)

    row = await booking(maker, clock() + timedelta(days=3))
    await enqueue(maker, "booking_confirmed_customer", "cora@example.com", booking_id=row.id)
    with caplog.at_level(logging.DEBUG):
        await make_worker().run_once()

    [stored] = await emails(maker)
    # The sink offers no login on a plain connection: a permanent, explained failure.
    assert stored.state is EmailState.FAILED
    assert stored.last_error is not None
    assert "does not offer login" in stored.last_error
    entries = await world.all(select(AuditEntry).where(audit.about("email", stored.id)))
    assert [a.outcome for a in entries] == [Outcome.FAILED]
    for shown in [stored.last_error, caplog.text, *(a.message for a in entries)]:
        assert PASSWORD not in shown
    assert sink.messages() == []


async def test_server_down_is_retried_and_nothing_is_lost(
    world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    maker = world.maker
    port = _free_port()  # nothing listens here yet
    await smtp_settings(maker, port)
    row = await booking(maker, clock() + timedelta(days=3))
    await enqueue(maker, "booking_confirmed_customer", "cora@example.com", booking_id=row.id)

    worker = make_worker()
    await worker.run_once()
    [stored] = await emails(maker)
    assert stored.state is EmailState.PENDING
    assert stored.attempts == 1
    assert stored.not_before is not None
    assert stored.last_error is not None
    assert "refused the connection" in stored.last_error
    entries = await world.all(select(AuditEntry).where(audit.about("email", stored.id)))
    assert [a.outcome for a in entries] == [Outcome.RETRY]

    with MailSink(port=port) as sink:
        clock.advance(timedelta(minutes=1))
        await worker.run_once()
        [message] = sink.messages("cora@example.com")
    [stored] = await emails(maker)
    assert stored.state is EmailState.SENT
    assert message.header("Message-ID") == f"<{stored.id}@zoombridge>"


async def test_no_smtp_settings_leaves_emails_waiting(
    world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    row = await booking(world.maker, clock() + timedelta(days=3))
    await enqueue(world.maker, "booking_confirmed_customer", "cora@example.com", booking_id=row.id)
    await make_worker().run_once()
    [stored] = await emails(world.maker)
    assert stored.state is EmailState.PENDING
    assert stored.last_error is not None
    assert stored.last_error.startswith("No SMTP settings")
    assert stored.not_before is not None
    assert stored.not_before > clock()


async def test_refused_recipients_fail_or_wait_by_code(
    world: World, make_worker: WorkerFactory, clock: Clock, picky: tuple[_Picky, int]
) -> None:
    handler, port = picky
    maker = world.maker
    await smtp_settings(maker, port)
    row = await booking(maker, clock() + timedelta(days=3))
    for to in ("nobody@example.com", "busy@example.com", "cora@example.com"):
        await enqueue(maker, "booking_confirmed_customer", to, booking_id=row.id)

    await make_worker().run_once()

    by_to = {e.to_address: e for e in await emails(maker)}
    refused = by_to["nobody@example.com"]
    assert refused.state is EmailState.FAILED
    assert refused.last_error is not None
    assert "refused the recipient nobody@example.com (550" in refused.last_error
    busy = by_to["busy@example.com"]
    assert busy.state is EmailState.PENDING
    assert busy.attempts == 1
    assert busy.last_error is not None
    assert "451" in busy.last_error
    assert by_to["cora@example.com"].state is EmailState.SENT
    assert handler.accepted == ["cora@example.com"]


async def test_implicit_tls_against_a_plain_server_says_what_to_change(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    await smtp_settings(world.maker, sink.port, security=SmtpSecurity.TLS)
    row = await booking(world.maker, clock() + timedelta(days=3))
    await enqueue(world.maker, "booking_confirmed_customer", "cora@example.com", booking_id=row.id)
    await make_worker().run_once()
    [stored] = await emails(world.maker)
    assert stored.state is EmailState.FAILED
    assert stored.last_error is not None
    assert "TLS handshake" in stored.last_error
    assert "implicit TLS" in stored.last_error


async def test_starttls_against_a_server_without_it_fails_clearly(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    await smtp_settings(world.maker, sink.port, security=SmtpSecurity.STARTTLS)
    row = await booking(world.maker, clock() + timedelta(days=3))
    await enqueue(world.maker, "booking_confirmed_customer", "cora@example.com", booking_id=row.id)
    await make_worker().run_once()
    [stored] = await emails(world.maker)
    assert stored.state is EmailState.FAILED
    assert stored.last_error is not None
    assert "does not offer STARTTLS" in stored.last_error


def _meeting(world: World) -> tuple[int, str]:
    created = world.zoom(
        "POST",
        "/users/me/meetings",
        {"topic": "Consultation", "type": 2, "start_time": "2031-03-04T15:00:00Z", "duration": 30},
    ).json()
    return int(created["id"]), str(created["join_url"])


async def test_host_link_only_for_staff_fetched_at_send_time_and_never_stored(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    connection = await world.connect()
    maker = world.maker
    await smtp_settings(maker, sink.port)
    meeting_id, join_url = _meeting(world)
    row = await booking(
        maker,
        clock() + timedelta(days=3),
        connection_id=connection.id,
        zoom_meeting_id=meeting_id,
        join_url=join_url,
        passcode="12345678",
    )
    staff = await employee_email(maker, row)
    async with maker() as session:
        # Stored past the API's checks (which refuse it): the customer still never gets it.
        session.add(
            EmailTemplate(
                key="booking_confirmed_customer",
                subject="Booked",
                body="Join: {zoom_meeting_url}\nHost: [{zoom_meeting_url_host}]\n",
            )
        )
        await session.commit()
    await enqueue(maker, "booking_confirmed_customer", "cora@example.com", booking_id=row.id)
    await enqueue(maker, "booking_confirmed_staff", staff, booking_id=row.id)
    gets_before = world.admin.stats()["routes"].get("meeting", 0)

    await make_worker().run_once()

    # Exactly one GET of the meeting: the staff email's, at send time.
    assert world.admin.stats()["routes"].get("meeting", 0) == gets_before + 1
    [customer] = sink.messages("cora@example.com")
    assert f"Join: {join_url}" in customer.text
    assert "Host: []" in customer.text
    [employee] = sink.messages(staff)
    host_line = next(
        line for line in employee.text.splitlines() if line.startswith("Start the meeting")
    )
    start_url = host_line.split(": ", 1)[1].strip()
    assert start_url.startswith("http")
    assert start_url != join_url
    assert "12345678" in employee.text

    by_to = {e.to_address: e for e in await emails(maker)}
    stored = by_to[staff]
    assert stored.state is EmailState.SENT
    assert stored.body is not None
    assert HOST_LINK_STAND_IN in stored.body
    assert start_url not in stored.body
    entries = await world.all(select(AuditEntry).where(audit.about("email", stored.id)))
    assert sorted(a.operation for a in entries) == ["emailSend", "meetingGet"]
    fetch = next(a for a in entries if a.operation == "meetingGet")
    assert fetch.subject("connection") == connection.id
    assert fetch.subject("booking") == row.id
    assert all(start_url not in a.message for a in entries)


async def test_emails_wait_for_the_bookings_meeting(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    connection = await world.connect()
    maker = world.maker
    await smtp_settings(maker, sink.port)
    row = await booking(maker, clock() + timedelta(days=3), connection_id=connection.id)
    async with maker() as session:
        # The meeting is not created yet (and kept out of the booking sync's way).
        await session.execute(
            update(Booking)
            .where(Booking.id == row.id)
            .values(
                meeting_want=LinkWant.PRESENT,
                meeting_state=LinkState.PENDING,
                desired_version=1,
                synced_version=0,
                not_before=clock() + timedelta(days=365),
            )
        )
        await session.commit()
    await enqueue(
        maker,
        "booking_confirmed_customer",
        "cora@example.com",
        booking_id=row.id,
        wait_for_version=1,
    )
    worker = make_worker()
    await worker.run_once()
    [stored] = await emails(maker)
    assert stored.state is EmailState.PENDING
    assert sink.messages() == []
    assert stored.last_error is not None
    assert "Waiting for the booking's Zoom meeting" in (stored.last_error)

    async with maker() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == row.id)
            .values(meeting_state=LinkState.FAILED, last_error="The host has no Zoom licence.")
        )
        await session.commit()
    clock.advance(timedelta(seconds=10))
    await worker.run_once()
    [stored] = await emails(maker)
    assert stored.state is EmailState.PENDING
    assert sink.messages() == []
    assert stored.last_error is not None
    assert "The host has no Zoom licence." in stored.last_error

    meeting_id, join_url = _meeting(world)
    async with maker() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == row.id)
            .values(
                meeting_state=LinkState.SYNCED,
                synced_version=1,
                zoom_meeting_id=meeting_id,
                join_url=join_url,
                last_error=None,
            )
        )
        await session.commit()
    clock.advance(timedelta(seconds=10))
    await worker.run_once()
    [message] = sink.messages("cora@example.com")
    assert join_url in message.text
    [stored] = await emails(maker)
    assert stored.state is EmailState.SENT


async def test_a_staff_email_of_a_meeting_gone_from_zoom_goes_without_host_link(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    connection = await world.connect()
    await smtp_settings(world.maker, sink.port)
    meeting_id, join_url = _meeting(world)
    row = await booking(
        world.maker,
        clock() + timedelta(days=3),
        connection_id=connection.id,
        zoom_meeting_id=meeting_id,
        join_url=join_url,
    )
    assert world.zoom("DELETE", f"/meetings/{meeting_id}").status_code == 204
    staff = await employee_email(world.maker, row)
    async with world.maker() as session:
        session.add(
            EmailTemplate(
                key="booking_cancelled_staff",
                subject="Cancelled",
                body="Cancelled. Host: [{zoom_meeting_url_host}]\n",
            )
        )
        await session.commit()
    await enqueue(world.maker, "booking_cancelled_staff", staff, booking_id=row.id)

    await make_worker().run_once()

    [message] = sink.messages(staff)
    assert "Host: []" in message.text
    [stored] = await emails(world.maker)
    assert stored.state is EmailState.SENT
