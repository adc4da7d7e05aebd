"""Meeting links: created, updated, approval fixed, deleted — and drift noticed by the
periodic check."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.sync.conftest import START, Clock, WorkerFactory, World
from zoombridge.connections.models import ZoomKind
from zoombridge.engine.models import AuditEntry, Outcome
from zoombridge.events import service as events
from zoombridge.events.models import Event, LinkMode, LinkState, LinkWant, MeetingLink
from zoombridge.orders import service as orders
from zoombridge.orders.models import OrderStatus
from zoombridge.orders.schemas import AttendeeIn, OrderCreate


async def test_created_then_updated_when_the_event_changes(
    world: World, make_worker: WorkerFactory
) -> None:
    event, link = await world.event(ZoomKind.WEBINAR, topic="Launch")
    worker = make_worker()
    await worker.run_once()
    link = await world.get(MeetingLink, link.id)
    assert link.state is LinkState.SYNCED
    assert link.synced_version == event.version
    assert link.approval_type == 0
    assert link.join_url
    assert link.registration_url
    assert link.confirmed["topic"] == "Launch"
    in_zoom = world.meeting(link.zoom_meeting_id)
    assert in_zoom["topic"] == "Launch"
    assert in_zoom["type"] == 5

    # The event moves an hour and is renamed: the service bumps versions (E6).
    async with world.maker() as session:
        row = await session.get(Event, event.id)
        row.topic = "Launch (moved)"
        row.start_at = START + timedelta(hours=1)
        row.version += 1
        stored = await session.get(MeetingLink, link.id)
        stored.desired_version = row.version
        stored.state = LinkState.PENDING
        await session.commit()
    await worker.run_once()

    in_zoom = world.meeting(link.zoom_meeting_id)
    assert in_zoom["topic"] == "Launch (moved)"
    assert in_zoom["start_time"] == "2031-03-04T16:00:00Z"
    link = await world.get(MeetingLink, link.id)
    assert link.state is LinkState.SYNCED
    assert link.synced_version == 2
    assert link.confirmed["start_time"] == (START + timedelta(hours=1)).isoformat()
    assert world.meeting_ids("webinar") == [link.zoom_meeting_id]


async def test_linked_meeting_without_automatic_approval_is_fixed_on_request(
    world: World, make_worker: WorkerFactory
) -> None:
    created = world.zoom(
        "POST",
        "/users/me/meetings",
        {
            "topic": "Theirs",
            "type": 2,
            "start_time": "2031-03-04T15:00:00Z",
            "duration": 60,
            "settings": {"approval_type": 1},
        },
    ).json()
    _, link = await world.event(
        ZoomKind.MEETING, mode=LinkMode.LINKED, zoom_meeting_id=created["id"], topic="Theirs"
    )
    worker = make_worker()
    await worker.run_once()
    link = await world.get(MeetingLink, link.id)
    assert link.approval_type == 1  # read back: the E4 warning shows

    async with world.maker() as session:
        stored = await session.get(MeetingLink, link.id)
        stored.fix_approval_requested = True
        stored.state = LinkState.PENDING
        await session.commit()
    await worker.run_once()

    link = await world.get(MeetingLink, link.id)
    assert link.approval_type == 0
    assert link.fix_approval_requested is False
    assert link.state is LinkState.SYNCED
    assert world.meeting(created["id"])["settings"]["approval_type"] == 0


async def test_absent_links_are_deleted_and_already_deleted_counts_as_done(
    world: World, make_worker: WorkerFactory
) -> None:
    _, first = await world.event(ZoomKind.MEETING, topic="One")
    _, second = await world.event(ZoomKind.MEETING, topic="Two")
    worker = make_worker()
    await worker.run_once()
    first = await world.get(MeetingLink, first.id)
    second = await world.get(MeetingLink, second.id)
    # Someone deletes the second in Zoom before we do.
    assert world.zoom("DELETE", f"/meetings/{second.zoom_meeting_id}").status_code == 204

    async with world.maker() as session:
        for link_id in (first.id, second.id):
            stored = await session.get(MeetingLink, link_id)
            stored.want = LinkWant.ABSENT
            stored.state = LinkState.PENDING
        await session.commit()
    await worker.run_once()

    assert world.meeting_ids("meeting") == []
    for link_id in (first.id, second.id):
        link = await world.get(MeetingLink, link_id)
        assert link.state is LinkState.DELETED
        assert link.last_error is None
    deletes = await world.all(select(AuditEntry).where(AuditEntry.operation == "meetingDelete"))
    assert len(deletes) == 2
    assert {e.outcome for e in deletes} == {Outcome.OK}


async def test_unknown_host_fails_with_the_zoom_message(
    world: World, make_worker: WorkerFactory
) -> None:
    event, link = await world.event(ZoomKind.MEETING)
    async with world.maker() as session:
        row = await session.get(Event, event.id)
        row.host_email = "nobody@example.com"
        await session.commit()
    await make_worker().run_once()
    link = await world.get(MeetingLink, link.id)
    assert link.state is LinkState.FAILED
    assert link.last_error is not None
    assert "not a user of this Zoom account" in link.last_error


async def test_periodic_check_notices_changes_and_deletion_in_zoom(
    world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    _, changed = await world.event(ZoomKind.MEETING, topic="Mine")
    _, gone = await world.event(ZoomKind.MEETING, topic="Also mine")
    worker = make_worker(drift_check_every=timedelta(minutes=15))
    await worker.run_once()
    changed = await world.get(MeetingLink, changed.id)
    gone = await world.get(MeetingLink, gone.id)
    world.zoom("PATCH", f"/meetings/{changed.zoom_meeting_id}", {"topic": "Renamed in Zoom"})
    world.zoom("DELETE", f"/meetings/{gone.zoom_meeting_id}")

    await worker.run_once()  # not yet due
    assert (await world.get(MeetingLink, changed.id)).drift is None
    clock.advance(timedelta(minutes=16))
    await worker.run_once()

    changed = await world.get(MeetingLink, changed.id)
    assert changed.drift == "Topic changed in Zoom to 'Renamed in Zoom'."
    assert changed.drift_detected_at is not None
    assert changed.state is LinkState.SYNCED
    gone = await world.get(MeetingLink, gone.id)
    assert gone.state is LinkState.DELETED
    assert gone.drift
    assert gone.drift.startswith("Deleted in Zoom")


async def test_a_create_whose_answer_was_lost_is_found_not_repeated(
    world: World, make_worker: WorkerFactory
) -> None:
    _, link = await world.event(ZoomKind.MEETING, topic="Made once")
    # A worker sent the create, Zoom made the meeting, the worker died before the answer
    # (it had noted the attempt first).
    made = world.zoom(
        "POST",
        "/users/me/meetings",
        {"topic": "Made once", "type": 2, "start_time": "2031-03-04T15:00:00Z", "duration": 60},
    ).json()
    async with world.maker() as session:
        stored = await session.get(MeetingLink, link.id)
        stored.attempts = 1
        await session.commit()

    await make_worker().run_once()

    link = await world.get(MeetingLink, link.id)
    assert link.zoom_meeting_id == made["id"]
    assert link.state is LinkState.SYNCED
    assert world.meeting_ids("meeting") == [made["id"]]


async def test_deleting_an_event_cancels_its_registrants_on_a_linked_meeting_which_stays(
    world: World, make_worker: WorkerFactory
) -> None:
    created = world.zoom(
        "POST",
        "/users/me/meetings",
        {
            "topic": "Theirs",
            "type": 2,
            "start_time": "2031-03-04T15:00:00Z",
            "duration": 60,
            "settings": {"approval_type": 0},
        },
    ).json()
    event, _ = await world.event(
        ZoomKind.MEETING, mode=LinkMode.LINKED, zoom_meeting_id=created["id"], topic="Theirs"
    )
    async with world.maker() as session:
        await orders.create_order(
            session,
            event.id,
            OrderCreate(
                status=OrderStatus.COMPLETED,
                attendees=[
                    AttendeeIn(email=f"{n}@example.com", first_name=n.title(), last_name="T")
                    for n in ("ada", "bob")
                ],
            ),
        )
        await session.commit()
    worker = make_worker()
    for _ in range(3):
        await worker.run_once()
    assert {r["status"] for r in world.registrants(created["id"]).values()} == {"approved"}

    async with world.maker() as session:
        await events.delete_event(session, event.id)
        await session.commit()
    for _ in range(3):
        await worker.run_once()
    assert world.zoom("GET", f"/meetings/{created['id']}").status_code == 200  # theirs: kept
    assert {r["status"] for r in world.registrants(created["id"]).values()} == {"cancelled"}
