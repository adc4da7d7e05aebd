"""The issue's "Done when", through the REST API only, on SQLite and PostgreSQL.

The owner makes an admin and a department admin; the admin creates a provider (its host checked
against the account's Zoom users); the department admin creates a course event with 3
sessions, enrols a group of 40 and an organisation of 25 with 5 people in both: 60 learners,
registered on all 3 Zoom meetings in the simulator. The simulator holds the sessions (people
join, leave and rejoin, join 10 minutes early, one guest without an email, one person matched
only by email); results show minutes, percent and statuses per the rule; the guest is assigned
by hand and counted; xAPI statements land in Ralph; a learner signs in with the emailed link
and sees their 3 sessions and results.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.courses.helpers import connection, deliver, ended, hold_session, ok, smtp_to, token_for
from tests.courses.helpers import until as run_until
from tests.courses.lrs import Ralph
from tests.fixtures.api import ApiHarness
from tests.sync.conftest import WorkerFactory, World
from zoombridge.courses.models import LearnerSignIn
from zoombridge.notifications.models import OutboundEmail
from zoombridge.notifications.sink import MailSink
from zoombridge.orders.models import Registration, RegistrationState

pytestmark = pytest.mark.timeout(240)

SESSION_MINUTES = 60


def pattern(n: int) -> list[list[int]] | None:
    """Learner n's segments in every session, seconds from the instance's start (which is 10
    minutes before the scheduled start, so 600 is the start and 4200 the end)."""
    kind = n % 5
    if kind == 0:
        return [[0, 4200]]  # joined 10 minutes early: 60 minutes count
    if kind == 1:
        return [[600, 1800], [2400, 4200]]  # left and rejoined: 50 minutes
    if kind == 2:
        return [[600, 3000], [1800, 4200]]  # laptop and phone at once: 60 minutes
    if kind == 3:
        return [[600, 2400]]  # 30 minutes: partial
    return None  # absent


EXPECTED = {0: (60.0, "attended"), 1: (50.0, "attended"), 2: (60.0, "attended")}
EXPECTED |= {3: (30.0, "partial"), 4: (0.0, "absent")}
GUEST_OF = 59  # absent by pattern; a guest without an email, assigned to them by hand
EMAIL_ONLY = 58  # joins with a registrant id Zoom never gave us: matched by email


async def test_courses_done_when(
    api: ApiHarness, world: World, make_worker: WorkerFactory, sink: MailSink, ralph: Ralph
) -> None:
    sim, admin = world.sim, world.admin
    owner = api.http
    worker = make_worker()
    connection_id = await connection(api, sim)
    await smtp_to(api.sessionmaker, sink.port)

    # The owner makes the people: an admin, and a department admin of "Safety training".
    department = await ok(
        await owner.post("/api/v1/departments", json={"name": "Safety training"}), 201
    )
    boss = await ok(
        await owner.post(
            "/api/v1/users",
            json={"email": "admin@example.org", "password": "long enough 1", "role": "admin"},
        ),
        201,
    )
    dept = await ok(
        await owner.post(
            "/api/v1/users",
            json={
                "email": "safety@example.org",
                "password": "long enough 2",
                "role": "department_admin",
                "department_ids": [department["id"]],
            },
        ),
        201,
    )
    as_admin = await token_for(api, boss["id"])
    as_dept = await token_for(api, dept["id"])

    # Providers are connections' business: the department admin may not make one.
    provider_body = {
        "name": "Ivanov+Zoom",
        "connection_id": connection_id,
        "host": "ivanov@example.org",
        "default_kind": "meeting",
    }
    refused = await as_dept.post("/api/v1/providers", json=provider_body)
    assert refused.status_code == 403
    assert "manage_connections" in refused.json()["detail"]
    # The admin makes it with a host that is not a Zoom user: saved, with a warning.
    provider = await ok(await as_admin.post("/api/v1/providers", json=provider_body), 201)
    await run_until(
        worker,
        lambda: _hosts_fetched(as_admin, provider["id"]),
    )
    provider = await ok(await as_admin.get(f"/api/v1/providers/{provider['id']}"))
    [warning] = provider["warnings"]
    assert "ivanov@example.org is not a user of this Zoom account" in warning
    provider = await ok(
        await as_admin.patch(
            f"/api/v1/providers/{provider['id']}", json={"host": sim.config.host_email}
        )
    )
    assert provider["warnings"] == []

    # The department admin's structure: a group of 40 and an organisation of 25, 5 in both.
    group = await ok(
        await as_dept.post(
            "/api/v1/groups", json={"name": "Group 15-PB", "department_id": department["id"]}
        ),
        201,
    )
    org = await ok(
        await as_dept.post(
            "/api/v1/organisations",
            json={
                "name": "Remstroy",
                "tax_number": "1831178436",
                "department_id": department["id"],
            },
        ),
        201,
    )
    learners = [
        {
            "email": f"learner{n}@example.com",
            "first_name": f"Learner{n}",
            "last_name": "Test",
            "department_id": department["id"],
            "group_ids": [group["id"]] if n < 40 else [],
            "organisation_id": org["id"] if n >= 35 else None,
        }
        for n in range(60)
    ]
    batch = await ok(await as_dept.post("/api/v1/learners/batch", json={"learners": learners}))
    assert batch == {"created": 60, "updated": 0}

    # A course event with 3 sessions, one a day from tomorrow at 10:00 UTC.
    first = (datetime.now(UTC) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    starts = [first + timedelta(days=d) for d in range(3)]
    course_event = await ok(
        await as_dept.post(
            "/api/v1/course-events",
            json={
                "provider_id": provider["id"],
                "topic": "Fire safety 2031",
                "timezone": "Europe/Moscow",
                "trainer_name": "Anna Trainer (no account)",
                "department_id": department["id"],
                "reminder_offsets": ["1d", "1h"],
                "sessions": [
                    {
                        "start": s.isoformat(),
                        "duration_minutes": SESSION_MINUTES,
                        "label": f"Day {i + 1}",
                    }
                    for i, s in enumerate(starts)
                ],
            },
        ),
        201,
    )
    event_id = course_event["id"]
    await ok(await as_dept.put(f"/api/v1/course-events/{event_id}/rules", json={"min_percent": 75}))
    enrolled = await ok(
        await as_dept.post(
            f"/api/v1/course-events/{event_id}/enrolments",
            json={"group_ids": [group["id"]], "organisation_ids": [org["id"]]},
        )
    )
    assert enrolled == {"picked": 60, "added": 60, "already": 0, "enrolled": 60}

    # The worker creates the 3 meetings and registers the 60 learners on each.
    async def all_registered() -> bool:
        async with api.sessionmaker() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(Registration.state == RegistrationState.REGISTERED)
            )
        return count == 180

    await run_until(worker, all_registered, rounds=80)
    view = await ok(await as_dept.get(f"/api/v1/course-events/{event_id}"))
    meetings = [s["zoom_meeting_id"] for s in view["sessions"]]
    assert len(set(meetings)) == 3
    assert all(meetings)
    for meeting_id in meetings:
        registrants = world.registrants(meeting_id)
        assert len(registrants) == 60
        assert {r["status"] for r in registrants.values()} == {"approved"}

    # The simulator holds the 3 sessions; Zoom says each ended; the worker pulls the reports.
    for meeting_id, start in zip(meetings, starts, strict=True):
        people: list[dict[str, Any]] = []
        for n in range(60):
            segments = pattern(n)
            if segments is not None:
                person: dict[str, Any] = {
                    "name": f"Learner{n} Test",
                    "email": f"learner{n}@example.com",
                    "segments": segments,
                }
                if n == EMAIL_ONLY:
                    person["registrant_id"] = "registered-in-zoom-by-hand"
                people.append(person)
        people.append({"name": "Phone of Learner59", "segments": [[600, 4200]]})
        instance = hold_session(admin, meeting_id, start, people, SESSION_MINUTES)
        await deliver(api, connection_id, ended(meeting_id, instance))

    async def reports_final() -> bool:
        answer = await as_dept.get(f"/api/v1/course-events/{event_id}/results")
        return all(s["final"] for s in answer.json()["sessions"])

    await run_until(worker, reports_final, rounds=80)
    results = await ok(await as_dept.get(f"/api/v1/course-events/{event_id}/results"))
    rows = {row["email"]: row for row in results["learners"]}
    assert len(rows) == 60
    for n in range(60):
        row = rows[f"learner{n}@example.com"]
        minutes, status = EXPECTED[n % 5]
        for cell in row["cells"]:
            assert (cell["minutes"], cell["status"]) == (minutes, status), (n, cell)
            assert cell["percent"] == round(100 * minutes / SESSION_MINUTES, 1)
        assert row["completion"] == ("completed" if status == "attended" else "not_completed")
    # Matched by email although its registrant id is unknown to us (58 % 5 == 3: partial).
    assert rows[f"learner{EMAIL_ONLY}@example.com"]["cells"][0]["minutes"] == 30.0
    [guest] = results["unmatched"]
    assert (guest["name"], guest["email"]) == ("Phone of Learner59", "")
    assert sorted(guest["minutes"].values()) == [60.0, 60.0, 60.0]
    assert [s["attended"] for s in results["sessions"]] == [36, 36, 36]

    # The guest is assigned by hand (once): counted in every session, gone from unmatched.
    learner59 = rows[f"learner{GUEST_OF}@example.com"]
    results = await ok(
        await as_dept.post(
            f"/api/v1/course-events/{event_id}/unmatched/assign",
            json={"person_key": guest["person_key"], "learner_id": learner59["learner_id"]},
        )
    )
    assert results["unmatched"] == []
    row = next(r for r in results["learners"] if r["learner_id"] == learner59["learner_id"])
    assert [(c["minutes"], c["status"]) for c in row["cells"]] == [(60.0, "attended")] * 3
    assert row["completion"] == "completed"

    # xAPI: the LRS is set up (settings are the owner's), the worker sends the statements.
    await ok(
        await owner.put(
            "/api/v1/settings/lrs",
            json={"endpoint": ralph.url, "key": ralph.key, "secret": ralph.secret},
        )
    )
    attended_cells = sum(
        1 for r in results["learners"] for c in r["cells"] if c["status"] in ("attended", "partial")
    )
    completed = sum(1 for r in results["learners"] if r["completion"] == "completed")

    async def all_sent() -> bool:
        answer = await as_dept.get(f"/api/v1/course-events/{event_id}/statements")
        states = [s["state"] for s in answer.json()["items"]]
        return len(states) == attended_cells + completed and set(states) == {"sent"}

    try:
        await run_until(worker, all_sent, rounds=40)
    except AssertionError:
        answer = await as_dept.get(f"/api/v1/course-events/{event_id}/statements")
        raise AssertionError(answer.text[:2000]) from None
    mine = [s for s in ralph.statements() if event_id in json.dumps(s)]
    verbs = sorted({s["verb"]["display"]["en-US"] for s in mine})
    assert verbs == ["attended", "completed"]
    assert len(mine) == attended_cells + completed
    one = next(
        s
        for s in mine
        if s["actor"]["mbox"] == "mailto:learner1@example.com"
        and s["verb"]["id"].endswith("attended")
    )
    assert one["result"]["duration"] == "PT50M"
    assert one["context"]["contextActivities"]["parent"][0]["id"] == (
        f"urn:zoombridge:course-event:{event_id}"
    )

    # A learner signs in with the emailed link and sees their 3 sessions and results.
    answer = await api.anonymous.post(
        "/api/v1/learner/sign-in", json={"email": "Learner1@example.com"}
    )
    assert answer.status_code == 202

    async def mailed() -> bool:
        return bool(sink.messages(to="learner1@example.com"))

    await run_until(worker, mailed, rounds=20)
    [message] = sink.messages(to="learner1@example.com")
    token = re.search(r"token=(\S+)", message.text)
    assert token is not None
    async with api.sessionmaker() as session:
        kept = await session.scalar(
            select(OutboundEmail.body).where(OutboundEmail.template_key == "learner_sign_in")
        )
        secret = await session.scalar(select(LearnerSignIn.token_hash))
    assert kept is not None
    assert token.group(1) not in kept  # the link went out; the outbox's copy never holds it
    assert secret == hashlib.sha256(token.group(1).encode()).hexdigest()
    exchanged = await ok(
        await api.anonymous.post("/api/v1/learner/token", json={"token": token.group(1)})
    )
    again = await api.anonymous.post("/api/v1/learner/token", json={"token": token.group(1)})
    assert again.status_code == 422  # single use
    learner = {"Authorization": f"Bearer {exchanged['token']}"}
    mine_view = await ok(await api.anonymous.get("/api/v1/me/events", headers=learner))
    [event] = mine_view["upcoming"] + mine_view["past"]
    assert event["topic"] == "Fire safety 2031"
    assert [(s["label"], s["minutes"], s["result"]) for s in event["sessions"]] == [
        ("Day 1", 50.0, "attended"),
        ("Day 2", 50.0, "attended"),
        ("Day 3", 50.0, "attended"),
    ]
    assert all(s["join_url"] for s in event["sessions"])
    assert event["completion"] == "completed"
    # A learner token is not a staff token.
    staff = await api.anonymous.get(f"/api/v1/course-events/{event_id}", headers=learner)
    assert staff.status_code == 401
    for client in (as_admin, as_dept):
        await client.aclose()


async def _hosts_fetched(client: Any, provider_id: str) -> bool:
    answer = await client.get(f"/api/v1/providers/{provider_id}")
    return "not fetched yet" not in " ".join(answer.json()["warnings"])
