"""Leases: a crashed worker's rows are taken over after expiry; concurrent workers never
process a row twice; faults are retried until Zoom agrees."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from tests.sync.conftest import Clock, WorkerFactory, World
from zoombridge.connections.models import ZoomKind
from zoombridge.events.models import LinkState, MeetingLink
from zoombridge.orders.models import Registration, RegistrationState
from zoombridge.orders.tasks.registrations import claim_registrations
from zoombridge.zoom.daily_caps import next_utc_midnight


async def test_a_crashed_workers_rows_are_taken_over_after_the_lease_expires(
    world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    _, link = await world.event(ZoomKind.MEETING)
    first = make_worker(worker_id="first")
    await first.run_once()  # creates the meeting
    await world.register(link, ["a@example.com", "b@example.com"])
    # "first" claims the rows and dies before calling Zoom.
    claimed = await claim_registrations(first.context)
    assert len(claimed) == 2

    second = make_worker(worker_id="second")
    assert await second.run_once() == 0  # leases still live: nothing for it
    clock.advance(timedelta(seconds=61))
    assert await second.run_once() == 2

    rows = await world.all(select(Registration).where(Registration.link_id == link.id))
    assert {r.state for r in rows} == {RegistrationState.REGISTERED}
    assert {r.lease_owner for r in rows} == {None}


async def test_two_workers_claim_disjoint_rows_and_send_each_once(
    world: World, make_worker: WorkerFactory
) -> None:
    _, link = await world.event(ZoomKind.WEBINAR)
    one, two = make_worker(worker_id="one"), make_worker(worker_id="two")
    await one.run_once()
    addresses = [f"p{i}@example.com" for i in range(90)]
    await world.register(link, addresses)

    first, second = await asyncio.gather(
        claim_registrations(one.context, limit=50), claim_registrations(two.context, limit=50)
    )
    assert not set(first) & set(second)
    assert len(first) + len(second) == 90
    async with world.maker() as session:  # hand them back, then race the whole passes
        for row in await session.scalars(select(Registration)):
            row.lease_owner = None
            row.lease_expires_at = None
        await session.commit()

    await asyncio.gather(one.run_once(), two.run_once())

    link = await world.get(MeetingLink, link.id)
    in_zoom = world.registrants(link.zoom_meeting_id)
    assert sorted(in_zoom) == sorted(addresses)
    # Each registrant was asked for exactly once (the simulator counts per registrant).
    assert {r["request_counts"]["registration"] for r in in_zoom.values()} == {1}


async def test_faults_are_retried_until_zoom_agrees(
    world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    _, link = await world.event(ZoomKind.WEBINAR)
    await world.register(link, [f"p{i}@example.com" for i in range(70)])
    world.admin.faults(error_rate=0.1, rate_429=0.05, drop_rate=0.05)
    worker = make_worker()

    for _ in range(60):
        await worker.run_once()
        rows = await world.all(select(Registration))
        states = {r.state for r in rows}
        if states == {RegistrationState.REGISTERED}:
            break
        if states <= {RegistrationState.REGISTERED, RegistrationState.DEFERRED}:
            # Three failed requests in a day (counted even when Zoom may not have): tomorrow.
            step = next_utc_midnight(clock()) - clock() + timedelta(minutes=1)
            clock.advance(step)
            world.admin.advance_clock(step.total_seconds())
        await asyncio.sleep(0.05)  # backoff in the tests is tens of milliseconds
    world.admin.faults(error_rate=0.0, rate_429=0.0, drop_rate=0.0)

    link = await world.get(MeetingLink, link.id)
    assert link.state is LinkState.SYNCED
    rows = await world.all(select(Registration))
    assert {r.state for r in rows} == {RegistrationState.REGISTERED}
    assert world.meeting_ids("webinar") == [link.zoom_meeting_id]  # created exactly once
    in_zoom = world.registrants(link.zoom_meeting_id)
    assert len(in_zoom) == 70
    # (the simulator's counts are for its current day)
    assert max(r["request_counts"]["registration"] for r in in_zoom.values()) <= 3
    assert all(r.zoom_requests <= 3 for r in rows)


async def test_run_forever_works_until_stopped(world: World, make_worker: WorkerFactory) -> None:
    _, link = await world.event(ZoomKind.MEETING)
    await world.register(link, ["loop@example.com"])
    worker = make_worker(poll_interval=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop))
    try:
        for _ in range(200):
            rows = await world.all(select(Registration))
            if rows[0].state is RegistrationState.REGISTERED:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert rows[0].state is RegistrationState.REGISTERED
    assert task.done()
