"""The webhook receiver (signature, replay, validation, bad input) and the worker applying
stored events (session status, drift, cancellations in Zoom)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import func, select

from tests.fixtures.api import ApiHarness
from tests.sync.conftest import WEBHOOK_SECRET, WorkerFactory, World
from zoombridge.connections.models import ZoomKind
from zoombridge.engine.models import InboundWebhook
from zoombridge.events.models import EventSession, LinkState, MeetingLink, SessionStatus
from zoombridge.orders.models import Registration, RegistrationState
from zoombridge.settings import Settings
from zoombridge.web.app import create_app
from zoombridge.zoom.webhooks import sign


def signed(
    body: dict[str, Any] | bytes, *, secret: str = WEBHOOK_SECRET, ts: int | None = None
) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = str(ts if ts is not None else int(time.time()))
    return raw, {
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": sign(secret, stamp, raw),
        "content-type": "application/json",
    }


def event(name: str, obj: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "event": name,
        "event_ts": int(time.time() * 1000),
        "payload": {"account_id": "sim-account", "object": obj, **extra},
    }


async def stored(world: World) -> int:
    async with world.maker() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundWebhook)) or 0)


async def post(api: ApiHarness, connection_id: Any, raw: bytes, headers: dict[str, str]) -> Any:
    return await api.anonymous.post(f"/webhooks/zoom/{connection_id}", content=raw, headers=headers)


async def test_signed_event_is_stored_once(api: ApiHarness, world: World) -> None:
    connection = await world.connect()
    raw, headers = signed(event("meeting.started", {"id": "123", "uuid": "u1"}))

    first = await post(api, connection.id, raw, headers)
    again = await post(api, connection.id, raw, headers)  # Zoom's retry of the same delivery

    assert first.status_code == 200
    assert first.json() == {"status": "stored"}
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    assert await stored(world) == 1


async def test_url_validation_is_answered(api: ApiHarness, world: World) -> None:
    connection = await world.connect()
    raw, headers = signed({"event": "endpoint.url_validation", "payload": {"plainToken": "abc"}})
    answer = await post(api, connection.id, raw, headers)
    assert answer.status_code == 200
    assert answer.json()["plainToken"] == "abc"
    import hashlib
    import hmac

    expected = hmac.new(WEBHOOK_SECRET.encode(), b"abc", hashlib.sha256).hexdigest()
    assert answer.json()["encryptedToken"] == expected
    assert await stored(world) == 0


async def test_bad_deliveries_are_refused_and_nothing_is_stored(
    api: ApiHarness, world: World
) -> None:
    connection = await world.connect()
    body = event("meeting.started", {"id": "1"})
    raw, headers = signed(body, secret="not-the-secret")
    assert (await post(api, connection.id, raw, headers)).status_code == 401
    raw, headers = signed(body, ts=int(time.time()) - 3600)  # a replay an hour later
    assert (await post(api, connection.id, raw, headers)).status_code == 401
    raw, headers = signed(body)
    assert (
        await post(api, connection.id, raw, {"content-type": "application/json"})
    ).status_code == 401
    unknown = "00000000-0000-0000-0000-000000000000"
    assert (await post(api, unknown, raw, headers)).status_code == 404
    assert (await post(api, "not-a-uuid", raw, headers)).status_code == 404
    raw, headers = signed(b"{not json")
    assert (await post(api, connection.id, raw, headers)).status_code == 400
    raw, headers = signed(b'{"no_event": 1}')
    assert (await post(api, connection.id, raw, headers)).status_code == 400
    raw, headers = signed(b"x" * (1024 * 1024 + 1))
    assert (await post(api, connection.id, raw, headers)).status_code == 413
    assert await stored(world) == 0


async def test_worker_applies_started_ended_updated_deleted(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect()
    ev, link = await world.event(ZoomKind.MEETING, days=2)
    worker = make_worker()
    await worker.run_once()
    link = await world.get(MeetingLink, link.id)
    meeting_id = link.zoom_meeting_id
    days = await world.all(
        select(EventSession).where(EventSession.event_id == ev.id).order_by(EventSession.start_at)
    )

    async def deliver(body: dict[str, Any]) -> None:
        raw, headers = signed(body)
        assert (await post(api, connection.id, raw, headers)).status_code == 200

    # Day 2 starts and ends (E10).
    second_start = days[1].start_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    await deliver(
        event("meeting.started", {"id": str(meeting_id), "uuid": "i2", "start_time": second_start})
    )
    await worker.run_once()
    days = [await world.get(EventSession, d.id) for d in days]
    assert [d.status for d in days] == [SessionStatus.NOT_STARTED, SessionStatus.STARTED]
    await deliver(
        event("meeting.ended", {"id": str(meeting_id), "uuid": "i2", "start_time": second_start})
    )
    await worker.run_once()
    assert (await world.get(EventSession, days[1].id)).status is SessionStatus.FINISHED

    # Renamed in Zoom: drift.
    await deliver(
        event(
            "meeting.updated",
            {"id": meeting_id, "topic": "Renamed there"},
            old_object={"id": meeting_id, "topic": ev.topic},
        )
    )
    await worker.run_once()
    link = await world.get(MeetingLink, link.id)
    assert link.drift == "Topic changed in Zoom to 'Renamed there'."
    assert link.confirmed["topic"] == "Renamed there"

    # Deleted in Zoom: drift and DELETED.
    await deliver(event("meeting.deleted", {"id": meeting_id, "uuid": "x"}))
    await worker.run_once()
    link = await world.get(MeetingLink, link.id)
    assert link.state is LinkState.DELETED
    assert link.drift
    assert link.drift.startswith("Deleted in Zoom")
    processed = await world.all(select(InboundWebhook))
    assert all(w.processed_at is not None for w in processed)


async def test_our_own_update_is_not_drift(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect()
    _ev, link = await world.event(ZoomKind.MEETING, topic="Same")
    worker = make_worker()
    await worker.run_once()
    link = await world.get(MeetingLink, link.id)
    raw, headers = signed(event("meeting.updated", {"id": link.zoom_meeting_id, "topic": "Same"}))
    await post(api, connection.id, raw, headers)
    await worker.run_once()
    assert (await world.get(MeetingLink, link.id)).drift is None


async def test_cancellation_in_zoom_stops_the_registration_without_re_registering(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect()
    _, link = await world.event(ZoomKind.MEETING)
    await world.register(link, ["ann@example.com"])
    worker = make_worker()
    await worker.run_once()
    link = await world.get(MeetingLink, link.id)
    row = (await world.all(select(Registration)))[0]
    assert row.state is RegistrationState.REGISTERED
    # The organiser cancels Ann inside Zoom; Zoom tells us.
    world.zoom(
        "PUT",
        f"/meetings/{link.zoom_meeting_id}/registrants/status",
        {"action": "cancel", "registrants": [{"id": row.zoom_registrant_id}]},
    )
    raw, headers = signed(
        event(
            "meeting.registration_cancelled",
            {
                "id": link.zoom_meeting_id,
                "registrant": {"id": row.zoom_registrant_id, "email": "ann@example.com"},
            },
        )
    )
    await post(api, connection.id, raw, headers)
    await worker.run_once()
    await worker.run_once()

    row = await world.get(Registration, row.id)
    assert row.state is RegistrationState.FAILED
    assert row.last_error
    assert "cancelled in Zoom" in row.last_error
    registrant = world.registrants(link.zoom_meeting_id)["ann@example.com"]
    assert registrant["status"] == "cancelled"
    assert registrant["request_counts"]["registration"] == 1  # not registered again


async def test_registration_created_in_zoom_confirms_a_registration_whose_answer_was_lost(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect()
    _, link = await world.event(ZoomKind.MEETING)
    worker = make_worker()
    await worker.run_once()
    link = await world.get(MeetingLink, link.id)
    # Zoom registered Bo (our request went through) but we never saw the answer.
    made = world.zoom(
        "POST",
        f"/meetings/{link.zoom_meeting_id}/registrants",
        {"email": "bo@example.com", "first_name": "Bo"},
    ).json()
    await world.register(link, ["bo@example.com"])
    async with world.maker() as session:
        row = (await session.scalars(select(Registration))).one()
        row.lease_owner = "someone-busy"  # keep the worker's registration step away
        row.lease_expires_at = row.created_at + timedelta(days=1)
        await session.commit()
    body = event(
        "meeting.registration_created",
        {
            "id": link.zoom_meeting_id,
            "registrant": {
                "id": made["registrant_id"],
                "email": "bo@example.com",
                "join_url": made["join_url"],
            },
        },
    )
    raw, headers = signed(body)
    await post(api, connection.id, raw, headers)
    await worker.run_once()

    row = (await world.all(select(Registration)))[0]
    assert row.state is RegistrationState.REGISTERED
    assert row.zoom_registrant_id == made["registrant_id"]
    assert row.join_url == made["join_url"]
    assert row.zoom_requests == 0


async def test_simulator_deliveries_reach_the_receiver_and_become_drift(
    world: World, make_worker: WorkerFactory, tmp_path: Path
) -> None:
    """End to end: the simulator validates our URL, signs its deliveries, we store and apply."""
    connection = await world.connect()
    _, link = await world.event(ZoomKind.WEBINAR)
    worker = make_worker()
    await worker.run_once()
    link = await world.get(MeetingLink, link.id)

    app = create_app(Settings(data_dir=tmp_path), sessionmaker=world.maker)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        subscribed = await asyncio.to_thread(
            world.admin.post,
            "/accounts/sim-account/webhooks",
            {
                "url": f"http://127.0.0.1:{port}/webhooks/zoom/{connection.id}",
                "secret_token": WEBHOOK_SECRET,
            },
        )
        assert subscribed["validated"] is True
        deleted = await asyncio.to_thread(world.zoom, "DELETE", f"/webinars/{link.zoom_meeting_id}")
        assert deleted.status_code == 204
        for _ in range(100):
            if await stored(world):
                break
            await asyncio.sleep(0.05)
    finally:
        server.should_exit = True
        await serving
        sock.close()
    await worker.run_once()

    link = await world.get(MeetingLink, link.id)
    assert link.state is LinkState.DELETED
    assert link.drift is not None
    assert link.drift.startswith("Deleted in Zoom")
