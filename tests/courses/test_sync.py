"""Course events with the worker and the simulator: un-enrolling cancels on Zoom; a session
added later gets its meeting and every enrolled learner registered on it; a topic changed in
Zoom is taken over; a session's status follows Zoom's meeting read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.courses.helpers import connection, ok
from tests.courses.helpers import until as run_until
from tests.fixtures.api import ApiHarness
from tests.sync.conftest import WorkerFactory, World
from zoombridge.events.models import EventSession, MeetingLink, SessionStatus
from zoombridge.orders.models import Registration

START = (datetime.now(UTC) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)


async def _course(api: ApiHarness, world: World, sessions: int = 2) -> dict[str, Any]:
    connection_id = await connection(api, world.sim)
    provider = await ok(
        await api.http.post(
            "/api/v1/providers",
            json={"name": "P", "connection_id": connection_id, "host": world.sim.config.host_email},
        ),
        201,
    )
    event = await ok(
        await api.http.post(
            "/api/v1/course-events",
            json={
                "provider_id": provider["id"],
                "topic": "Welding",
                "timezone": "UTC",
                "sessions": [
                    {
                        "start": (START + timedelta(days=d)).isoformat(),
                        "duration_minutes": 45,
                        "label": f"Part {d + 1}",
                    }
                    for d in range(sessions)
                ],
            },
        ),
        201,
    )
    people = [
        {"email": f"w{n}@example.com", "first_name": "W", "last_name": str(n)} for n in range(3)
    ]
    await ok(await api.http.post("/api/v1/learners/batch", json={"learners": people}))
    learners = (await ok(await api.http.get("/api/v1/learners")))["items"]
    await ok(
        await api.http.post(
            f"/api/v1/course-events/{event['id']}/enrolments",
            json={"learner_ids": [x["id"] for x in learners]},
        )
    )
    return {"event": event, "learners": learners}


async def _states(api: ApiHarness) -> list[tuple[str, str]]:
    async with api.sessionmaker() as session:
        rows = await session.execute(select(Registration.email, Registration.state))
        return sorted((email, state.value) for email, state in rows)


async def test_unenrol_cancels_and_a_new_session_registers_everyone(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    course = await _course(api, world)
    event_id = course["event"]["id"]
    worker = make_worker()

    async def settled() -> bool:
        states = await _states(api)
        return bool(states) and all(s in ("registered", "cancelled") for _, s in states)

    await run_until(worker, settled)
    view = await ok(await api.http.get(f"/api/v1/course-events/{event_id}"))
    meetings = [s["zoom_meeting_id"] for s in view["sessions"]]
    for meeting_id in meetings:
        assert sorted(world.registrants(meeting_id)) == [f"w{n}@example.com" for n in range(3)]

    gone = next(x for x in course["learners"] if x["email"] == "w1@example.com")
    answer = await api.http.delete(f"/api/v1/course-events/{event_id}/enrolments/{gone['id']}")
    assert answer.status_code == 204
    await run_until(worker, settled)
    for meeting_id in meetings:
        assert world.registrants(meeting_id)["w1@example.com"]["status"] == "cancelled"
        assert world.registrants(meeting_id)["w0@example.com"]["status"] == "approved"

    # A third session: its own meeting, the two learners still enrolled registered on it.
    sessions = [
        {"start": s["start"], "duration_minutes": s["duration_minutes"], "label": s["label"]}
        for s in view["sessions"]
    ] + [{"start": (START + timedelta(days=5)).isoformat(), "duration_minutes": 30, "label": "3"}]
    await ok(await api.http.patch(f"/api/v1/course-events/{event_id}", json={"sessions": sessions}))
    await run_until(worker, settled)
    view = await ok(await api.http.get(f"/api/v1/course-events/{event_id}"))
    third = view["sessions"][2]["zoom_meeting_id"]
    assert third is not None
    assert third not in meetings
    assert sorted(world.registrants(third)) == ["w0@example.com", "w2@example.com"]
    assert (await _states(api)).count(("w1@example.com", "cancelled")) == 2


async def test_a_topic_changed_in_zoom_comes_back_and_status_follows_zoom(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    course = await _course(api, world, sessions=1)
    event_id = course["event"]["id"]
    worker = make_worker(drift_check_every=timedelta(seconds=0))

    async def synced() -> bool:
        view = await ok(await api.http.get(f"/api/v1/course-events/{event_id}"))
        return view["sessions"][0]["link_state"] == "synced"

    await run_until(worker, synced)
    view = await ok(await api.http.get(f"/api/v1/course-events/{event_id}"))
    meeting_id = view["sessions"][0]["zoom_meeting_id"]
    assert world.meeting(meeting_id)["topic"] == "Welding — Part 1"
    edited = world.zoom("PATCH", f"/meetings/{meeting_id}", {"topic": "Welding (renamed in Zoom)"})
    assert edited.status_code == 204, edited.text
    world.admin.start(meeting_id)

    async def adopted() -> bool:
        view = await ok(await api.http.get(f"/api/v1/course-events/{event_id}"))
        session = view["sessions"][0]
        return (
            session["zoom_topic"] == "Welding (renamed in Zoom)" and session["status"] == "started"
        )

    await run_until(worker, adopted, rounds=30)
    view = await ok(await api.http.get(f"/api/v1/course-events/{event_id}"))
    assert view["sessions"][0]["last_error"] is None  # taken over, not reported as drift
    world.admin.end(meeting_id)

    async def finished() -> bool:
        async with api.sessionmaker() as session:
            link = await session.scalar(
                select(MeetingLink).where(MeetingLink.zoom_meeting_id == meeting_id)
            )
            assert link is not None
            row = await session.get(EventSession, link.session_id)
            return row is not None and row.status is SessionStatus.FINISHED

    await run_until(worker, finished, rounds=30)
    # Our own later change keeps Zoom's topic (its name is now Zoom's to change).
    await ok(
        await api.http.patch(f"/api/v1/course-events/{event_id}", json={"agenda": "Bring gloves"})
    )
    await run_until(worker, synced)
    assert world.meeting(meeting_id)["topic"] == "Welding (renamed in Zoom)"
