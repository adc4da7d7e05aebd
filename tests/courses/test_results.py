"""Results rules: a participant is matched by Zoom registrant id before email (a phone signed
in with a private email still counts for the registrant), never "absent" before the report is
final, overrides with a reason (excused counts for K of S), and the minutes rule."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from tests.courses.helpers import ok
from tests.courses.test_xapi import START, _held_course
from tests.fixtures.api import ApiHarness
from zoombridge.attendance.merge import MarkKind
from zoombridge.attendance.models import AttendanceMark, AttendancePull, MarkSource
from zoombridge.attendance.store import add_marks, mark_row
from zoombridge.events.models import EventSession, MeetingLink, SessionStatus
from zoombridge.orders.models import Registration


async def _results(api: ApiHarness, event_id: str) -> dict[str, dict[str, Any]]:
    answer = await ok(await api.http.get(f"/api/v1/course-events/{event_id}/results"))
    return {row["email"]: row for row in answer["learners"]}


async def test_registrant_id_first_then_email_and_the_rules(api: ApiHarness) -> None:
    course = await _held_course(api, "Rules", ["a1@example.com", "c1@example.com"])
    event_id = uuid.UUID(course["event_id"])
    async with api.sessionmaker() as session:
        link = await session.scalar(select(MeetingLink).where(MeetingLink.event_id == event_id))
        assert link is not None
        # c1 never came with their own email; their registrant id is known from Zoom.
        await session.execute(
            update(Registration)
            .where(Registration.link_id == link.id, Registration.email == "c1@example.com")
            .values(zoom_registrant_id="reg-c1")
        )
        await session.execute(
            update(Registration)
            .where(Registration.link_id == link.id, Registration.email == "a1@example.com")
            .values(zoom_registrant_id="reg-a1")
        )
        await session.commit()
        # Drop c1's own marks: they joined only from a phone signed in with a private email,
        # through their registrant link (Zoom's report gives their registrant id).
        await session.execute(
            AttendanceMark.__table__.delete().where(AttendanceMark.email == "c1@example.com")
        )
        marks = []
        for email, registrant, minutes in (("c1.private@example.org", "reg-c1", 30),):
            common = {
                "link_id": link.id,
                "instance_uuid": "i1",
                "email": email,
                "zoom_id": None,
                "name": "Phone",
                "source": MarkSource.REPORT,
                "connection": "phone",
                "registrant_id": registrant,
            }
            marks.append(mark_row(kind=MarkKind.JOIN, at=START + timedelta(minutes=5), **common))
            marks.append(
                mark_row(kind=MarkKind.LEAVE, at=START + timedelta(minutes=5 + minutes), **common)
            )
        await add_marks(session, marks)
        await session.commit()
    rows = await _results(api, course["event_id"])
    a1 = rows["a1@example.com"]["cells"][0]
    c1 = rows["c1@example.com"]["cells"][0]
    assert (a1["minutes"], a1["status"]) == (60.0, "attended")
    assert (c1["minutes"], c1["percent"], c1["status"]) == (30.0, 50.0, "partial")
    answer = await ok(await api.http.get(f"/api/v1/course-events/{event_id}/results"))
    assert answer["unmatched"] == []

    # N or M: 25 minutes is enough for c1 now; with "both" and N = 80 it is not.
    await ok(
        await api.http.put(
            f"/api/v1/course-events/{event_id}/rules", json={"min_percent": 80, "min_minutes": 25}
        )
    )
    assert (await _results(api, course["event_id"]))["c1@example.com"]["cells"][0]["status"] == (
        "attended"
    )
    await ok(
        await api.http.put(
            f"/api/v1/course-events/{event_id}/rules",
            json={"min_percent": 80, "min_minutes": 25, "both": True},
        )
    )
    c1_row = (await _results(api, course["event_id"]))["c1@example.com"]
    assert (c1_row["cells"][0]["status"], c1_row["completion"]) == ("partial", "not_completed")

    # Excused by hand, with a reason: counts as attended for "K of S", and is audited.
    session_id = c1_row["cells"][0]["session_id"]
    missing_reason = await api.http.post(
        f"/api/v1/course-events/{event_id}/overrides",
        json={"learner_id": c1_row["learner_id"], "session_id": session_id, "status": "excused"},
    )
    assert missing_reason.status_code == 422
    after = await ok(
        await api.http.post(
            f"/api/v1/course-events/{event_id}/overrides",
            json={
                "learner_id": c1_row["learner_id"],
                "session_id": session_id,
                "status": "excused",
                "reason": "Sick note",
            },
        )
    )
    row = next(r for r in after["learners"] if r["email"] == "c1@example.com")
    assert (row["cells"][0]["status"], row["cells"][0]["override_reason"]) == (
        "excused",
        "Sick note",
    )
    assert row["completion"] == "completed"
    # The minutes rule: 30 of 60 minutes is not 80 %.
    await ok(
        await api.http.put(
            f"/api/v1/course-events/{event_id}/rules",
            json={"course_rule": "minutes", "min_total_percent": 80},
        )
    )
    assert (await _results(api, course["event_id"]))["c1@example.com"]["completion"] == (
        "not_completed"
    )
    # The wide CSV: one header row, a row per learner.
    csv = await api.http.get(f"/api/v1/course-events/{event_id}/results.csv?layout=wide")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("email,name,S minutes,S %,S status")
    assert len(lines) == 3


async def test_never_absent_before_the_report_is_final(api: ApiHarness) -> None:
    course = await _held_course(api, "Early", ["e1@example.com"])
    event_id = uuid.UUID(course["event_id"])
    async with api.sessionmaker() as session:
        link = await session.scalar(select(MeetingLink).where(MeetingLink.event_id == event_id))
        assert link is not None
        # A second instance's report still to pull: not final yet.
        session.add(AttendancePull(link_id=link.id, instance_uuid="i2"))
        await session.commit()
    rows = await _results(api, course["event_id"])
    assert rows["e1@example.com"]["cells"][0]["status"] == "pending"
    assert rows["e1@example.com"]["completion"] == "pending"
    async with api.sessionmaker() as session:
        await session.execute(
            update(EventSession)
            .where(EventSession.event_id == event_id)
            .values(status=SessionStatus.STARTED)
        )
        await session.execute(update(AttendancePull).values(done_at=START))
        await session.commit()
    rows = await _results(api, course["event_id"])
    assert rows["e1@example.com"]["cells"][0]["status"] == "pending"  # not finished in Zoom yet
