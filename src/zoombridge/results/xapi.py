"""xAPI statements (pure): a learner `attended` a session, a learner `completed` a course
event. Each has the learner as actor (mbox), the session or course event as object, the course
event and the course as context activities (parent, grouping), and a result with its ISO 8601
duration, success and completion."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
MEETING = "http://adlnet.gov/expapi/activities/meeting"
COURSE = "http://adlnet.gov/expapi/activities/course"
PERCENT_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"


def duration(seconds: int) -> str:
    """ISO 8601 duration, e.g. PT1H5M30S (PT0S for none)."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if secs or text == "PT":
        text += f"{secs}S"
    return text


def _activity(iri: str, name: str, kind: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": iri,
        "definition": {"name": {"en-US": name[:255] or "untitled"}, "type": kind},
    }


def iri(base: str, kind: str, row_id: uuid.UUID) -> str:
    return f"{base}{kind}:{row_id}" if base.endswith(":") else f"{base.rstrip('/')}/{kind}/{row_id}"


def _actor(email: str, name: str) -> dict[str, Any]:
    return {"objectType": "Agent", "mbox": f"mailto:{email}", "name": name or email}


def _context(
    base: str,
    event_id: uuid.UUID,
    topic: str,
    course: tuple[uuid.UUID, str] | None,
    *,
    parent_is_event: bool,
) -> dict[str, Any]:
    activities: dict[str, Any] = {}
    event = _activity(iri(base, "course-event", event_id), topic, COURSE)
    course_activity = (
        _activity(iri(base, "course", course[0]), course[1], COURSE) if course else None
    )
    if parent_is_event:
        activities["parent"] = [event]
        if course_activity:
            activities["grouping"] = [course_activity]
    elif course_activity:
        activities["parent"] = [course_activity]
    return {"contextActivities": activities, "platform": "zoombridge"}


def attended(
    *,
    statement_id: uuid.UUID,
    base: str,
    email: str,
    name: str,
    event_id: uuid.UUID,
    topic: str,
    course: tuple[uuid.UUID, str] | None,
    session_id: uuid.UUID,
    session_label: str,
    seconds: int,
    percent: float,
    success: bool,
    at: datetime,
) -> dict[str, Any]:
    return {
        "id": str(statement_id),
        "actor": _actor(email, name),
        "verb": {"id": ATTENDED, "display": {"en-US": "attended"}},
        "object": _activity(
            iri(base, "session", session_id), f"{topic} — {session_label}", MEETING
        ),
        "result": {
            "duration": duration(seconds),
            "success": success,
            "completion": success,
            "score": {"scaled": round(percent / 100, 4)},
            "extensions": {PERCENT_EXTENSION: round(percent)},
        },
        "context": _context(base, event_id, topic, course, parent_is_event=True),
        "timestamp": at.isoformat(),
    }


def completed(
    *,
    statement_id: uuid.UUID,
    base: str,
    email: str,
    name: str,
    event_id: uuid.UUID,
    topic: str,
    course: tuple[uuid.UUID, str] | None,
    seconds: int,
    sessions_attended: int,
    sessions: int,
    at: datetime,
) -> dict[str, Any]:
    return {
        "id": str(statement_id),
        "actor": _actor(email, name),
        "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
        "object": _activity(iri(base, "course-event", event_id), topic, COURSE),
        "result": {
            "duration": duration(seconds),
            "success": True,
            "completion": True,
            "score": {"scaled": round(sessions_attended / sessions, 4) if sessions else 1.0},
        },
        "context": _context(base, event_id, topic, course, parent_is_event=False),
        "timestamp": at.isoformat(),
    }


def voided(
    *, statement_id: uuid.UUID, voids: uuid.UUID, email: str, name: str, at: datetime
) -> dict[str, Any]:
    """xAPI's way to take back a statement the LRS already has (it keeps every statement; a
    voiding statement tells its readers to disregard the one it names)."""
    return {
        "id": str(statement_id),
        "actor": _actor(email, name),
        "verb": {"id": VOIDED, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": str(voids)},
        "timestamp": at.isoformat(),
    }
