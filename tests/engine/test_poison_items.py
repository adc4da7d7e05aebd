"""One poison item per worker step, next to good ones: the good ones complete, the bad one is
stopped with its reason on its own row (shown in the API and the UI), and the pass goes on to
attendance and the drift check.

Each poison is a value the code cannot handle, stored the way old data or another program
would have stored it (directly in the database, past the checks at entry).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text, update

from tests.attendance.events import ended_event, participant_event, signed
from tests.fixtures.api import ApiHarness
from tests.fixtures.db_faults import allow_inserts, refuse_inserts
from tests.notifications.helpers import booking, emails, smtp_settings
from tests.security.helpers import signed_in_client
from tests.sync.conftest import START, Clock, WorkerFactory, World
from zoombridge.attendance.models import AttendanceMark, AttendancePull
from zoombridge.bookings.models import Booking, Service
from zoombridge.connections.models import ZoomConnection, ZoomKind
from zoombridge.engine.models import InboundWebhook
from zoombridge.events.models import Event, LinkMode, LinkState, LinkWant, MeetingLink
from zoombridge.notifications import outbox
from zoombridge.notifications.models import EmailState, Reminder, ReminderState
from zoombridge.notifications.sink import MailSink
from zoombridge.orders.models import Registration, RegistrationState, RegistrationWant
from zoombridge.worker import Worker

PASSWORD = "poison-Pa55word!"


async def until(worker: Worker, done: Any, passes: int = 40) -> None:
    for _ in range(passes):
        await worker.run_once()
        if await done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the worker did not get there")


async def synced_link(world: World, worker: Worker, **kw: Any) -> tuple[Event, MeetingLink]:
    event, link = await world.event(**kw)

    async def created() -> bool:
        row = await world.get(MeetingLink, link.id)
        return bool(row.state is LinkState.SYNCED and row.zoom_meeting_id)

    await until(worker, created)
    return event, await world.get(MeetingLink, link.id)


async def deliver(api: ApiHarness, connection_id: Any, body: dict[str, Any]) -> None:
    raw, headers = signed(body)
    answer = await api.anonymous.post(
        f"/webhooks/zoom/{connection_id}", content=raw, headers=headers
    )
    assert answer.status_code == 200, answer.text


async def broken_secret_connection(world: World) -> ZoomConnection:
    """A connection whose client secret was encrypted with a key this process does not have
    (a key rotation gone wrong): reading it fails."""
    connection = await world.connect(name="Lost key")
    async with world.maker() as session, session.begin():
        await session.execute(
            text("UPDATE zoom_connections SET client_secret = :junk WHERE id = :id"),
            {"junk": "gAAAAABlost-key-token", "id": connection.id.hex},
        )
    return connection


async def ui_page(api: ApiHarness, path: str) -> str:
    """The page as a signed-in organiser sees it."""
    client, _ = await signed_in_client(api, f"staff-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)
    try:
        page = await client.get(path)
    finally:
        await client.aclose()
    assert page.status_code == 200, page.text
    return page.text


# --- emails ---------------------------------------------------------------------------------


async def test_an_email_that_cannot_be_built_fails_alone_and_names_are_sent_safely(
    api: ApiHarness, world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    maker = world.maker
    # Stored before line breaks were refused at entry: sent folded onto one line.
    await smtp_settings(maker, sink.port, from_name="Desk\r\nBcc: spy@example.com")
    row = await booking(maker, clock() + timedelta(days=3))
    async with maker() as session:
        for address, name in [
            ("cora@example.com", "Cora C"),
            ("eve@example.com", "Eve\nBcc: x@example.com"),
            ("broken\n@example.com", "Broken"),  # no header can hold this address
            ("dora@example.com", "Dora D"),
        ]:
            await outbox.enqueue(
                session, "booking_confirmed_customer", address, to_name=name, booking_id=row.id
            )
        await session.commit()

    await make_worker().run_once()

    by_address = {e.to_address: e for e in await emails(maker)}
    assert by_address["cora@example.com"].state is EmailState.SENT
    assert by_address["dora@example.com"].state is EmailState.SENT
    assert by_address["eve@example.com"].state is EmailState.SENT
    bad = by_address["broken\n@example.com"]
    assert bad.state is EmailState.FAILED
    assert bad.lease_owner is None
    assert bad.last_error is not None
    assert "CR or LF" in bad.last_error
    [eve] = sink.messages("eve@example.com")
    to_header = eve.header("To") or ""
    assert "Eve Bcc: x@example.com" in to_header
    assert to_header.endswith("<eve@example.com>")
    assert eve.header("Bcc") is None
    assert "Desk Bcc: spy@example.com" in (eve.header("From") or "")
    everyone = {r for m in sink.messages() for r in m.rcpt_tos}
    assert everyone == {"cora@example.com", "dora@example.com", "eve@example.com"}

    answer = await api.http.get("/api/v1/emails", params={"state": "failed"})
    assert [(e["to_address"], "CR or LF" in e["last_error"]) for e in answer.json()["items"]] == [
        ("broken\n@example.com", True)
    ]
    assert "CR or LF" in await ui_page(api, "/emails?state=failed")


# --- registrations --------------------------------------------------------------------------


async def test_a_registration_zoom_cannot_take_and_a_meeting_that_cannot_be_read_fail_alone(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    worker = make_worker()
    _, good_link = await synced_link(world, worker)
    await world.register(good_link, [f"guest{i}@example.com" for i in range(5)])
    async with world.maker() as session, session.begin():
        session.add(
            Registration(
                link_id=good_link.id,
                email="nobody at example.com",  # imported by another program, unchecked
                first_name="No",
                last_name="Body",
                want=RegistrationWant.REGISTERED,
            )
        )
    # A second meeting on a connection whose secret cannot be read: its rows fail, alone.
    lost = await broken_secret_connection(world)
    async with world.maker() as session, session.begin():
        event = Event(
            connection_id=lost.id,
            kind=ZoomKind.WEBINAR,
            topic="Lost",
            agenda="",
            start_at=START,
            timezone="UTC",
            duration_minutes=30,
        )
        session.add(event)
        await session.flush()
        lost_link = MeetingLink(
            event_id=event.id,
            connection_id=lost.id,
            kind=ZoomKind.WEBINAR,
            mode=LinkMode.LINKED,
            zoom_meeting_id=81234567890,
            state=LinkState.SYNCED,
            desired_version=1,
            synced_version=1,
        )
        session.add(lost_link)
    await world.register(lost_link, ["orphan@example.com"])

    async def settled() -> bool:
        rows = await world.all(select(Registration))
        return all(
            r.state in (RegistrationState.REGISTERED, RegistrationState.FAILED) for r in rows
        )

    await until(worker, settled)
    rows = {r.email: r for r in await world.all(select(Registration))}
    assert {e for e, r in rows.items() if r.state is RegistrationState.REGISTERED} == {
        f"guest{i}@example.com" for i in range(5)
    }
    assert set(world.registrants(int(good_link.zoom_meeting_id or 0))) == {
        f"guest{i}@example.com" for i in range(5)
    }
    nameless = rows["nobody at example.com"]
    assert nameless.state is RegistrationState.FAILED
    assert "cannot be registered on Zoom" in (nameless.last_error or "")
    orphan = rows["orphan@example.com"]
    assert orphan.state is RegistrationState.FAILED
    assert orphan.lease_owner is None
    assert "SecretDecryptionError" in (orphan.last_error or "")


# --- meeting links --------------------------------------------------------------------------


async def test_a_link_whose_event_cannot_be_sent_fails_alone(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    await world.connect()
    _, good_link = await world.event(topic="Good")
    bad_event, bad_link = await world.event(topic="Bad")
    async with world.maker() as session, session.begin():
        # A time zone Python does not know (stored by another program, or an old tzdata).
        await session.execute(
            update(Event).where(Event.id == bad_event.id).values(timezone="Mars/Olympus_Mons")
        )

    worker = make_worker()

    async def settled() -> bool:
        rows = await world.all(select(MeetingLink))
        return all(r.state in (LinkState.SYNCED, LinkState.FAILED) for r in rows)

    await until(worker, settled)
    good = await world.get(MeetingLink, good_link.id)
    bad = await world.get(MeetingLink, bad_link.id)
    assert good.state is LinkState.SYNCED
    assert world.meeting(int(good.zoom_meeting_id))["topic"] == "Good"
    assert bad.state is LinkState.FAILED
    assert bad.zoom_meeting_id is None
    assert "Mars/Olympus_Mons" in (bad.last_error or "")

    view = (await api.http.get(f"/api/v1/events/{bad_event.id}")).json()
    assert "Mars/Olympus_Mons" in view["links"][0]["last_error"]
    assert "Mars/Olympus_Mons" in await ui_page(api, f"/events/{bad_event.id}")


# --- bookings' meetings ---------------------------------------------------------------------


async def test_a_booking_whose_template_cannot_be_filled_fails_alone(
    api: ApiHarness, world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    connection = await world.connect()
    start = clock() + timedelta(days=5)
    good = await booking(world.maker, start, connection_id=connection.id)
    bad = await booking(world.maker, start + timedelta(hours=2), connection_id=connection.id)
    async with world.maker() as session, session.begin():
        for row in (good, bad):
            await session.execute(
                update(Booking)
                .where(Booking.id == row.id)
                .values(
                    meeting_want=LinkWant.PRESENT, meeting_state=LinkState.PENDING, synced_version=0
                )
            )
        # A topic template saved before templates were checked: an unclosed brace.
        await session.execute(
            update(Service)
            .where(Service.id == bad.service_id)
            .values(topic_template="Call with {customer_name")
        )

    worker = make_worker()

    async def settled() -> bool:
        rows = [await world.get(Booking, b.id) for b in (good, bad)]
        return all(r.meeting_state in (LinkState.SYNCED, LinkState.FAILED) for r in rows)

    await until(worker, settled)
    assert (await world.get(Booking, good.id)).meeting_state is LinkState.SYNCED
    failed = await world.get(Booking, bad.id)
    assert failed.meeting_state is LinkState.FAILED
    assert failed.lease_owner is None
    assert "cannot be sent to Zoom as it is" in (failed.last_error or "")

    shown = (await api.http.get(f"/api/v1/bookings/{bad.id}")).json()
    assert shown["meeting"]["state"] == "failed"
    assert shown["meeting"]["last_error"] == failed.last_error
    assert "cannot be sent to Zoom as it is" in await ui_page(api, f"/bookings/{bad.id}")


# --- reminders ------------------------------------------------------------------------------


async def test_a_reminder_whose_email_cannot_be_stored_fails_alone(
    api: ApiHarness, world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    start = clock() + timedelta(days=3)
    good = await booking(world.maker, start)
    bad = await booking(world.maker, start + timedelta(hours=1))
    async with world.maker() as session, session.begin():
        await session.execute(
            update(Booking).where(Booking.id == bad.id).values(customer_email="poison@example.com")
        )
        for row in (good, bad):
            session.add(
                Reminder(
                    target_key=f"booking:{row.id}",
                    booking_id=row.id,
                    offset="1d",
                    start_at=row.start_at,
                    due_at=clock() - timedelta(minutes=1),
                    state=ReminderState.PLANNED,
                )
            )
    # The database refuses the email this reminder makes (a constraint a DBA added, say).
    await refuse_inserts(world.maker, "outbound_emails", "NEW.to_address = 'poison@example.com'")
    try:
        await make_worker().run_once()
    finally:
        await allow_inserts(world.maker, "outbound_emails")

    reminders = {r.booking_id: r for r in await world.all(select(Reminder))}
    assert reminders[good.id].state is ReminderState.QUEUED
    assert reminders[bad.id].state is ReminderState.FAILED
    assert "refused by the database" in reminders[bad.id].note
    queued = {e.to_address for e in await emails(world.maker)}
    assert queued == {"cora@example.com"}

    shown = (await api.http.get("/api/v1/reminders", params={"booking_id": str(bad.id)})).json()[
        "items"
    ]
    assert [(r["state"], "refused by the database" in r["note"]) for r in shown] == [
        ("failed", True)
    ]


# --- webhook events, attendance pulls, and the pass going on to the drift check ---------------


async def test_a_webhook_event_and_an_attendance_pull_that_fail_stay_alone_and_drift_still_runs(
    api: ApiHarness, world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    connection = await world.connect()
    worker = make_worker(drift_check_every=timedelta(seconds=0))
    event, link = await synced_link(world, worker)
    meeting_id = int(link.zoom_meeting_id or 0)
    instance = world.admin.attendance(
        meeting_id, [{"name": "Ann", "email": "ann@example.com", "segments": [[0, 1800]]}]
    )
    at = START + timedelta(minutes=5)
    good = participant_event(
        "joined",
        meeting_id,
        instance["uuid"],
        email="bo@example.com",
        name="Bo",
        connection="c-bo",
        at=at,
    )
    # A timestamp no calendar holds (year 146,140 and later): stored, but not applicable.
    poison = participant_event(
        "left",
        meeting_id,
        instance["uuid"],
        email="zed@example.com",
        name="Zed",
        connection="c-zed",
        at=at,
        event_ts=2**62,
    )
    poison["payload"]["object"]["participant"]["leave_time"] = "not a time"
    for body in (good, poison):
        await deliver(api, connection.id, body)
    await deliver(api, connection.id, ended_event(meeting_id, instance["uuid"]))
    # A second meeting whose connection cannot be read: its report pull fails, alone.
    lost = await broken_secret_connection(world)
    async with world.maker() as session, session.begin():
        lost_link = MeetingLink(
            event_id=event.id,
            connection_id=lost.id,
            kind=ZoomKind.WEBINAR,
            mode=LinkMode.LINKED,
            zoom_meeting_id=81234567891,
            state=LinkState.DELETED,
            desired_version=1,
            synced_version=1,
        )
        session.add(lost_link)
        await session.flush()
        session.add(AttendancePull(link_id=lost_link.id, instance_uuid="lost-instance"))
    before = (await world.get(MeetingLink, link.id)).last_checked_at
    clock.advance(timedelta(seconds=1))

    await worker.run_once()
    await worker.run_once()

    stored = {
        w.payload["payload"]["object"]["participant"]["email"]: w
        for w in await world.all(
            select(InboundWebhook).where(InboundWebhook.event.like("%participant%"))
        )
    }
    assert stored["bo@example.com"].processed_at is not None
    assert stored["zed@example.com"].processed_at is None
    assert "OverflowError" in (stored["zed@example.com"].error or "") or "ValueError" in (
        stored["zed@example.com"].error or ""
    )
    marks = {m.email for m in await world.all(select(AttendanceMark))}
    assert "bo@example.com" in marks
    assert "ann@example.com" in marks  # the report of the good meeting was pulled
    assert "zed@example.com" not in marks
    pulls = {p.instance_uuid: p for p in await world.all(select(AttendancePull))}
    assert pulls[instance["uuid"]].done_at is not None
    assert pulls["lost-instance"].failed
    assert "SecretDecryptionError" in (pulls["lost-instance"].last_error or "")
    # The drift check ran after them: the good meeting was compared with Zoom again.
    after = (await world.get(MeetingLink, link.id)).last_checked_at
    assert after is not None
    assert before is None or after > before
    assert worker.step_failures == {}

    # Shown: the event's attendance reports in the API and on the event page.
    attendance = (await api.http.get(f"/api/v1/events/{event.id}/attendance")).json()
    failed = [p for p in attendance["pulls"] if p["state"] == "failed"]
    assert [p["instance_uuid"] for p in failed] == ["lost-instance"]
    assert "SecretDecryptionError" in await ui_page(api, f"/events/{event.id}")

    # The event that cannot be applied is tried a few times, then left with its reason.
    for _ in range(5):
        await worker.run_once()
    answer = await api.http.get(
        f"/api/v1/connections/{connection.id}/webhook-events", params={"state": "failed"}
    )
    assert [e["event"] for e in answer.json()["items"]] == ["webinar.participant_left"]
    assert answer.json()["items"][0]["error"]
    assert "webinar.participant_left" in await ui_page(api, f"/connections/{connection.id}")
