"""Bookings' meetings: created on the employee's Zoom user, moved, reassigned, deleted — and kept
whole through faults, lost answers, lost leases and deletions made in Zoom (B1, B4)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.sync.conftest import START, Clock, WorkerFactory, World
from zoombridge.bookings.models import Booking, Employee, Service
from zoombridge.bookings.tasks import claim_bookings, meeting_body, sync_booking
from zoombridge.bookings.values import booking_values
from zoombridge.engine import audit
from zoombridge.engine.models import AuditEntry, Outcome
from zoombridge.events.models import LinkState, LinkWant

PASSCODE = "48213907"


@dataclass
class Staff:
    service: Service
    anna: Employee  # the account's owner, host@example.com
    ben: Employee  # a second Zoom user of the account
    anna_user: str
    ben_user: str


async def staff(world: World, **service_fields: Any) -> Staff:
    connection = await world.connect()
    owner = world.admin.account("sim-account")["owner"]
    second = world.admin.add_user(
        "sim-account", email="ben@example.com", first_name="Ben", last_name="Berg", type=2
    )
    async with world.maker() as session:
        fields: dict[str, Any] = {
            "name": "Consultation",
            "duration_minutes": 45,
            "zoom_enabled": True,
            "connection_id": connection.id,
            "topic_template": "{service_name}: {customer_name} with {employee_name}",
            "description_template": "Booked for {booking_start}.\n{booking_notes}",
        }
        fields.update(service_fields)
        service = Service(**fields)
        anna = Employee(
            name="Anna Aalto",
            email="anna@example.com",
            connection_id=connection.id,
            zoom_user_id=owner["id"],
            zoom_user_email=owner["email"],
        )
        ben = Employee(
            name="Ben Berg",
            email="ben@example.com",
            connection_id=connection.id,
            zoom_user_id=second["id"],
            zoom_user_email=second["email"],
        )
        session.add_all([service, anna, ben])
        await session.commit()
    return Staff(service, anna, ben, owner["id"], second["id"])


async def book(
    world: World,
    team: Staff,
    *,
    employee: Employee | None = None,
    passcode: str | None = PASSCODE,
    start_minutes: int = 0,
) -> Booking:
    start = START + timedelta(minutes=start_minutes)
    async with world.maker() as session:
        booking = Booking(
            service_id=team.service.id,
            employee_id=(employee or team.anna).id,
            customer_first_name="Chris",
            customer_last_name="Customer",
            customer_email="chris@example.com",
            notes="Bring the contract.",
            start_at=start,
            end_at=start + timedelta(minutes=45),
            timezone="Europe/Helsinki",
            duration_minutes=45,
            meeting_want=LinkWant.PRESENT,
            meeting_state=LinkState.PENDING,
            desired_version=1,
            synced_version=0,
            passcode=passcode,
        )
        session.add(booking)
        await session.commit()
    return booking


async def change(world: World, booking_id: uuid.UUID, **fields: Any) -> None:
    """What the bookings service does on a change Zoom must see: bump and make due."""
    async with world.maker() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        for name, value in fields.items():
            setattr(booking, name, value)
        booking.desired_version += 1
        booking.meeting_state = LinkState.PENDING
        booking.not_before = None
        booking.attempts = 0
        await session.commit()


def meetings_of(world: World, user_id: str) -> list[int]:
    listed = world.zoom("GET", f"/users/{user_id}/meetings?page_size=300").json()
    return [m["id"] for m in listed["meetings"]]


def in_zoom(world: World, meeting_id: int) -> httpx.Response:
    return world.zoom("GET", f"/meetings/{meeting_id}")


class Hooked(httpx.AsyncBaseTransport):
    """The worker's real transport, recording each request and running `before` first."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[tuple[str, str, dict[str, Any] | None]] = []
        self.before: Callable[[httpx.Request], Awaitable[None]] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.sent.append((request.method, request.url.path, body))
        if self.before is not None:
            await self.before(request)
        return await self.inner.handle_async_request(request)

    def creates(self) -> list[dict[str, Any]]:
        return [
            body or {}
            for method, path, body in self.sent
            if method == "POST" and path.endswith("/meetings")
        ]


@pytest.fixture
def hooked(zoom_transport: httpx.AsyncBaseTransport) -> Hooked:
    return Hooked(zoom_transport)


def test_booking_values_are_in_the_bookings_timezone() -> None:
    service = Service(name="Consultation", duration_minutes=45)
    employee = Employee(name="Anna Aalto", email="anna@example.com")
    booking = Booking(
        id=uuid.UUID(int=7),
        customer_first_name="Chris",
        customer_last_name="",
        customer_email="chris@example.com",
        customer_phone="",
        notes="",
        start_at=START,  # 15:00 UTC = 17:00 in Helsinki (EET)
        end_at=START + timedelta(minutes=45),
        timezone="Europe/Helsinki",
        duration_minutes=45,
    )
    values = booking_values(booking, service, employee)
    assert values["booking_date"] == "2031-03-04"
    assert values["booking_time"] == "17:00"
    assert values["booking_start"] == "Tuesday 4 March 2031, 17:00 (Europe/Helsinki)"
    assert values["booking_end"] == "Tuesday 4 March 2031, 17:45 (Europe/Helsinki)"
    assert values["customer_name"] == "Chris"
    assert values["booking_duration"] == "45"
    assert values["booking_id"] == str(uuid.UUID(int=7))


def test_long_templates_are_fitted_to_zooms_limits() -> None:
    service = Service(
        name="Consultation",
        duration_minutes=45,
        topic_template="{customer_name} " + "x" * 300,
        description_template="y" * 2500,
    )
    employee = Employee(name="Anna Aalto", email="anna@example.com")
    booking = Booking(
        customer_first_name="Chris",
        customer_last_name="",
        customer_email="chris@example.com",
        start_at=START,
        end_at=START + timedelta(minutes=45),
        timezone="Europe/Helsinki",
        duration_minutes=45,
        passcode=None,
    )
    body = meeting_body(booking, service, employee)
    assert body.topic.startswith("Chris xxx")
    assert len(body.topic) == 200
    assert body.agenda is not None
    assert len(body.agenda) == 2000
    assert body.password is None


async def test_created_on_the_employees_user_then_rescheduled(
    world: World, make_worker: WorkerFactory
) -> None:
    team = await staff(world)
    booking = await book(world, team)
    worker = make_worker()
    assert await worker.run_once() == 1

    row = await world.get(Booking, booking.id)
    assert row.meeting_state is LinkState.SYNCED
    assert row.synced_version == 1
    assert row.zoom_host_id == team.anna_user
    assert row.join_url
    assert row.confirmed_start_at == START
    assert row.meeting_synced_at is not None
    assert row.attempts == 0
    meeting = in_zoom(world, row.zoom_meeting_id).json()
    assert meeting["host_id"] == team.anna_user
    assert meeting["topic"] == "Consultation: Chris Customer with Anna Aalto"
    assert meeting["agenda"] == (
        "Booked for Tuesday 4 March 2031, 17:00 (Europe/Helsinki).\nBring the contract."
    )
    assert meeting["password"] == PASSCODE
    assert meeting["type"] == 2
    assert meeting["duration"] == 45
    assert meeting["timezone"] == "Europe/Helsinki"
    created = await world.all(select(AuditEntry).where(audit.about("booking", booking.id)))
    assert [(e.operation, e.outcome) for e in created] == [("meetingCreate", Outcome.OK)]
    assert created[0].subject("connection") == team.service.connection_id

    # Rescheduled a day later: the same meeting moves.
    later = START + timedelta(days=1)
    await change(world, booking.id, start_at=later, end_at=later + timedelta(minutes=45))
    assert await worker.run_once() == 1

    moved = await world.get(Booking, booking.id)
    assert moved.zoom_meeting_id == row.zoom_meeting_id
    assert moved.meeting_state is LinkState.SYNCED
    assert moved.synced_version == 2
    assert moved.confirmed_start_at == later
    meeting = in_zoom(world, row.zoom_meeting_id).json()
    assert meeting["start_time"] == "2031-03-05T15:00:00Z"
    assert meeting["agenda"].startswith("Booked for Wednesday 5 March 2031, 17:00")
    assert meetings_of(world, team.anna_user) == [row.zoom_meeting_id]
    assert await worker.run_once() == 0  # nothing left to do


async def test_reassigned_booking_moves_to_the_new_employees_user(
    world: World, make_worker: WorkerFactory
) -> None:
    team = await staff(world)
    booking = await book(world, team)
    worker = make_worker()
    await worker.run_once()
    old = (await world.get(Booking, booking.id)).zoom_meeting_id

    await change(world, booking.id, employee_id=team.ben.id)
    await worker.run_once()

    row = await world.get(Booking, booking.id)
    assert row.meeting_state is LinkState.SYNCED
    assert row.zoom_meeting_id != old
    assert row.zoom_host_id == team.ben_user
    assert in_zoom(world, old).status_code == 404
    assert meetings_of(world, team.anna_user) == []
    assert meetings_of(world, team.ben_user) == [row.zoom_meeting_id]
    meeting = in_zoom(world, row.zoom_meeting_id).json()
    assert meeting["topic"] == "Consultation: Chris Customer with Ben Berg"
    assert meeting["password"] == PASSCODE


async def test_cancelled_booking_deletes_its_meeting(
    world: World, make_worker: WorkerFactory
) -> None:
    team = await staff(world)
    booking = await book(world, team)
    worker = make_worker()
    await worker.run_once()
    meeting_id = (await world.get(Booking, booking.id)).zoom_meeting_id

    await change(world, booking.id, meeting_want=LinkWant.ABSENT)
    assert await worker.run_once() == 1

    row = await world.get(Booking, booking.id)
    assert row.meeting_state is LinkState.DELETED
    assert row.last_error is None
    assert row.synced_version == row.desired_version
    assert in_zoom(world, meeting_id).status_code == 404
    assert meetings_of(world, team.anna_user) == []
    deletes = await world.all(
        select(AuditEntry).where(
            audit.about("booking", booking.id), AuditEntry.operation == "meetingDelete"
        )
    )
    assert [e.outcome for e in deletes] == [Outcome.OK]


async def test_without_a_passcode_none_of_ours_is_sent(
    world: World, make_worker: WorkerFactory, hooked: Hooked
) -> None:
    team = await staff(world)
    booking = await book(world, team, passcode=None)
    await make_worker(transport=hooked).run_once()

    row = await world.get(Booking, booking.id)
    assert row.meeting_state is LinkState.SYNCED
    [sent] = hooked.creates()
    assert "password" not in sent
    assert sent["topic"] == "Consultation: Chris Customer with Anna Aalto"


async def test_meeting_deleted_in_zoom_is_made_again_on_the_next_change(
    world: World, make_worker: WorkerFactory
) -> None:
    team = await staff(world)
    booking = await book(world, team)
    worker = make_worker()
    await worker.run_once()
    gone = (await world.get(Booking, booking.id)).zoom_meeting_id
    assert world.zoom("DELETE", f"/meetings/{gone}").status_code == 204

    later = START + timedelta(hours=2)
    await change(world, booking.id, start_at=later, end_at=later + timedelta(minutes=45))
    await worker.run_once()

    row = await world.get(Booking, booking.id)
    assert row.meeting_state is LinkState.SYNCED
    assert row.zoom_meeting_id not in (None, gone)
    assert row.last_error is None
    assert meetings_of(world, team.anna_user) == [row.zoom_meeting_id]
    meeting = in_zoom(world, row.zoom_meeting_id).json()
    assert meeting["start_time"] == "2031-03-04T17:00:00Z"
    assert meeting["password"] == PASSCODE
    entries = await world.all(select(AuditEntry).where(audit.about("booking", booking.id)))
    assert [e.outcome for e in entries if e.operation == "meetingUpdate"] == [Outcome.FAILED]
    creates = sorted(e.message for e in entries if e.operation == "meetingCreate")
    assert creates == ["", "Deleted in Zoom by someone; made again."]


async def test_a_zoom_outage_is_retried_and_the_change_is_not_lost(
    world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    team = await staff(world)
    booking = await book(world, team)
    worker = make_worker()
    await worker.run_once()
    meeting_id = (await world.get(Booking, booking.id)).zoom_meeting_id

    later = START + timedelta(hours=3)
    await change(world, booking.id, start_at=later, end_at=later + timedelta(minutes=45))
    world.admin.faults(error_rate=1.0)
    try:
        await worker.run_once()
    finally:
        world.admin.faults(error_rate=0.0)

    waiting = await world.get(Booking, booking.id)
    assert waiting.meeting_state is LinkState.PENDING
    assert waiting.synced_version == 1
    assert waiting.attempts == 1
    assert waiting.not_before is not None
    assert waiting.last_error is not None
    assert "trying again" in waiting.last_error
    assert waiting.lease_owner is None

    clock.advance(timedelta(minutes=1))  # past the backoff
    await worker.run_once()

    row = await world.get(Booking, booking.id)
    assert row.meeting_state is LinkState.SYNCED
    assert row.synced_version == 2
    assert row.last_error is None
    assert row.zoom_meeting_id == meeting_id
    assert in_zoom(world, meeting_id).json()["start_time"] == "2031-03-04T18:00:00Z"
    updates = await world.all(
        select(AuditEntry).where(
            audit.about("booking", booking.id), AuditEntry.operation == "meetingUpdate"
        )
    )
    assert sorted(e.outcome.value for e in updates) == sorted(
        [Outcome.RETRY.value, Outcome.OK.value]
    )


async def test_a_create_whose_answer_was_lost_is_found_not_repeated(
    world: World, make_worker: WorkerFactory, hooked: Hooked
) -> None:
    team = await staff(world)
    booking = await book(world, team)
    # A worker noted its attempt, sent the create, Zoom made the meeting, the worker died.
    made = world.zoom(
        "POST",
        f"/users/{team.anna_user}/meetings",
        {
            "topic": "Consultation: Chris Customer with Anna Aalto",
            "type": 2,
            "start_time": "2031-03-04T15:00:00Z",
            "duration": 45,
            "password": PASSCODE,
        },
    ).json()
    async with world.maker() as session:
        stored = await session.get(Booking, booking.id)
        assert stored is not None
        stored.attempts = 1
        await session.commit()

    await make_worker(transport=hooked).run_once()

    row = await world.get(Booking, booking.id)
    assert row.zoom_meeting_id == made["id"]
    assert row.meeting_state is LinkState.SYNCED
    assert hooked.creates() == []
    assert meetings_of(world, team.anna_user) == [made["id"]]


async def test_an_outcome_is_not_recorded_once_the_lease_is_lost(
    world: World, make_worker: WorkerFactory, hooked: Hooked, clock: Clock
) -> None:
    team = await staff(world)
    booking = await book(world, team)

    async def lose_lease(request: httpx.Request) -> None:
        # While the create is on its way, the lease expires and another worker takes the row.
        if request.method == "POST" and request.url.path.endswith("/meetings"):
            async with world.maker() as session:
                stored = await session.get(Booking, booking.id)
                assert stored is not None
                stored.lease_owner = "someone-else"
                await session.commit()

    hooked.before = lose_lease
    first = make_worker(worker_id="first", transport=hooked)
    await first.run_once()
    hooked.before = None

    row = await world.get(Booking, booking.id)
    assert row.lease_owner == "someone-else"
    assert row.zoom_meeting_id is None  # not ours to record any more
    assert row.meeting_state is LinkState.PENDING
    assert row.attempts == 1  # noted before the call
    [made] = meetings_of(world, team.anna_user)

    # "someone-else" died too; after its lease expires the next holder finds the meeting.
    clock.advance(timedelta(minutes=2))
    await make_worker(worker_id="second", transport=hooked).run_once()
    row = await world.get(Booking, booking.id)
    assert row.zoom_meeting_id == made
    assert row.meeting_state is LinkState.SYNCED
    assert len(hooked.creates()) == 1
    assert meetings_of(world, team.anna_user) == [made]


async def test_a_change_made_during_the_call_stays_pending(
    world: World, make_worker: WorkerFactory, hooked: Hooked
) -> None:
    team = await staff(world)
    booking = await book(world, team)
    later = START + timedelta(hours=1)

    async def reschedule(request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path.endswith("/meetings"):
            hooked.before = None
            await change(world, booking.id, start_at=later, end_at=later + timedelta(minutes=45))

    hooked.before = reschedule
    worker = make_worker(transport=hooked)
    await worker.run_once()

    row = await world.get(Booking, booking.id)
    assert row.zoom_meeting_id is not None  # the meeting made is recorded...
    assert row.meeting_state is LinkState.PENDING  # ...but the newer version is still due
    assert row.synced_version == 0
    assert row.desired_version == 2

    await worker.run_once()
    row = await world.get(Booking, booking.id)
    assert row.meeting_state is LinkState.SYNCED
    assert row.synced_version == 2
    assert in_zoom(world, row.zoom_meeting_id).json()["start_time"] == "2031-03-04T16:00:00Z"


async def test_an_employee_whose_zoom_user_is_gone_fails_with_a_reason(
    world: World, make_worker: WorkerFactory
) -> None:
    team = await staff(world)
    async with world.maker() as session:
        anna = await session.get(Employee, team.anna.id)
        assert anna is not None
        anna.zoom_user_id = "gone-user-id"
        anna.zoom_user_email = "gone@example.com"
        await session.commit()
    booking = await book(world, team)
    await make_worker().run_once()

    row = await world.get(Booking, booking.id)
    assert row.meeting_state is LinkState.FAILED
    assert row.last_error is not None
    assert "Anna Aalto's Zoom user (gone@example.com) no longer exists" in row.last_error
    assert meetings_of(world, team.anna_user) == []


async def test_a_claimed_booking_held_by_another_worker_is_left_alone(
    world: World, make_worker: WorkerFactory
) -> None:
    team = await staff(world)
    booking = await book(world, team)
    first, second = make_worker(worker_id="first"), make_worker(worker_id="second")
    assert await claim_bookings(first.context) == [booking.id]
    assert await claim_bookings(second.context) == []
    assert await sync_booking(second.context, booking.id) is False
    assert await asyncio.gather(sync_booking(first.context, booking.id)) == [True]
    assert (await world.get(Booking, booking.id)).meeting_state is LinkState.SYNCED
