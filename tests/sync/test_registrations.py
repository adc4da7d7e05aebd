"""Registrations reach Zoom in batches (or one by one with occurrences), get cancelled, and
respect the 3-a-day limit per registrant — against the simulator over loopback."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.sync.conftest import Clock, WorkerFactory, World
from zoombridge.connections.models import ZoomKind
from zoombridge.engine import audit
from zoombridge.engine.models import AuditEntry, Outcome
from zoombridge.events.models import EventSession, LinkState, MeetingLink
from zoombridge.orders.models import Registration, RegistrationState, RegistrationWant
from zoombridge.zoom.daily_caps import next_utc_midnight


def emails(n: int, prefix: str = "p") -> list[str]:
    return [f"{prefix}{i}@example.com" for i in range(n)]


async def registrations(world: World, link: MeetingLink) -> dict[str, Registration]:
    rows = await world.all(select(Registration).where(Registration.link_id == link.id))
    return {r.email: r for r in rows}


async def test_registrations_go_in_batches_of_30(world: World, make_worker: WorkerFactory) -> None:
    _, link = await world.event(ZoomKind.WEBINAR)
    await world.register(link, emails(65))

    processed = await make_worker().run_once()

    assert processed >= 66
    link = await world.get(MeetingLink, link.id)
    assert link.state is LinkState.SYNCED
    assert link.zoom_meeting_id is not None
    in_zoom = world.registrants(link.zoom_meeting_id)
    assert sorted(in_zoom) == sorted(emails(65))
    assert {r["status"] for r in in_zoom.values()} == {"approved"}
    assert world.calls("addBatch") == math.ceil(65 / 30)
    rows = await registrations(world, link)
    assert {r.state for r in rows.values()} == {RegistrationState.REGISTERED}
    assert all(r.join_url and r.zoom_registrant_id for r in rows.values())
    assert {r.zoom_requests for r in rows.values()} == {1}
    # One audit entry per Zoom call: the create, the batches (with their sizes).
    entries = await world.all(select(AuditEntry).where(audit.about("link", link.id)))
    batch_items = sorted(e.items for e in entries if e.operation == "addBatchWebinarRegistrants")
    assert batch_items == [5, 30, 30]
    assert any(e.operation == "webinarCreate" and e.outcome is Outcome.OK for e in entries)


async def test_recurring_meeting_registers_one_by_one_with_every_occurrence(
    world: World, make_worker: WorkerFactory
) -> None:
    event, link = await world.event(ZoomKind.MEETING, days=3)
    await world.register(link, emails(4))

    await make_worker().run_once()

    link = await world.get(MeetingLink, link.id)
    assert link.zoom_type == 8
    assert len(link.occurrence_ids) == 3
    in_zoom = world.registrants(link.zoom_meeting_id)
    assert sorted(in_zoom) == sorted(emails(4))
    for registrant in in_zoom.values():
        assert registrant["occurrence_ids"] == sorted(link.occurrence_ids)
    assert world.calls("addBatch") == 0
    days = await world.all(select(EventSession).where(EventSession.event_id == event.id))
    assert sorted(d.zoom_occurrence_id for d in days) == sorted(link.occurrence_ids)


async def test_cancellations_and_want_flips(world: World, make_worker: WorkerFactory) -> None:
    _, link = await world.event(ZoomKind.MEETING)
    await world.register(link, emails(5))
    # Never sent to Zoom: cancelled without a call.
    await world.register(link, ["never@example.com"], want=RegistrationWant.CANCELLED)
    worker = make_worker()
    await worker.run_once()
    link = await world.get(MeetingLink, link.id)

    async with world.maker() as session:
        for row in await session.scalars(
            select(Registration).where(Registration.email.in_(["p0@example.com", "p1@example.com"]))
        ):
            row.want = RegistrationWant.CANCELLED
            row.state = RegistrationState.PENDING
        await session.commit()
    await worker.run_once()

    in_zoom = world.registrants(link.zoom_meeting_id)
    assert in_zoom["p0@example.com"]["status"] == "cancelled"
    assert in_zoom["p1@example.com"]["status"] == "cancelled"
    assert in_zoom["p2@example.com"]["status"] == "approved"
    assert "never@example.com" not in in_zoom
    rows = await registrations(world, link)
    assert rows["p0@example.com"].state is RegistrationState.CANCELLED
    assert rows["never@example.com"].state is RegistrationState.CANCELLED
    assert rows["never@example.com"].zoom_requests == 0

    # A later completed order wants p0 again: registered again (the same registrant).
    async with world.maker() as session:
        row = await session.get(Registration, rows["p0@example.com"].id)
        row.want = RegistrationWant.REGISTERED
        row.state = RegistrationState.PENDING
        await session.commit()
    await worker.run_once()
    in_zoom = world.registrants(link.zoom_meeting_id)
    assert in_zoom["p0@example.com"]["status"] == "approved"
    assert in_zoom["p0@example.com"]["id"] == rows["p0@example.com"].zoom_registrant_id
    assert (await world.get(Registration, rows["p0@example.com"].id)).state is (
        RegistrationState.REGISTERED
    )


async def test_permanent_error_stops_the_row_with_a_message_the_rest_go_through(
    world: World, make_worker: WorkerFactory
) -> None:
    _, link = await world.event(ZoomKind.MEETING)
    # The host cannot register for their own meeting (Zoom code 3027).
    await world.register(link, ["host@example.com", "a@example.com", "b@example.com"])

    await make_worker().run_once()

    rows = await registrations(world, (await world.get(MeetingLink, link.id)))
    host = rows["host@example.com"]
    assert host.state is RegistrationState.FAILED
    assert host.last_error
    assert "host" in host.last_error.lower()
    assert rows["a@example.com"].state is RegistrationState.REGISTERED
    assert rows["b@example.com"].state is RegistrationState.REGISTERED


async def test_daily_limit_defers_to_midnight_then_resumes(
    world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    _, link = await world.event(ZoomKind.MEETING)
    await world.register(link, ["capped@example.com", "free@example.com"])
    worker = make_worker()
    now = clock()
    async with world.maker() as session:
        row = (
            await session.scalars(
                select(Registration).where(Registration.email == "capped@example.com")
            )
        ).one()
        row.zoom_requests_day = now.date().isoformat()
        row.zoom_requests = 3  # three requests already made today (e.g. before a crash)
        await session.commit()

    await worker.run_once()

    rows = await registrations(world, link)
    capped = rows["capped@example.com"]
    assert capped.state is RegistrationState.DEFERRED
    assert capped.not_before == next_utc_midnight(now)
    assert capped.last_error
    assert f"{next_utc_midnight(now):%Y-%m-%d} 00:00 UTC" in capped.last_error
    assert rows["free@example.com"].state is RegistrationState.REGISTERED
    link = await world.get(MeetingLink, link.id)
    assert "capped@example.com" not in world.registrants(link.zoom_meeting_id)

    # Nothing happens before midnight...
    await worker.run_once()
    assert (await world.get(Registration, capped.id)).state is RegistrationState.DEFERRED
    # ...and after it (both clocks moved), the registration goes through.
    step = next_utc_midnight(now) - now + timedelta(minutes=1)
    clock.advance(step)
    world.admin.advance_clock(step.total_seconds())
    await worker.run_once()
    capped = await world.get(Registration, capped.id)
    assert capped.state is RegistrationState.REGISTERED
    assert capped.zoom_requests == 1
    assert world.registrants(link.zoom_meeting_id)["capped@example.com"]["status"] == "approved"


async def test_more_than_one_claim_round_in_one_pass_each_registrant_once(
    world: World, make_worker: WorkerFactory
) -> None:
    # A claim takes at most 600 rows: the pass pipelines several rounds (the next one claimed
    # while the previous one's calls are in flight); no row is in two rounds.
    _, link = await world.event(ZoomKind.WEBINAR)
    await world.register(link, emails(1_250))

    await make_worker().run_once()

    link = await world.get(MeetingLink, link.id)
    assert link.zoom_meeting_id is not None
    assert sorted(world.registrants(link.zoom_meeting_id)) == sorted(emails(1_250))
    assert world.calls("addBatch") == math.ceil(600 / 30) * 2 + math.ceil(50 / 30)
    rows = await registrations(world, link)
    assert {r.state for r in rows.values()} == {RegistrationState.REGISTERED}
    assert {r.zoom_requests for r in rows.values()} == {1}
    assert all(r.lease_owner is None for r in rows.values())


async def test_a_batch_still_filling_waits_for_the_rows_arriving(
    world: World, make_worker: WorkerFactory
) -> None:
    """With a fill wait, a part-filled batch of a single-occurrence webinar is held while rows
    still arrive, so 45 people arriving in two bursts go in 2 calls (not 3), and the last
    part-filled batch goes once nothing more arrives."""
    import asyncio

    _, link = await world.event(ZoomKind.WEBINAR)
    worker = make_worker(batch_fill_wait=0.5)
    await worker.run_once()  # the webinar is created in Zoom first
    await world.register(link, emails(20))

    async def later() -> None:
        await asyncio.sleep(0.15)
        await world.register(link, emails(25, prefix="q"))

    arriving = asyncio.create_task(later())
    await worker.run_once()
    await arriving
    await worker.run_once()

    link = await world.get(MeetingLink, link.id)
    assert link.zoom_meeting_id is not None
    assert len(world.registrants(link.zoom_meeting_id)) == 45
    assert world.calls("addBatch") == 2  # 30 + 15: the fewest calls for 45


async def test_a_claim_that_finds_nothing_takes_no_write_lock(
    database_url: str, world: World, make_worker: WorkerFactory
) -> None:
    """On SQLite the worker's registrations poll reads without the write lock: while another
    process holds the lock (the API writing) a poll that finds nothing answers at once."""
    import asyncio
    import sqlite3

    from zoombridge.orders.tasks.registrations.step import claim_registrations

    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's one write lock; PostgreSQL has none to wait for")
    await world.event(ZoomKind.WEBINAR)  # a meeting with nothing to register
    worker = make_worker()
    holder = sqlite3.connect(database_url.split(":///", 1)[1], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # held well past the claim (busy timeout 60 s)
    try:
        claimed = await asyncio.wait_for(claim_registrations(worker.context), timeout=10)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert claimed == []
