"""Marketing events, addressed by the integration's externalAccountId + externalEventId.

An event is visible to, and changeable by, only the app (token) that created it: another app's
token gets 404 for it, as on HubSpot.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from zoombridge.hubspot_simulator import routing
from zoombridge.hubspot_simulator.clock import hubspot_time
from zoombridge.hubspot_simulator.errors import ApiError, conflict, not_found, validation_error
from zoombridge.hubspot_simulator.properties import batch_answer
from zoombridge.hubspot_simulator.state import MarketingEvent
from zoombridge.hubspot_simulator.timeline import complete_attendance
from zoombridge.hubspot_simulator.validation import iso_time

TEXT_FIELDS = ("eventName", "eventOrganizer", "eventType", "eventUrl", "eventDescription")
TIME_FIELDS = ("startDateTime", "endDateTime")
FLAG_FIELDS = ("eventCancelled", "eventCompleted")


def _fields(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    if not isinstance(body.get("customProperties"), list):
        raise validation_error(
            "customProperties is required (an empty list is fine).", field="customProperties"
        )
    fields: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = body.get(name)
        if value is None:
            if creating and name in ("eventName", "eventOrganizer"):
                raise validation_error(f"{name} is required.", field=name)
            continue
        if not isinstance(value, str) or (name == "eventName" and not value.strip()):
            raise validation_error(f"{name} must be a non-empty string.", field=name)
        fields[name] = value
    for name in TIME_FIELDS:
        value = iso_time(body, name)
        if value is not None:
            fields[name] = value
    for name in FLAG_FIELDS:
        if name in body:
            if not isinstance(body[name], bool):
                raise validation_error(f"{name} must be true or false.", field=name)
            fields[name] = body[name]
    return fields


def default_json(event: MarketingEvent) -> dict[str, Any]:
    """MarketingEventDefaultResponse: create, cancel, complete."""
    body: dict[str, Any] = {"customProperties": [], "objectId": str(event.object_id)}
    body["eventCancelled"] = bool(event.fields.get("eventCancelled", False))
    body["eventCompleted"] = bool(event.fields.get("eventCompleted", False))
    for name in (*TEXT_FIELDS, *TIME_FIELDS):
        if name in event.fields:
            body[name] = event.fields[name]
    return body


def public_json(event: MarketingEvent) -> dict[str, Any]:
    """MarketingEventPublicDefaultResponse: update, batch upsert."""
    return default_json(event) | {
        "id": str(event.object_id),
        "createdAt": hubspot_time(event.created_at),
        "updatedAt": hubspot_time(event.updated_at),
    }


def read_json(event: MarketingEvent) -> dict[str, Any]:
    """MarketingEventPublicReadResponse: the details, with participation counters."""
    counters = event.counters()
    return public_json(event) | {
        "externalEventId": event.external_event_id,
        "registrants": counters["registered"],
        "attendees": counters["attended"],
        "cancellations": counters["cancelled"],
        "noShows": counters["noShows"],
    }


def find(
    call: routing.Call, external_event_id: str, external_account_id: str | None
) -> MarketingEvent:
    mine = [
        e
        for (account_id, event_id), e in call.account.events.items()
        if event_id == external_event_id
        and e.app_id == call.token.app_id
        and (external_account_id is None or account_id == external_account_id)
    ]
    if not mine:
        raise not_found(
            f"No marketing event {external_event_id} for this app"
            + (f" and external account {external_account_id}" if external_account_id else ""),
            externalEventId=[external_event_id],
        )
    if len(mine) > 1:
        raise validation_error(
            "Several events have this externalEventId: pass externalAccountId.",
            field="externalAccountId",
        )
    return mine[0]


def _required_account(call: routing.Call) -> str:
    value = call.query("externalAccountId")
    if not value:
        raise validation_error("externalAccountId is required.", field="externalAccountId")
    return value


def _create(call: routing.Call, body: Any, *, upsert: bool) -> tuple[MarketingEvent, bool]:
    if not isinstance(body, dict):
        raise validation_error("Each event must be an object.")
    account_id, event_id = body.get("externalAccountId"), body.get("externalEventId")
    for name, value in (("externalAccountId", account_id), ("externalEventId", event_id)):
        if not isinstance(value, str) or not value:
            raise validation_error(f"{name} is required.", field=name)
    assert isinstance(account_id, str)
    assert isinstance(event_id, str)
    existing = call.account.events.get((account_id, event_id))
    if existing is not None and existing.app_id == call.token.app_id:
        if not upsert:
            raise conflict(
                f"A marketing event {event_id} exists already for external account {account_id}.",
                externalEventId=[event_id],
            )
        existing.fields.update(_fields(body, creating=False))
        existing.updated_at = call.now
        return existing, False
    if existing is not None:
        raise ApiError(409, "CONFLICT", "Another app owns a marketing event with these ids.")
    fields = _fields(body, creating=True)
    event = MarketingEvent(
        object_id=call.account.next_object_id,
        app_id=call.token.app_id,
        external_account_id=account_id,
        external_event_id=event_id,
        fields=fields,
        created_at=call.now,
        updated_at=call.now,
    )
    call.account.next_object_id += 1
    call.account.events[(account_id, event_id)] = event
    return event, True


async def create(call: routing.Call) -> Response:
    event, _ = _create(call, await call.json(), upsert=False)
    # HubSpot answers a create with 200, not 201.
    return JSONResponse(default_json(event))


async def batch_upsert(call: routing.Call) -> Response:
    results = [public_json(_create(call, body, upsert=True)[0]) for body in await call.inputs()]
    return batch_answer(call, results, [])


async def get_details(call: routing.Call) -> Response:
    event = find(call, call.params["externalEventId"], _required_account(call))
    return JSONResponse(read_json(event))


async def update(call: routing.Call) -> Response:
    event = find(call, call.params["externalEventId"], _required_account(call))
    event.fields.update(_fields(await call.json(), creating=False))
    event.updated_at = call.now
    return JSONResponse(public_json(event))


async def cancel(call: routing.Call) -> Response:
    event = find(call, call.params["externalEventId"], _required_account(call))
    event.fields["eventCancelled"] = True
    event.updated_at = call.now
    return JSONResponse(default_json(event))


async def complete(call: routing.Call) -> Response:
    event = find(call, call.params["externalEventId"], _required_account(call))
    body = await call.json()
    start, end = iso_time(body, "startDateTime"), iso_time(body, "endDateTime")
    if start is None or end is None:
        raise validation_error("startDateTime and endDateTime are required.")
    event.fields.update(startDateTime=start, endDateTime=end, eventCompleted=True)
    event.updated_at = call.now
    complete_attendance(call.account, event)
    return JSONResponse(default_json(event))


async def list_events(call: routing.Call) -> Response:
    limit = int(call.query("limit") or 10)
    if not 1 <= limit <= 100:
        raise validation_error("limit must be between 1 and 100.", field="limit")
    mine = [e for e in call.account.events.values() if e.app_id == call.token.app_id]
    start = int(call.query("after") or 0)
    page = mine[start : start + limit]
    results = []
    for event in page:
        item = read_json(event)
        item["objectId"] = str(event.object_id)
        item.pop("id")
        results.append(item)
    body: dict[str, Any] = {"results": results}
    if start + limit < len(mine):
        body["paging"] = {"next": {"after": str(start + limit)}}
    return JSONResponse(body)
