"""xAPI statements to a real LRS (Ralph): planned from final results, sent in batches; one
statement the LRS refuses next to good ones stops alone (the batch is sent again one by one),
a course event whose statements cannot be planned stops alone, wrong credentials stop with a
sentence that never holds the secret."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.courses.helpers import ok
from tests.courses.lrs import Ralph
from tests.fixtures.api import ApiHarness
from tests.sync.conftest import WorkerFactory
from zoombridge.attendance.merge import MarkKind
from zoombridge.attendance.models import AttendancePull, MarkSource
from zoombridge.attendance.store import add_marks, mark_row
from zoombridge.connections.models import ZoomConnection, ZoomPlan
from zoombridge.engine.models import AuditEntry
from zoombridge.events.models import Event, LinkState, MeetingLink, SessionStatus
from zoombridge.results import tasks, xapi
from zoombridge.results.models import StatementState, XapiProgress, XapiStatement

START = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)


async def _held_course(api: ApiHarness, topic: str, emails: list[str]) -> dict[str, Any]:
    """A course event of one session, held: every learner attended all 60 minutes, the report
    pulled (rows as the services and the worker leave them)."""
    async with api.sessionmaker() as session:
        connection = ZoomConnection(
            name=f"Zoom {topic}",
            account_id="a",
            client_id="c",
            client_secret="s",
            plan=ZoomPlan.PRO,
        )
        session.add(connection)
        await session.commit()
    provider = await ok(
        await api.http.post(
            "/api/v1/providers",
            json={"name": topic, "connection_id": str(connection.id), "host": "h@example.org"},
        ),
        201,
    )
    event = await ok(
        await api.http.post(
            "/api/v1/course-events",
            json={
                "provider_id": provider["id"],
                "topic": topic,
                "timezone": "UTC",
                "sessions": [{"start": START.isoformat(), "duration_minutes": 60, "label": "S"}],
            },
        ),
        201,
    )
    people = [{"email": e, "first_name": "L", "last_name": e[:3]} for e in emails]
    await ok(await api.http.post("/api/v1/learners/batch", json={"learners": people}))
    learners = {
        x["email"]: x["id"]
        for x in (await ok(await api.http.get("/api/v1/learners")))["items"]
        if x["email"] in emails
    }
    await ok(
        await api.http.post(
            f"/api/v1/course-events/{event['id']}/enrolments",
            json={"learner_ids": list(learners.values())},
        )
    )
    async with api.sessionmaker() as session:
        row = await session.get(Event, uuid.UUID(event["id"]))
        assert row is not None
        [only] = row.sessions
        only.status = SessionStatus.FINISHED
        link = await session.scalar(select(MeetingLink).where(MeetingLink.event_id == row.id))
        assert link is not None
        link.zoom_meeting_id, link.state = 80_000_000_000 + len(topic), LinkState.SYNCED
        session.add(AttendancePull(link_id=link.id, instance_uuid="i1", done_at=START, rows=1))
        marks = []
        for email in emails:
            common = {
                "link_id": link.id,
                "instance_uuid": "i1",
                "email": email,
                "zoom_id": None,
                "name": email,
                "source": MarkSource.REPORT,
                "connection": email,
            }
            marks.append(mark_row(kind=MarkKind.JOIN, at=START, **common))
            marks.append(mark_row(kind=MarkKind.LEAVE, at=START + timedelta(hours=1), **common))
        await add_marks(session, marks)
        await session.commit()
    return {"event_id": event["id"], "learners": learners}


async def _lrs(api: ApiHarness, ralph: Ralph, secret: str | None = None) -> None:
    await ok(
        await api.http.put(
            "/api/v1/settings/lrs",
            json={"endpoint": ralph.url, "key": ralph.key, "secret": secret or ralph.secret},
        )
    )


async def _statements(api: ApiHarness) -> list[XapiStatement]:
    async with api.sessionmaker() as session:
        return list(await session.scalars(select(XapiStatement).order_by(XapiStatement.dedupe_key)))


async def test_one_refused_statement_stops_alone_next_to_good_ones(
    api: ApiHarness, make_worker: WorkerFactory, ralph: Ralph
) -> None:
    course = await _held_course(api, "Poison", ["p1@example.com", "p2@example.com"])
    await _lrs(api, ralph)
    worker = make_worker()
    planned = await tasks.plan_statements(worker.context)
    assert planned == 1
    rows = await _statements(api)
    assert sorted(r.verb for r in rows) == ["attended", "attended", "completed", "completed"]
    # One more, broken: a statement without an actor (the LRS refuses it).
    async with api.sessionmaker() as session:
        bad_id = uuid.uuid4()
        body = {k: v for k, v in rows[0].statement.items() if k != "actor"} | {"id": str(bad_id)}
        session.add(
            XapiStatement(
                id=bad_id,
                event_id=uuid.UUID(course["event_id"]),
                verb="attended",
                dedupe_key="broken",
                statement=body,
                state=StatementState.PENDING,
            )
        )
        await session.commit()
    await tasks.send_statements(worker.context)
    rows = await _statements(api)
    states = {r.dedupe_key: (r.state, r.last_error) for r in rows}
    bad_state, bad_error = states.pop("broken")
    assert bad_state is StatementState.FAILED
    assert bad_error is not None
    assert "The LRS refused the statement (HTTP 422)" in bad_error
    assert {state for state, _ in states.values()} == {StatementState.SENT}
    stored = {s["id"] for s in ralph.statements()}
    assert {str(r.id) for r in rows if r.state is StatementState.SENT} <= stored
    assert str(bad_id) not in stored
    async with api.sessionmaker() as session:
        audit = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.operation == "xapi:statements")
            )
        )
    assert sorted((a.items, a.http_status) for a in audit) == [(1, 200)] * 4 + [(1, 422), (5, 422)]
    # Sent once: a later pass sends nothing again, and planning again adds nothing.
    assert await tasks.send_statements(worker.context) == 0
    await tasks.plan_statements(worker.context)
    assert len(await _statements(api)) == 5


async def test_a_course_event_that_cannot_be_planned_stops_alone(
    api: ApiHarness, make_worker: WorkerFactory, ralph: Ralph
) -> None:
    good = await _held_course(api, "Good", ["g1@example.com"])
    bad = await _held_course(api, "Bad", ["b1@example.com"])
    await _lrs(api, ralph)
    async with api.sessionmaker() as session:
        # A statement row of the good event already using the key the bad one's result needs
        # (data that should never be: planning that event fails on its unique key).
        event = await session.get(Event, uuid.UUID(bad["event_id"]))
        assert event is not None
        [only] = event.sessions
        learner = bad["learners"]["b1@example.com"]
        session.add(
            XapiStatement(
                event_id=uuid.UUID(good["event_id"]),
                verb="attended",
                dedupe_key=f"attended:{learner}:{only.id}",
                statement={},
                state=StatementState.SENT,
            )
        )
        await session.commit()
    worker = make_worker()
    assert await tasks.plan_statements(worker.context) == 2
    async with api.sessionmaker() as session:
        progress = {str(p.event_id): p for p in await session.scalars(select(XapiProgress))}
    assert progress[good["event_id"]].settled
    assert progress[good["event_id"]].last_error is None
    assert not progress[bad["event_id"]].settled
    assert "turning this course event's results into xAPI statements" in (
        progress[bad["event_id"]].last_error or ""
    )
    verbs = sorted(
        r.verb
        for r in await _statements(api)
        if str(r.event_id) == good["event_id"] and r.statement
    )
    assert verbs == ["attended", "completed"]


async def test_wrong_credentials_stop_with_a_sentence_without_the_secret(
    api: ApiHarness, make_worker: WorkerFactory, ralph: Ralph
) -> None:
    await _held_course(api, "Creds", ["c1@example.com"])
    wrong = "not-the-secret-" + uuid.uuid4().hex
    await _lrs(api, ralph, secret=wrong)
    shown = await ok(await api.http.get("/api/v1/settings/lrs"))
    assert shown["has_secret"] is True
    assert wrong not in str(shown)
    worker = make_worker()
    await tasks.plan_statements(worker.context)
    await tasks.send_statements(worker.context)
    rows = await _statements(api)
    assert {r.state for r in rows} == {StatementState.FAILED}
    for row in rows:
        assert "refused the key and secret (HTTP 401)" in (row.last_error or "")
        assert wrong not in (row.last_error or "")
    # Fixed credentials send them again.
    await _lrs(api, ralph)
    await tasks.send_statements(worker.context)
    assert {r.state for r in await _statements(api)} == {StatementState.SENT}


async def test_an_overridden_result_already_sent_is_voided_and_sent_again(
    api: ApiHarness, make_worker: WorkerFactory, ralph: Ralph
) -> None:
    course = await _held_course(api, "Override", ["o1@example.com", "o2@example.com"])
    await _lrs(api, ralph)
    worker = make_worker()
    await tasks.plan_statements(worker.context)
    await tasks.send_statements(worker.context)
    first = {r.dedupe_key: r for r in await _statements(api)}
    assert {r.state for r in first.values()} == {StatementState.SENT}
    one, two = course["learners"]["o1@example.com"], course["learners"]["o2@example.com"]
    results = await ok(await api.http.get(f"/api/v1/course-events/{course['event_id']}/results"))
    [session_column] = results["sessions"]
    session_id = session_column["id"]
    for learner, status in ((one, "excused"), (two, "partial")):
        await ok(
            await api.http.post(
                f"/api/v1/course-events/{course['event_id']}/overrides",
                json={
                    "learner_id": learner,
                    "session_id": session_id,
                    "status": status,
                    "reason": "left early, told us",
                },
            )
        )
    await tasks.plan_statements(worker.context)
    await tasks.send_statements(worker.context)
    rows = {r.dedupe_key: r for r in await _statements(api)}
    old_one = first[f"attended:{one}:{session_id}"]
    old_two = first[f"attended:{two}:{session_id}"]
    # Excused: the attendance the LRS has is voided and nothing replaces it.
    assert f"attended:{one}:{session_id}" not in rows
    assert rows[f"voided:{old_one.id}"].id == old_one.id
    assert rows[f"voiding:{old_one.id}"].verb == "voided"
    # Partial: voided, and sent again with its new result.
    again = rows[f"attended:{two}:{session_id}"]
    assert again.id != old_two.id
    assert again.statement["result"]["success"] is False
    assert f"voiding:{old_two.id}" in rows
    assert {r.state for r in rows.values()} == {StatementState.SENT}
    in_lrs = ralph.statements()
    voided_in_lrs = {s["object"]["id"] for s in in_lrs if s["verb"]["id"] == xapi.VOIDED}
    assert {str(old_one.id), str(old_two.id)} <= voided_in_lrs
    assert str(again.id) in {s["id"] for s in in_lrs}
    # Taken back once: planning again changes nothing.
    await tasks.plan_statements(worker.context)
    assert len(await _statements(api)) == len(rows)


def test_durations_are_iso_8601() -> None:
    assert [xapi.duration(s) for s in (0, 59, 3000, 3725)] == ["PT0S", "PT59S", "PT50M", "PT1H2M5S"]
