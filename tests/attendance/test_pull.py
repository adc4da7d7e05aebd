"""The worker pulls the participants report of an ended instance (every page), once, merges it,
audits it, and retries it when Zoom fails."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.attendance.events import ended_event, participant_event, signed
from tests.fixtures.api import ApiHarness
from tests.sync.conftest import WorkerFactory, World
from zoombridge.attendance.models import AttendancePull
from zoombridge.connections.models import ZoomKind
from zoombridge.engine.models import AuditEntry
from zoombridge.events.models import MeetingLink
from zoombridge.worker import Worker

PEOPLE = 130  # x 3 segments = 390 report rows: two pages of 300


def segments_of(n: int) -> list[list[int]]:
    # Three visits; every fifth person's second visit overlaps the first (a second device).
    if n % 5 == 0:
        return [[0, 600], [300, 900], [1800, 2400]]
    return [[0, 600], [900, 1200], [1800, 2400]]


def expected_seconds(n: int) -> int:
    return 900 + 600 if n % 5 == 0 else 600 + 300 + 600


async def synced_webinar(world: World, worker: Worker) -> tuple[Any, int]:
    event, link = await world.event(ZoomKind.WEBINAR)
    for _ in range(20):
        await worker.run_once()
        row = await world.get(MeetingLink, link.id)
        if row.zoom_meeting_id is not None:
            return event, int(row.zoom_meeting_id)
    raise AssertionError("the webinar was not created")


async def deliver(api: ApiHarness, connection_id: Any, body: dict[str, Any]) -> None:
    raw, headers = signed(body)
    answer = await api.anonymous.post(
        f"/webhooks/zoom/{connection_id}", content=raw, headers=headers
    )
    assert answer.status_code == 200, answer.text


async def until_pulled(world: World, worker: Worker) -> list[AttendancePull]:
    for _ in range(50):
        await worker.run_once()
        pulls = await world.all(select(AttendancePull))
        if pulls and all(p.done_at is not None or p.failed for p in pulls):
            return pulls
        await asyncio.sleep(0.05)
    raise AssertionError("the report was not pulled")


async def test_report_of_an_ended_webinar_is_pulled_across_pages_once(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect()
    worker = make_worker()
    event, meeting_id = await synced_webinar(world, worker)
    people = [
        {"name": f"Person {n}", "email": f"P{n}@Example.com", "segments": segments_of(n)}
        for n in range(PEOPLE)
    ]
    instance = world.admin.attendance(meeting_id, people)
    started = datetime.fromisoformat(instance["start_time"].replace("Z", "+00:00"))
    # A live webhook of someone the report also has: the report (Zoom's record) wins.
    await deliver(
        api,
        connection.id,
        participant_event(
            "joined",
            meeting_id,
            instance["uuid"],
            email="p1@example.com",
            name="Person 1",
            connection="live",
            at=started + timedelta(seconds=5),
        ),
    )
    world.admin.reset_stats()
    await deliver(api, connection.id, ended_event(meeting_id, instance["uuid"]))

    pulls = await until_pulled(world, worker)
    assert [(p.instance_uuid, p.rows, p.failed) for p in pulls] == [
        (instance["uuid"], 3 * PEOPLE, False)
    ]
    assert world.calls("report") == 2  # both pages, each once

    answer = await api.http.get(f"/api/v1/events/{event.id}/attendance")
    assert answer.status_code == 200
    seen = {p["email"]: p for p in answer.json()["people"]}
    assert len(seen) == PEOPLE
    for n in range(PEOPLE):
        person = seen[f"p{n}@example.com"]
        assert person["source"] == "report"
        assert person["joins"] == 3
        assert person["attended_seconds"] == expected_seconds(n), n
        assert person["percent"] == round(100 * expected_seconds(n) / 3600, 1)

    audit = await world.all(select(AuditEntry).where(AuditEntry.operation == "attendance:report"))
    assert [(a.items, a.subject("event"), a.outcome.value) for a in audit] == [
        (3 * PEOPLE, event.id, "ok")
    ]

    # Later passes, and the same ended event delivered again, pull nothing more.
    await deliver(api, connection.id, ended_event(meeting_id, instance["uuid"]) | {"event_ts": 1})
    for _ in range(3):
        await worker.run_once()
    assert world.calls("report") == 2
    assert len(await world.all(select(AttendancePull))) == 1


async def test_a_failed_pull_is_retried(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect()
    worker = make_worker()
    event, meeting_id = await synced_webinar(world, worker)
    instance = world.admin.attendance(
        meeting_id, [{"name": "Ann", "email": "ann@example.com", "segments": [[0, 1800]]}]
    )
    await deliver(api, connection.id, ended_event(meeting_id, instance["uuid"]))
    world.admin.faults(error_rate=1.0)
    await worker.run_once()
    (pull,) = await world.all(select(AttendancePull))
    assert pull.done_at is None
    assert pull.attempts == 1
    assert pull.last_error is not None
    assert "trying again" in pull.last_error
    audit = await world.all(select(AuditEntry).where(AuditEntry.subjects.any(kind="link")))
    assert "retry" in {a.outcome.value for a in audit}

    world.admin.faults(error_rate=0.0)
    await asyncio.sleep(0.1)  # the test backoff is 10-50 ms
    (pull,) = await until_pulled(world, worker)
    assert pull.done_at is not None
    assert pull.last_error is None
    answer = await api.http.get(f"/api/v1/events/{event.id}/attendance")
    (ann,) = answer.json()["people"]
    assert ann["attended_seconds"] == 1800
