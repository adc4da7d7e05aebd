"""Course event reminders (L4): planned per session start and offset, sent to the enrolled
learners with their own join link — none for a time already past at a learner's enrolment,
none at all for a past event — replanned when a session moves, and sent once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from tests.courses.helpers import connection, ok, smtp_to
from tests.courses.helpers import until as run_until
from tests.fixtures.api import ApiHarness
from tests.sync.conftest import Clock, WorkerFactory, World
from zoombridge.courses.models import Enrolment, Learner
from zoombridge.notifications.models import Reminder, ReminderState
from zoombridge.notifications.sink import MailSink


async def _event(api: ApiHarness, provider_id: str, starts: list[datetime]) -> dict[str, Any]:
    return dict(
        await ok(
            await api.http.post(
                "/api/v1/course-events",
                json={
                    "provider_id": provider_id,
                    "topic": "First aid",
                    "timezone": "Europe/Helsinki",
                    "reminder_offsets": ["1h", "1d"],
                    "sessions": [
                        {"start": s.isoformat(), "duration_minutes": 60, "label": f"S{i + 1}"}
                        for i, s in enumerate(starts)
                    ],
                },
            ),
            201,
        )
    )


async def _reminders(api: ApiHarness, event_id: str) -> list[Reminder]:
    async with api.sessionmaker() as session:
        rows = await session.scalars(
            select(Reminder)
            .where(Reminder.target_key == f"event:{event_id}")
            .order_by(Reminder.due_at)
        )
        return list(rows)


async def test_reminders_go_to_learners_enrolled_in_time_once(
    api: ApiHarness, world: World, make_worker: WorkerFactory, clock: Clock, sink: MailSink
) -> None:
    await smtp_to(api.sessionmaker, sink.port)
    connection_id = await connection(api, world.sim)
    provider = await ok(
        await api.http.post(
            "/api/v1/providers",
            json={"name": "P", "connection_id": connection_id, "host": world.sim.config.host_email},
        ),
        201,
    )
    now = datetime.now(UTC).replace(microsecond=0)
    first, second = now + timedelta(hours=3), now + timedelta(days=2)
    event = await _event(api, provider["id"], [first, second])
    planned = [(r.offset, r.start_at) for r in await _reminders(api, event["id"])]
    # The first session's "1 day before" was already past when the event was made.
    assert sorted(planned) == sorted([("1h", first), ("1h", second), ("1d", second)])

    people = [
        {"email": f"{n}@example.com", "first_name": n, "last_name": "L"} for n in ("ann", "bob")
    ]
    await ok(await api.http.post("/api/v1/learners/batch", json={"learners": people}))
    ids = [x["id"] for x in (await ok(await api.http.get("/api/v1/learners")))["items"]]
    await ok(
        await api.http.post(
            f"/api/v1/course-events/{event['id']}/enrolments", json={"learner_ids": ids}
        )
    )
    # Bob is enrolled after the first session's reminder time: he gets none of it.
    async with api.sessionmaker() as session:
        bob = await session.scalar(select(Learner.id).where(Learner.email == "bob@example.com"))
        await session.execute(
            update(Enrolment)
            .where(Enrolment.learner_id == bob)
            .values(enrolled_at=first - timedelta(minutes=30))
        )
        await session.commit()

    worker = make_worker()
    clock.advance(first - timedelta(minutes=59) - clock())

    async def mailed() -> bool:
        return bool(sink.messages(to="ann@example.com"))

    await run_until(worker, mailed)
    for _ in range(3):  # later passes send nothing more
        await worker.run_once()
    [message] = sink.messages(to="ann@example.com")
    local = first.astimezone(ZoneInfo("Europe/Helsinki"))
    assert message.subject == f"Reminder: First aid — S1 on {local:%Y-%m-%d %H:%M}"
    assert "Join with your own link: https://" in message.text
    assert sink.messages(to="bob@example.com") == []
    fired = [r for r in await _reminders(api, event["id"]) if r.state is ReminderState.QUEUED]
    assert [(r.offset, r.start_at, r.note) for r in fired] == [("1h", first, "1 email queued.")]

    # The second session moves a day: its reminders are planned again for the new start.
    view = await ok(await api.http.get(f"/api/v1/course-events/{event['id']}"))
    moved = second + timedelta(days=1)
    sessions = [
        {"start": view["sessions"][0]["start"], "duration_minutes": 60, "label": "S1"},
        {"start": moved.isoformat(), "duration_minutes": 60, "label": "S2"},
    ]
    await ok(
        await api.http.patch(f"/api/v1/course-events/{event['id']}", json={"sessions": sessions})
    )
    rows = await _reminders(api, event["id"])
    assert sorted((r.offset, r.start_at) for r in rows if r.state is ReminderState.PLANNED) == [
        ("1d", moved),
        ("1h", moved),
    ]
    assert {r.state for r in rows if r.start_at == second} == {ReminderState.CANCELLED}


async def test_a_past_course_event_gets_no_reminders(api: ApiHarness, world: World) -> None:
    connection_id = await connection(api, world.sim)
    provider = await ok(
        await api.http.post(
            "/api/v1/providers",
            json={"name": "P", "connection_id": connection_id, "host": world.sim.config.host_email},
        ),
        201,
    )
    past = datetime.now(UTC) - timedelta(days=3)
    event = await _event(api, provider["id"], [past, past + timedelta(days=1)])
    people = [{"email": "late@example.com", "first_name": "L", "last_name": "T"}]
    await ok(await api.http.post("/api/v1/learners/batch", json={"learners": people}))
    [learner] = (await ok(await api.http.get("/api/v1/learners")))["items"]
    await ok(
        await api.http.post(
            f"/api/v1/course-events/{event['id']}/enrolments", json={"learner_ids": [learner["id"]]}
        )
    )
    assert await _reminders(api, event["id"]) == []
