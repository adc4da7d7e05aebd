"""Participation by email (`.../attendance/{externalEventId}/{state}/email-create`) and the
event's participation counters.

A missing contact is created (with `contactProperties`, used for new contacts only); each
recorded participation adds a timeline entry to its contact. Per-input failures come back in
`errors[]` inside a 200, as on HubSpot.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from zoombridge.hubspot_simulator import routing
from zoombridge.hubspot_simulator.clock import hubspot_time
from zoombridge.hubspot_simulator.errors import item_error, validation_error
from zoombridge.hubspot_simulator.events import find
from zoombridge.hubspot_simulator.properties import check_value
from zoombridge.hubspot_simulator.timeline import STATES, record
from zoombridge.hubspot_simulator.validation import time_ms, valid_email

ATTEND_PROPERTIES = frozenset({"joinedAt", "leftAt"})


async def email_create(call: routing.Call) -> Response:
    state_name = call.params["subscriberState"]
    if state_name not in STATES:
        raise validation_error(
            f"subscriberState {state_name!r} is not one of register, attend, cancel.",
            field="subscriberState",
        )
    event = find(call, call.params["externalEventId"], call.query("externalAccountId"))
    state = STATES[state_name]
    results, problems = [], []
    for item in await call.inputs():
        if not isinstance(item, dict):
            raise validation_error("Each input must be an object.", field="inputs")
        email = str(item.get("email") or "").strip().lower()
        refusal = _refusal(call, item, email, state_name)
        if refusal:
            problems.append(item_error("VALIDATION_ERROR", refusal, emails=[email]))
            continue
        contact = call.account.live_contact(email)
        if contact is None:
            contact = call.account.create_contact(email, item["contactProperties"], call.now)
        properties = item["properties"]
        record(
            event,
            contact,
            state,
            int(item["interactionDateTime"]),
            time_ms(properties.get("joinedAt")),
            time_ms(properties.get("leftAt")),
            call.now,
        )
        results.append({"email": email, "vid": contact.id})
    stamp = hubspot_time(call.now)
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": stamp,
        "completedAt": hubspot_time(call.sim.clock.now()),
    }
    if problems:
        body["errors"] = problems
        body["numErrors"] = len(problems)
    return JSONResponse(body)


def _refusal(call: routing.Call, item: dict[str, Any], email: str, state: str) -> str | None:
    if not valid_email(email):
        return f"Email address {email!r} is invalid"
    if not isinstance(item.get("interactionDateTime"), int):
        return "interactionDateTime is required, in epoch milliseconds"
    properties, contact_properties = item.get("properties"), item.get("contactProperties")
    if not isinstance(properties, dict) or not isinstance(contact_properties, dict):
        return "properties and contactProperties are required (empty objects are fine)"
    allowed = ATTEND_PROPERTIES if state == "attend" else frozenset()
    extra = sorted(set(properties) - allowed)
    if extra:
        return f"Properties {extra} are not allowed for the state {state}"
    for name in ATTEND_PROPERTIES & set(properties):
        if time_ms(properties[name]) is None:
            return f"{name} must be epoch milliseconds or an ISO 8601 time"
    if call.account.live_contact(email) is None:
        for name, value in contact_properties.items():
            problem = check_value(call.account, name, value)
            if problem:
                return problem
    return None


async def counters(call: routing.Call) -> Response:
    event = find(call, call.params["externalEventId"], call.params["externalAccountId"])
    return JSONResponse(event.counters())
