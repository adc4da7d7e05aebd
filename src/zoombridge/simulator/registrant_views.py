"""How registrants look in answers and webhook events."""

from __future__ import annotations

from typing import Any

from zoombridge.simulator.clock import zoom_time
from zoombridge.simulator.state import Meeting, Registrant

# Optional registration answers, kept as given and shown back.
QUESTION_FIELDS = (
    "address",
    "city",
    "state",
    "zip",
    "country",
    "phone",
    "comments",
    "industry",
    "job_title",
    "org",
    "no_of_employees",
    "purchasing_time_frame",
    "role_in_purchase_process",
    "language",
)
# One of the spec's contradictions: registrations take `no_of_employees` from one list
# ("101-500", "500-1,000") and registrant answers give it from another ("101-250", "251-500",
# "501-1,000"). The simulator takes what the request list allows and answers only what the
# answer list allows: "500-1,000" is the same range as "501-1,000"; "101-500" spans two
# answers, and rather than invent one the answer is "" (not given).
EMPLOYEES_ANSWER = {"500-1,000": "501-1,000", "101-500": ""}


def employees_answer(value: str) -> str:
    return EMPLOYEES_ANSWER.get(value, value)


def registrant_view(meeting: Meeting, registrant: Registrant) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": registrant.id,
        "email": registrant.email,
        "first_name": registrant.first_name,
        "last_name": registrant.last_name,
        "status": registrant.status,
        "create_time": zoom_time(registrant.create_time),
        "custom_questions": registrant.extra.get("custom_questions", []),
    }
    for name in QUESTION_FIELDS:
        # Zoom answers unset fields as "", except `language`, an enum without "".
        if name in registrant.extra or name != "language":
            body[name] = registrant.extra.get(name, "")
    body["no_of_employees"] = employees_answer(body["no_of_employees"])
    if registrant.status == "approved":
        body["join_url"] = registrant.join_url
    if not meeting.webinar:
        body["participant_pin_code"] = registrant.participant_pin_code
    return body


def event_registrant(registrant: Registrant) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": registrant.id,
        "first_name": registrant.first_name,
        "last_name": registrant.last_name,
        "email": registrant.email,
        "status": registrant.status,
        "create_time": zoom_time(registrant.create_time),
    }
    if registrant.status == "approved":
        out["join_url"] = registrant.join_url
    return out
