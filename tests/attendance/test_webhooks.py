"""participant_joined / _left webhooks applied by the worker give the right attendance, with
duplicates, replays and out-of-order arrival; the API shows it (and wants a token)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from tests.attendance.events import participant_event, signed
from tests.fixtures.api import ApiHarness
from tests.sync.conftest import START, WorkerFactory, World
from zoombridge.attendance.models import AttendanceMark
from zoombridge.connections.models import ZoomKind
from zoombridge.engine.inbox import apply_pending
from zoombridge.engine.models import InboundWebhook
from zoombridge.events.models import LinkMode
from zoombridge.wiring import webhook_routes

MEETING_ID = 81_234_567_890
INSTANCE = "inst-1=="


def at(minutes: float) -> Any:
    return START + timedelta(minutes=minutes)


async def deliver(api: ApiHarness, connection_id: Any, body: dict[str, Any]) -> str:
    raw, headers = signed(body)
    answer = await api.anonymous.post(
        f"/webhooks/zoom/{connection_id}", content=raw, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["status"])


async def apply_all(make_worker: WorkerFactory) -> None:
    worker = make_worker()
    while await apply_pending(worker.context, webhook_routes()):
        pass


async def people(api: ApiHarness, event_id: Any) -> dict[str, dict[str, Any]]:
    answer = await api.http.get(f"/api/v1/events/{event_id}/attendance")
    assert answer.status_code == 200, answer.text
    return {p["person_key"]: p for p in answer.json()["people"]}


async def test_joins_and_leaves_twice_with_duplicates_and_disorder(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect()
    event, _ = await world.event(ZoomKind.WEBINAR, mode=LinkMode.LINKED, zoom_meeting_id=MEETING_ID)

    def ev(kind: str, email: str, minutes: float, conn: str) -> dict[str, Any]:
        return participant_event(
            kind,
            MEETING_ID,
            INSTANCE,
            email=email,
            name=email.split("@")[0].title(),
            connection=conn,
            at=at(minutes),
        )

    ann = [ev("joined", "Ann@Example.com", 0, "a1"), ev("left", "ann@example.com", 10, "a1")]
    ann += [ev("joined", "ann@example.com", 20, "a2"), ev("left", "ann@example.com", 30, "a2")]
    # Bob: laptop 5..40 and phone 15..50 at once -> 45 minutes, not 60.
    bob = [ev("left", "bob@example.com", 50, "b2"), ev("joined", "bob@example.com", 15, "b2")]
    bob += [ev("left", "bob@example.com", 40, "b1"), ev("joined", "bob@example.com", 5, "b1")]
    # Cem is still in; Dee's join never came. Ann's first join again, told slightly
    # differently (email case): a new delivery, but the same mark.
    cem = [ev("joined", "cem@example.com", 50, "c1")]
    dee = [ev("joined", "ann@example.com", 0, "a1"), ev("left", "dee@example.com", 30, "d1")]

    statuses = [await deliver(api, connection.id, body) for body in [*bob, *ann, *cem, *dee]]
    # Zoom's retries of deliveries it already made: answered, stored once.
    statuses += [await deliver(api, connection.id, body) for body in ann]
    assert statuses.count("duplicate") == len(ann)
    await apply_all(make_worker)

    async with world.maker() as session:
        assert (
            await session.scalar(select(func.count()).where(InboundWebhook.processed_at.is_(None)))
            == 0
        )
        assert await session.scalar(select(func.count()).select_from(AttendanceMark)) == 10

    seen = await people(api, event.id)
    assert set(seen) == {"ann@example.com", "bob@example.com", "cem@example.com", "dee@example.com"}
    ann_row = seen["ann@example.com"]
    assert (ann_row["joins"], ann_row["attended_seconds"]) == (2, 20 * 60)
    assert ann_row["first_join"].startswith("2031-03-04T15:00:00")
    assert ann_row["last_leave"].startswith("2031-03-04T15:30:00")
    assert ann_row["percent"] == 33.3
    assert ann_row["attended_minutes"] == 20.0
    assert ann_row["instance_uuid"] == INSTANCE
    assert ann_row["source"] == "webhook"
    assert (seen["bob@example.com"]["joins"], seen["bob@example.com"]["attended_seconds"]) == (
        2,
        45 * 60,
    )
    assert seen["cem@example.com"]["still_in"] is True
    assert seen["cem@example.com"]["last_leave"] is None
    dee_row = seen["dee@example.com"]
    assert dee_row["joins"] == 0
    # From the instance's first mark (Ann's join at 0) to the leave at 30.
    assert dee_row["attended_seconds"] == 30 * 60


async def test_a_replayed_batch_applied_twice_changes_nothing(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect()
    event, _ = await world.event(ZoomKind.WEBINAR, mode=LinkMode.LINKED, zoom_meeting_id=MEETING_ID)
    bodies = [
        participant_event(
            "joined",
            MEETING_ID,
            INSTANCE,
            email="eve@example.com",
            name="Eve",
            connection="e1",
            at=at(0),
        ),
        participant_event(
            "left",
            MEETING_ID,
            INSTANCE,
            email="eve@example.com",
            name="Eve",
            connection="e1",
            at=at(12),
        ),
    ]
    for body in bodies:
        await deliver(api, connection.id, body)
    await apply_all(make_worker)
    # The same events again with another event_ts (a replay Zoom sent as new deliveries).
    for body in bodies:
        body["event_ts"] += 1
        assert await deliver(api, connection.id, body) == "stored"
    await apply_all(make_worker)

    async with world.maker() as session:
        assert await session.scalar(select(func.count()).select_from(AttendanceMark)) == 2
    eve = (await people(api, event.id))["eve@example.com"]
    assert (eve["joins"], eve["attended_seconds"]) == (1, 12 * 60)


async def test_attendance_needs_a_token_and_a_known_event(api: ApiHarness, world: World) -> None:
    event, _ = await world.event(ZoomKind.WEBINAR, mode=LinkMode.LINKED, zoom_meeting_id=MEETING_ID)
    anonymous = await api.anonymous.get(f"/api/v1/events/{event.id}/attendance")
    assert anonymous.status_code == 401
    missing = await api.http.get("/api/v1/events/00000000-0000-0000-0000-000000000000/attendance")
    assert missing.status_code == 404
    empty = await api.http.get(f"/api/v1/events/{event.id}/attendance")
    assert empty.status_code == 200
    assert empty.json()["people"] == []
