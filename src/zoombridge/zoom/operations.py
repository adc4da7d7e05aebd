"""Every Zoom API operation zoombridge calls, keyed by Zoom's `operationId`.

Method, path template and rate-limit category are written down from Zoom's OpenAPI specs (the
"Rate Limit Label" in each operation's description). The client sends nothing that is not in this
table: contract tests use it to check each operation is exercised and matches the spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

Kind = Literal["meeting", "webinar"]
"""Meetings and webinars share almost all logic; the kind picks the operation."""


class Category(StrEnum):
    """Zoom's rate-limit categories (limits per account, see `plans.py`)."""

    LIGHT = "light"
    MEDIUM = "medium"
    HEAVY = "heavy"
    RESOURCE_INTENSIVE = "resource_intensive"


class RetryMode(StrEnum):
    """When an operation may be sent again after a failure whose outcome is unknown."""

    IDEMPOTENT = "idempotent"
    """Reads, PATCH, DELETE, PUT status: sending twice has the effect of sending once."""
    NOT_AFTER_SEND = "not_after_send"
    """Creating a meeting/webinar: a second send could create a duplicate, so retry only when
    the request surely never reached Zoom (connect error) or Zoom refused it (429)."""
    REGISTRATION = "registration"
    """Zoom keeps one registrant per email, so a repeat is harmless, but every attempt counts
    against the 3-per-day per-registrant cap: retried only while that budget remains."""


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    category: Category
    retry: RetryMode = RetryMode.IDEMPOTENT


def _table(*ops: Operation) -> Mapping[str, Operation]:
    return MappingProxyType({op.operation_id: op for op in ops})


_L, _M, _H = Category.LIGHT, Category.MEDIUM, Category.HEAVY

OPERATIONS: Mapping[str, Operation] = _table(
    # users
    Operation("users", "GET", "/users", _M),
    Operation("user", "GET", "/users/{userId}", _L),
    # meetings
    Operation("meetingCreate", "POST", "/users/{userId}/meetings", _M, RetryMode.NOT_AFTER_SEND),
    Operation("meetings", "GET", "/users/{userId}/meetings", _M),
    Operation("meeting", "GET", "/meetings/{meetingId}", _L),
    Operation("meetingUpdate", "PATCH", "/meetings/{meetingId}", _L),
    Operation("meetingDelete", "DELETE", "/meetings/{meetingId}", _L),
    # webinars
    Operation("webinarCreate", "POST", "/users/{userId}/webinars", _L, RetryMode.NOT_AFTER_SEND),
    Operation("webinars", "GET", "/users/{userId}/webinars", _M),
    Operation("webinar", "GET", "/webinars/{webinarId}", _L),
    Operation("webinarUpdate", "PATCH", "/webinars/{webinarId}", _L),
    Operation("webinarDelete", "DELETE", "/webinars/{webinarId}", _L),
    # meeting registrants
    Operation(
        "meetingRegistrantCreate",
        "POST",
        "/meetings/{meetingId}/registrants",
        _L,
        RetryMode.REGISTRATION,
    ),
    Operation(
        "addBatchRegistrants",
        "POST",
        "/meetings/{meetingId}/batch_registrants",
        _H,
        RetryMode.REGISTRATION,
    ),
    Operation("meetingRegistrants", "GET", "/meetings/{meetingId}/registrants", _M),
    Operation(
        "meetingRegistrantGet", "GET", "/meetings/{meetingId}/registrants/{registrantId}", _L
    ),
    Operation("meetingRegistrantStatus", "PUT", "/meetings/{meetingId}/registrants/status", _M),
    # webinar registrants
    Operation(
        "webinarRegistrantCreate",
        "POST",
        "/webinars/{webinarId}/registrants",
        _L,
        RetryMode.REGISTRATION,
    ),
    Operation(
        "addBatchWebinarRegistrants",
        "POST",
        "/webinars/{webinarId}/batch_registrants",
        _H,
        RetryMode.REGISTRATION,
    ),
    Operation("webinarRegistrants", "GET", "/webinars/{webinarId}/registrants", _M),
    Operation(
        "webinarRegistrantGet", "GET", "/webinars/{webinarId}/registrants/{registrantId}", _L
    ),
    Operation("webinarRegistrantStatus", "PUT", "/webinars/{webinarId}/registrants/status", _M),
    Operation(
        "webinarRegistrantsQuestionsGet", "GET", "/webinars/{webinarId}/registrants/questions", _L
    ),
    Operation("webinarPanelists", "GET", "/webinars/{webinarId}/panelists", _M),
    # what happened: past instances, participants, reports, absentees, recordings
    Operation("pastMeetings", "GET", "/past_meetings/{meetingId}/instances", _M),
    Operation("pastWebinars", "GET", "/past_webinars/{webinarId}/instances", _L),
    Operation("pastMeetingParticipants", "GET", "/past_meetings/{meetingId}/participants", _M),
    Operation("listWebinarParticipants", "GET", "/past_webinars/{webinarId}/participants", _M),
    Operation("reportMeetingParticipants", "GET", "/report/meetings/{meetingId}/participants", _H),
    Operation("reportWebinarParticipants", "GET", "/report/webinars/{webinarId}/participants", _H),
    Operation("webinarAbsentees", "GET", "/past_webinars/{webinarId}/absentees", _H),
    Operation("recordingGet", "GET", "/meetings/{meetingId}/recordings", _L),
)

# The same action on a meeting or a webinar maps to two operations.
BY_KIND: Mapping[str, Mapping[Kind, str]] = MappingProxyType(
    {
        "create": {"meeting": "meetingCreate", "webinar": "webinarCreate"},
        "list": {"meeting": "meetings", "webinar": "webinars"},
        "get": {"meeting": "meeting", "webinar": "webinar"},
        "update": {"meeting": "meetingUpdate", "webinar": "webinarUpdate"},
        "delete": {"meeting": "meetingDelete", "webinar": "webinarDelete"},
        "add_registrant": {
            "meeting": "meetingRegistrantCreate",
            "webinar": "webinarRegistrantCreate",
        },
        "batch_registrants": {
            "meeting": "addBatchRegistrants",
            "webinar": "addBatchWebinarRegistrants",
        },
        "list_registrants": {"meeting": "meetingRegistrants", "webinar": "webinarRegistrants"},
        "get_registrant": {"meeting": "meetingRegistrantGet", "webinar": "webinarRegistrantGet"},
        "registrant_status": {
            "meeting": "meetingRegistrantStatus",
            "webinar": "webinarRegistrantStatus",
        },
        "past_instances": {"meeting": "pastMeetings", "webinar": "pastWebinars"},
        "past_participants": {
            "meeting": "pastMeetingParticipants",
            "webinar": "listWebinarParticipants",
        },
        "report_participants": {
            "meeting": "reportMeetingParticipants",
            "webinar": "reportWebinarParticipants",
        },
    }
)

# The path parameter naming the meeting or webinar in that kind's paths.
ID_PARAM: Mapping[Kind, str] = MappingProxyType({"meeting": "meetingId", "webinar": "webinarId"})


def operation_for(action: str, kind: Kind) -> Operation:
    if kind not in ("meeting", "webinar"):
        raise ValueError(f"kind must be 'meeting' or 'webinar', not {kind!r}")
    return OPERATIONS[BY_KIND[action][kind]]
