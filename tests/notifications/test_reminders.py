"""Reminders under the test clock: each fires once, also across workers and restarts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update

from tests.notifications.conftest import Clock, World
from tests.notifications.helpers import booking, emails, reminders, smtp_settings
from tests.sync.conftest import WorkerFactory
from zoombridge.bookings.models import Booking, BookingStatus
from zoombridge.notifications import reminders as planning
from zoombridge.notifications.models import EmailState, ReminderState
from zoombridge.notifications.sink import MailSink


async def plan(
    world: World, booking_id: uuid.UUID, start: datetime, offsets: list[str], now: datetime
) -> int:
    async with world.maker() as session:
        planned = await planning.plan(
            session,
            planning.booking_target(booking_id),
            [start],
            offsets,
            now,
            booking_id=booking_id,
        )
        await session.commit()
        return len(planned)


async def test_each_reminder_fires_once_at_its_time_across_restarts(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    await smtp_settings(world.maker, sink.port)
    start = clock() + timedelta(days=10)
    row = await booking(world.maker, start)
    assert await plan(world, row.id, start, ["1h", "1d", "1w"], clock()) == 3

    await make_worker().run_once()
    assert sink.messages() == []  # none due yet

    for step, before in enumerate([timedelta(weeks=1), timedelta(days=1), timedelta(hours=1)]):
        clock.advance(start - before - clock() + timedelta(minutes=1))
        await make_worker().run_once()
        # A restarted worker (a new one), and two at once: nothing goes out twice.
        await make_worker().run_once()
        await asyncio.gather(make_worker().run_once(), make_worker().run_once())
        assert len(sink.messages("cora@example.com")) == step + 1
    assert all(m.subject.startswith("Reminder:") for m in sink.messages())
    rows = await reminders(world.maker)
    assert [(r.offset, r.state) for r in rows] == [
        ("1w", ReminderState.QUEUED),
        ("1d", ReminderState.QUEUED),
        ("1h", ReminderState.QUEUED),
    ]
    sent = await emails(world.maker)
    assert len(sent) == 3
    assert all(e.state is EmailState.SENT for e in sent)
    assert {e.dedupe_key for e in sent} == {f"reminder:{r.id}:customer" for r in rows}


async def test_none_planned_for_a_start_or_time_already_past(world: World, clock: Clock) -> None:
    past = clock() - timedelta(hours=1)
    row = await booking(world.maker, past)
    assert await plan(world, row.id, past, ["1w", "1d", "1h"], clock()) == 0
    soon = clock() + timedelta(minutes=30)
    other = await booking(world.maker, soon)
    # 30 minutes ahead: "1 hour before" has gone; "1 day before" too.
    assert await plan(world, other.id, soon, ["1d", "1h"], clock()) == 0
    assert await reminders(world.maker) == []


async def test_a_reschedule_cancels_old_reminders_and_new_ones_fire_once(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    await smtp_settings(world.maker, sink.port)
    first = clock() + timedelta(days=5)
    row = await booking(world.maker, first)
    await plan(world, row.id, first, ["1d"], clock())
    moved = first + timedelta(days=2)
    async with world.maker() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == row.id)
            .values(start_at=moved, end_at=moved + timedelta(minutes=30))
        )
        await session.commit()
    assert await plan(world, row.id, moved, ["1d"], clock()) == 1

    clock.advance(first - timedelta(days=1) - clock() + timedelta(minutes=1))
    await make_worker().run_once()
    assert sink.messages() == []
    clock.advance(moved - timedelta(days=1) - clock() + timedelta(minutes=1))
    await make_worker().run_once()
    await make_worker().run_once()
    [message] = sink.messages()
    assert message.subject.startswith("Reminder:")
    states = {r.start_at: r.state for r in await reminders(world.maker)}
    assert states == {first: ReminderState.CANCELLED, moved: ReminderState.QUEUED}


async def test_a_reminder_not_matching_the_booking_is_cancelled_with_a_note(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    await smtp_settings(world.maker, sink.port)
    start = clock() + timedelta(days=3)
    moved = await booking(world.maker, start)
    cancelled = await booking(world.maker, start + timedelta(hours=2))
    await plan(world, moved.id, start, ["1d"], clock())
    await plan(world, cancelled.id, start + timedelta(hours=2), ["1d"], clock())
    async with world.maker() as session:
        # Changed without replanning (as a bug or a crash between the two would leave it).
        await session.execute(
            update(Booking).where(Booking.id == moved.id).values(start_at=start + timedelta(days=1))
        )
        await session.execute(
            update(Booking).where(Booking.id == cancelled.id).values(status=BookingStatus.CANCELLED)
        )
        await session.commit()
    clock.advance(timedelta(days=2, hours=3))
    await make_worker().run_once()
    assert sink.messages() == []
    notes = {r.booking_id: (r.state, r.note) for r in await reminders(world.maker)}
    assert notes[moved.id][0] is ReminderState.CANCELLED
    assert "moved" in notes[moved.id][1]
    assert notes[cancelled.id][0] is ReminderState.CANCELLED
    assert "cancelled" in notes[cancelled.id][1]


async def test_a_worker_that_was_down_sends_only_what_is_still_true(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    await smtp_settings(world.maker, sink.port)
    start = clock() + timedelta(days=3)
    row = await booking(world.maker, start)
    gone = await booking(world.maker, start + timedelta(days=1))
    await plan(world, row.id, start, ["1d", "1h"], clock())
    await plan(world, gone.id, start + timedelta(days=1), ["1d"], clock())
    # Down until after the first booking's start - 30 min ... and past the second's start.
    clock.advance(start + timedelta(days=1, minutes=5) - clock())
    await make_worker().run_once()
    assert sink.messages() == []
    notes = {(r.booking_id, r.offset): r for r in await reminders(world.maker)}
    for reminder in notes.values():
        assert reminder.state is ReminderState.CANCELLED
        assert "already passed" in reminder.note


async def test_only_the_latest_of_several_overdue_reminders_goes_out(
    world: World, make_worker: WorkerFactory, sink: MailSink, clock: Clock
) -> None:
    await smtp_settings(world.maker, sink.port)
    start = clock() + timedelta(days=3)
    row = await booking(world.maker, start)
    await plan(world, row.id, start, ["1d", "1h"], clock())
    clock.advance(start - timedelta(minutes=30) - clock())
    await make_worker().run_once()
    await make_worker().run_once()
    assert len(sink.messages()) == 1
    states = {r.offset: r for r in await reminders(world.maker)}
    assert states["1h"].state is ReminderState.QUEUED
    assert states["1d"].state is ReminderState.CANCELLED
    assert "1h" in states["1d"].note
