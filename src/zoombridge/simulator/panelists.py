"""A webinar's panelists and its registration form (fields and custom questions).

- `GET /webinars/{webinarId}/panelists`, `POST` (add up to 30; a known email is updated);
- `GET /webinars/{webinarId}/registrants/questions`, `PATCH` (replaces the lists it sends).

Kept on the webinar (`Meeting.extra`, keys `panelists` and `registrant_questions`). The form
starts as Zoom's default: first name, last name and email only (none of the optional fields
asked). A webinar without registration has no form: both form calls answer Zoom's 3000, as the
spec documents for them. Adding a registrant does not check the form's required fields (not
simulated).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from zoombridge.simulator import ids
from zoombridge.simulator.meetings import find_meeting
from zoombridge.simulator.registrants import registration_enabled, registration_not_enabled
from zoombridge.simulator.request_models.panelists import (
    WebinarPanelistCreate,
    WebinarRegistrantQuestionUpdate,
)
from zoombridge.simulator.routing import Call
from zoombridge.simulator.state import Meeting
from zoombridge.simulator.validation import Checker

# What Zoom lists back of a panelist besides id, email, name and join URL, when it was given.
NAME_TAG_FIELDS = {
    "virtual_background_id",
    "name_tag_id",
    "name_tag_name",
    "name_tag_pronouns",
    "name_tag_description",
}


def panelists_of(meeting: Meeting) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = meeting.extra.setdefault("panelists", [])
    return found


async def list_panelists(call: Call) -> Response:
    meeting = find_meeting(call, call.params["webinarId"], "webinar")
    panelists = panelists_of(meeting)
    return JSONResponse({"total_records": len(panelists), "panelists": panelists})


async def add_panelists(call: Call) -> Response:
    meeting = find_meeting(call, call.params["webinarId"], "webinar")
    body = await call.body(WebinarPanelistCreate)
    panelists = panelists_of(meeting)
    for item in body.panelists:
        tags: dict[str, Any] = item.model_dump(include=NAME_TAG_FIELDS, exclude_unset=True)
        known = next((p for p in panelists if p["email"].lower() == item.email.lower()), None)
        if known is not None:
            # One panelist per email: adding a known one again updates it (an empty or absent
            # name keeps the one Zoom has).
            known["name"] = item.name or known["name"]
            known.update(tags)
            continue
        panelist_id = ids.short_id(call.sim.rng)
        panelists.append(
            {
                "id": panelist_id,
                "email": item.email,
                "name": item.name or "",
                "join_url": f"https://zoom.us/w/{meeting.id}?tk={panelist_id}",
                **tags,
            }
        )
    return JSONResponse(
        {"id": str(meeting.id), "updated_at": call.now.strftime("%Y-%m-%dT%H:%M:%SZ")},
        status_code=201,
    )


def questions_of(meeting: Meeting) -> dict[str, list[dict[str, Any]]]:
    form: dict[str, list[dict[str, Any]]] = meeting.extra.setdefault(
        "registrant_questions", {"questions": [], "custom_questions": []}
    )
    return form


async def get_questions(call: Call) -> Response:
    meeting = find_meeting(call, call.params["webinarId"], "webinar")
    if not registration_enabled(meeting):
        raise registration_not_enabled(meeting)
    return JSONResponse(questions_of(meeting))


async def update_questions(call: Call) -> Response:
    meeting = find_meeting(call, call.params["webinarId"], "webinar")
    body = await call.body(WebinarRegistrantQuestionUpdate)
    checker = Checker()
    for index, question in enumerate(body.custom_questions or []):
        # "Answers can't be used for short answer type" (the spec's description of `answers`):
        # refused rather than dropped, so a client that sends them learns it here.
        if (question.type or "short") == "short" and question.answers:
            checker.fail(
                f"custom_questions[{index}].answers",
                "A short answer question takes no answer choices.",
            )
    checker.done()
    if not registration_enabled(meeting):
        raise registration_not_enabled(meeting)
    form = questions_of(meeting)
    if body.questions is not None:
        form["questions"] = [
            {"field_name": q.field_name, "required": bool(q.required)} for q in body.questions
        ]
    if body.custom_questions is not None:
        form["custom_questions"] = [
            {
                "title": q.title,
                "type": q.type or "short",
                "required": bool(q.required),
                "answers": list(q.answers or []),
            }
            for q in body.custom_questions
        ]
    return Response(status_code=204)
