"""The courses API refuses bad input with field errors and stores nothing: an unknown provider
or host, a department admin acting outside its departments, enrolling into a full event, a
session over 23 h 59, a rule with N outside 0-100, control characters; course events take no
orders; the routes name the permission they need; learner and staff tokens stay apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.courses.helpers import ok, token_for
from tests.fixtures.api import ApiHarness
from zoombridge.connections.models import ZoomConnection, ZoomHost, ZoomPlan
from zoombridge.courses.models import CourseEvent, Enrolment, Learner

START = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)


async def _count(api: ApiHarness, model: Any) -> int:
    async with api.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _setup(api: ApiHarness, *, hosts: bool = True) -> dict[str, Any]:
    async with api.sessionmaker() as session:
        connection = ZoomConnection(
            name="Zoom",
            account_id="acc",
            client_id="cid",
            client_secret="secret",
            plan=ZoomPlan.PRO,
            webinar_addon=False,
        )
        session.add(connection)
        await session.flush()
        if hosts:  # as the worker's "fetch hosts" leaves them
            session.add(
                ZoomHost(
                    connection_id=connection.id,
                    zoom_user_id="u-1",
                    email="host@example.org",
                    first_name="Host",
                    last_name="One",
                    fetched_at=datetime.now(UTC),
                )
            )
        await session.commit()
    provider = await ok(
        await api.http.post(
            "/api/v1/providers",
            json={"name": "P", "connection_id": str(connection.id), "host": "host@example.org"},
        ),
        201,
    )
    return {"connection_id": str(connection.id), "provider": provider}


def _event(provider_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "provider_id": provider_id,
        "topic": "Course",
        "timezone": "UTC",
        "sessions": [{"start": START.isoformat(), "duration_minutes": 60, "label": "One"}],
    }
    body.update(fields)
    return body


def _fields(response: httpx.Response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


async def test_bad_course_events_are_refused_with_field_errors(api: ApiHarness) -> None:
    setup = await _setup(api)
    pid = setup["provider"]["id"]
    assert setup["provider"]["warnings"] == []
    cases = [
        (_event("00000000-0000-0000-0000-000000000000"), 422, "provider_id"),
        (
            _event(pid, sessions=[{"start": START.isoformat(), "duration_minutes": 1440}]),
            422,
            "sessions[0].duration_minutes",
        ),
        (_event(pid, host="stranger@example.org"), 422, "host"),
        (_event(pid, kind="webinar"), 422, "kind"),
        (_event(pid, topic="Fire\nBcc: x@example.org"), 422, "topic"),
        (_event(pid, sessions=[]), 422, "sessions"),
        (_event(pid, reminder_offsets=["5m"]), 422, "reminder_offsets"),
    ]
    for body, status, field in cases:
        answer = await api.http.post("/api/v1/course-events", json=body)
        assert answer.status_code == status, (field, answer.text)
        assert field in _fields(answer) or field in answer.text, (field, answer.text)
    assert await _count(api, CourseEvent) == 0
    good = await ok(await api.http.post("/api/v1/course-events", json=_event(pid)), 201)
    assert [s["duration_minutes"] for s in good["sessions"]] == [60]
    # A rule's N is a percentage.
    for rule, field in (
        ({"min_percent": 101}, "min_percent"),
        ({"min_percent": -1}, "min_percent"),
    ):
        answer = await api.http.put(f"/api/v1/course-events/{good['id']}/rules", json=rule)
        assert answer.status_code == 422
        assert field in answer.text
    # A course event registers its learners: it takes no orders.
    order = await api.http.post(
        f"/api/v1/events/{good['id']}/orders",
        json={
            "status": "completed",
            "attendees": [{"email": "a@example.org", "first_name": "A", "last_name": "B"}],
        },
    )
    assert order.status_code == 409
    assert "course event" in order.json()["detail"]


async def test_provider_host_not_a_zoom_user_is_a_warning_naming_the_fix(api: ApiHarness) -> None:
    setup = await _setup(api)
    answer = await ok(
        await api.http.patch(
            f"/api/v1/providers/{setup['provider']['id']}", json={"host": "ivanov@example.org"}
        )
    )
    [warning] = answer["warnings"]
    assert "ivanov@example.org is not a user of this Zoom account" in warning
    assert "same email" in warning
    refused = await api.http.post(
        "/api/v1/providers",
        json={
            "name": "W",
            "connection_id": setup["connection_id"],
            "host": "host@example.org",
            "default_kind": "webinar",
        },
    )
    assert refused.status_code == 422
    assert "default_kind" in _fields(refused)


async def test_full_event_and_locked_list_refuse_enrolment(api: ApiHarness) -> None:
    setup = await _setup(api)
    event = await ok(
        await api.http.post(
            "/api/v1/course-events", json=_event(setup["provider"]["id"], capacity=2)
        ),
        201,
    )
    people = [
        {"email": f"p{n}@example.org", "first_name": "P", "last_name": str(n)} for n in range(3)
    ]
    await ok(await api.http.post("/api/v1/learners/batch", json={"learners": people}))
    ids = [x["id"] for x in (await ok(await api.http.get("/api/v1/learners")))["items"]]
    full = await api.http.post(
        f"/api/v1/course-events/{event['id']}/enrolments", json={"learner_ids": ids}
    )
    assert full.status_code == 409
    assert full.json()["code"] == "capacity_exceeded"
    assert "learner_ids" in _fields(full)
    assert await _count(api, Enrolment) == 0
    two = await ok(
        await api.http.post(
            f"/api/v1/course-events/{event['id']}/enrolments",
            json={"learner_ids": ids[:2] + ids[:1]},
        )
    )
    assert two == {"picked": 2, "added": 2, "already": 0, "enrolled": 2}
    await ok(await api.http.put(f"/api/v1/course-events/{event['id']}/lock", json={"locked": True}))
    locked = await api.http.delete(f"/api/v1/course-events/{event['id']}/enrolments/{ids[0]}")
    assert locked.status_code == 409
    assert await _count(api, Enrolment) == 2


async def test_a_department_admin_acts_only_within_its_departments(api: ApiHarness) -> None:
    setup = await _setup(api)
    mine = await ok(await api.http.post("/api/v1/departments", json={"name": "Mine"}), 201)
    other = await ok(await api.http.post("/api/v1/departments", json={"name": "Other"}), 201)
    user = await ok(
        await api.http.post(
            "/api/v1/users",
            json={
                "email": "dept@example.org",
                "password": "long enough 1",
                "role": "department_admin",
                "department_ids": [mine["id"]],
            },
        ),
        201,
    )
    as_dept = await token_for(api, user["id"])
    theirs = await ok(
        await api.http.post(
            "/api/v1/learners",
            json={
                "email": "theirs@example.org",
                "first_name": "T",
                "last_name": "H",
                "department_id": other["id"],
            },
        ),
        201,
    )
    # Out of reach: a learner made in another department, an event there, an enrolment of theirs.
    refused = await as_dept.post(
        "/api/v1/learners",
        json={
            "email": "new@example.org",
            "first_name": "N",
            "last_name": "W",
            "department_id": other["id"],
        },
    )
    assert refused.status_code == 403
    assert "department_id" in _fields(refused)
    refused = await as_dept.post(
        "/api/v1/course-events",
        json=_event(setup["provider"]["id"], department_id=other["id"]),
    )
    assert refused.status_code == 403
    event = await ok(
        await as_dept.post(
            "/api/v1/course-events", json=_event(setup["provider"]["id"], department_id=mine["id"])
        ),
        201,
    )
    refused = await as_dept.post(
        f"/api/v1/course-events/{event['id']}/enrolments", json={"learner_ids": [theirs["id"]]}
    )
    assert refused.status_code == 403
    assert "learner_ids[0]" in _fields(refused)
    assert await _count(api, Enrolment) == 0
    assert await _count(api, Learner) == 1
    # It sees only its own.
    assert (await ok(await as_dept.get("/api/v1/learners")))["items"] == []
    assert [e["id"] for e in (await ok(await as_dept.get("/api/v1/course-events")))["items"]] == [
        event["id"]
    ]
    assert (await as_dept.get(f"/api/v1/learners/{theirs['id']}")).status_code == 403
    # And it may not make providers: the refusal names the permission.
    refused = await as_dept.post(
        "/api/v1/providers",
        json={"name": "X", "connection_id": setup["connection_id"], "host": "host@example.org"},
    )
    assert refused.status_code == 403
    assert "manage_connections" in refused.json()["detail"]
    await as_dept.aclose()


async def test_staff_and_learner_tokens_do_not_cross(api: ApiHarness) -> None:
    staff = await api.http.get("/api/v1/me/events")
    assert staff.status_code == 401
    assert "learner token" in staff.json()["detail"]
    # Asking for a link tells nothing about who exists.
    for email in ("nobody@example.org", "NOBODY@example.org"):
        answer = await api.anonymous.post("/api/v1/learner/sign-in", json={"email": email})
        assert answer.status_code == 202
    bad = await api.anonymous.post("/api/v1/learner/token", json={"token": "zbs_not-a-real-one"})
    assert bad.status_code == 422
    assert "not valid" in bad.text
