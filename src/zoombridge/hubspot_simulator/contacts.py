"""Contacts: batch upsert and batch read by email, get, list, archive, search.

Upsert by email matches the `id` exactly against stored (lower-cased) emails, as HubSpot does:
an id with capitals or spaces does not find its contact and then collides with it. A secondary
email finds its contact; an archived contact's email makes a new contact.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from zoombridge.hubspot_simulator import routing
from zoombridge.hubspot_simulator.clock import hubspot_time
from zoombridge.hubspot_simulator.errors import (
    ApiError,
    item_error,
    not_found,
    validation_error,
)
from zoombridge.hubspot_simulator.properties import batch_answer, check_value
from zoombridge.hubspot_simulator.state import Account, Contact
from zoombridge.hubspot_simulator.validation import valid_email

DEFAULT_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
SEARCH_LIMIT = 200


def contact_json(contact: Contact, properties: list[str] | None = None) -> dict[str, Any]:
    """A contact as HubSpot answers it: the requested properties that have a value (HubSpot
    itself sends null for the others, which the spec does not allow) plus the record's own."""
    names = list(properties) if properties else list(DEFAULT_PROPERTIES)
    names += ["hs_object_id", "createdate", "lastmodifieddate"]
    values = {n: contact.properties[n] for n in names if contact.properties.get(n) is not None}
    body: dict[str, Any] = {
        "id": str(contact.id),
        "properties": values,
        "createdAt": hubspot_time(contact.created_at),
        "updatedAt": hubspot_time(contact.updated_at),
        "archived": contact.archived,
    }
    if contact.archived_at is not None:
        body["archivedAt"] = hubspot_time(contact.archived_at)
    return body


def _property_problems(account: Account, properties: Any) -> list[str]:
    if not isinstance(properties, dict):
        return ["properties must be an object of strings"]
    return [p for p in (check_value(account, k, v) for k, v in properties.items()) if p]


async def batch_upsert(call: routing.Call) -> Response:
    inputs = await call.inputs()
    ids = [i.get("id") for i in inputs if isinstance(i, dict)]
    repeated = sorted({str(i) for i in ids if ids.count(i) > 1})
    if repeated:
        raise validation_error(f"Duplicate IDs found in batch input: {repeated}.", field="inputs")
    account = call.account
    results, problems = [], []
    for item in inputs:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise validation_error("Each input needs a string id.", field="inputs")
        if item.get("idProperty") != "email":
            raise validation_error(
                "The simulator upserts contacts by email only: set idProperty to email.",
                field="idProperty",
            )
        key, trace = item["id"], item.get("objectWriteTraceId")
        context = {"ids": [key]} | ({"objectWriteTraceId": [str(trace)]} if trace else {})
        refused = _property_problems(account, item.get("properties"))
        if refused:
            problems.append(item_error("VALIDATION_ERROR", "; ".join(refused), **context))
            continue
        properties: dict[str, str] = item["properties"]
        contact = account.live_contact(key) if key == key.strip().lower() else None
        if contact is None and key != key.strip().lower():
            # Matched exactly, HubSpot finds nothing, then the new contact's (lower-cased)
            # email collides with the one that exists.
            existing = account.live_contact(key)
            if existing is not None:
                problems.append(
                    item_error(
                        "CONFLICT", f"Contact already exists. Existing ID: {existing.id}", **context
                    )
                )
                continue
        if contact is None:
            if not valid_email(key):
                problems.append(
                    item_error("VALIDATION_ERROR", f"Email address {key} is invalid", **context)
                )
                continue
            contact = account.create_contact(key, properties, call.now)
            new = True
        else:
            account.update_contact(contact, properties, call.now)
            new = False
        answer = contact_json(contact, [*properties, "email"]) | {"new": new}
        if trace:
            answer["objectWriteTraceId"] = str(trace)
        results.append(answer)
    return batch_answer(call, results, problems)


async def batch_read(call: routing.Call) -> Response:
    body = await call.json()
    inputs = await call.inputs()
    id_property = body.get("idProperty")
    properties = body.get("properties") or []
    archived = call.flag("archived")
    account = call.account
    results, missing = [], []
    for item in inputs:
        key = str(item.get("id", "")) if isinstance(item, dict) else ""
        contact = _find(account, key, id_property, archived)
        if contact is None:
            missing.append(key)
        else:
            results.append(contact_json(contact, properties))
    problems = []
    if missing:
        problems.append(
            item_error(
                "OBJECT_NOT_FOUND",
                "Could not get some CONTACT objects, they may be deleted or not exist. Check that "
                "ids are valid.",
                ids=missing,
            )
        )
    return batch_answer(call, results, problems)


def _find(account: Account, key: str, id_property: Any, archived: bool) -> Contact | None:
    if id_property in (None, "", "hs_object_id"):
        contact = account.contacts.get(int(key)) if key.isdigit() else None
        return contact if contact is not None and contact.archived == archived else None
    if id_property != "email":
        raise validation_error(f"{id_property} is not a unique property.", field="idProperty")
    if archived:
        return account.archived_contact(key)
    return account.live_contact(key)


async def get_contact(call: routing.Call) -> Response:
    key = call.params["contactId"]
    contact = _find(call.account, key, call.query("idProperty"), call.flag("archived"))
    if contact is None:
        raise not_found(f"Object not found. objectId are usually numeric. ({key})", id=[key])
    return JSONResponse(contact_json(contact, call.query_list("properties")))


async def list_contacts(call: routing.Call) -> Response:
    limit = _limit(call.query("limit"), default=10, most=100)
    archived = call.flag("archived")
    everyone = [c for c in call.account.contacts.values() if c.archived == archived]
    start = int(call.query("after") or 0)
    page = everyone[start : start + limit]
    body: dict[str, Any] = {
        "results": [contact_json(c, call.query_list("properties")) for c in page]
    }
    if start + limit < len(everyone):
        after = str(start + limit)
        body["paging"] = {"next": {"after": after, "link": f"?after={after}"}}
    return JSONResponse(body)


async def archive_contact(call: routing.Call) -> Response:
    key = call.params["contactId"]
    contact = call.account.contacts.get(int(key)) if key.isdigit() else None
    if contact is not None:
        call.account.archive_contact(contact, call.now)
    # HubSpot answers 204 for an id that does not exist or is archived already.
    return Response(status_code=204)


async def search(call: routing.Call) -> Response:
    body = await call.json()
    groups = body.get("filterGroups") or []
    limit = _limit(str(body.get("limit", 10)), default=10, most=SEARCH_LIMIT)
    if len(groups) > 5:
        raise validation_error("At most 5 filterGroups are allowed.", field="filterGroups")
    matched = [
        c
        for c in call.account.contacts.values()
        if not c.archived and (not groups or any(_matches(c, g) for g in groups))
    ]
    start = int(body.get("after") or 0)
    page = matched[start : start + limit]
    answer: dict[str, Any] = {
        "total": len(matched),
        "results": [contact_json(c, body.get("properties") or None) for c in page],
    }
    if start + limit < len(matched):
        answer["paging"] = {"next": {"after": str(start + limit)}}
    return JSONResponse(answer)


def _matches(contact: Contact, group: Any) -> bool:
    filters = group.get("filters") if isinstance(group, dict) else None
    if not isinstance(filters, list) or len(filters) > 6:
        raise validation_error("Each filter group needs 1 to 6 filters.", field="filterGroups")
    return all(_passes(contact, f) for f in filters)


def _passes(contact: Contact, f: Any) -> bool:
    if not isinstance(f, dict) or not isinstance(f.get("propertyName"), str):
        raise validation_error("Each filter needs a propertyName and an operator.")
    value = contact.properties.get(f["propertyName"])
    have = (value or "").lower()
    wanted = str(f.get("value", "")).lower()
    values = [str(v).lower() for v in f.get("values") or []]
    operator = f.get("operator")
    checks = {
        "EQ": lambda: have == wanted,
        "NEQ": lambda: have != wanted,
        "IN": lambda: have in values,
        "NOT_IN": lambda: have not in values,
        "HAS_PROPERTY": lambda: value is not None,
        "NOT_HAS_PROPERTY": lambda: value is None,
        "CONTAINS_TOKEN": lambda: wanted.strip("*") in have,
        "NOT_CONTAINS_TOKEN": lambda: wanted.strip("*") not in have,
    }
    if operator not in checks:
        raise ApiError(400, "VALIDATION_ERROR", f"Operator {operator} is not simulated.")
    return bool(checks[operator]())


def _limit(raw: str | None, *, default: int, most: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        raise validation_error("limit must be a number.", field="limit") from None
    if not 1 <= value <= most:
        raise validation_error(f"limit must be between 1 and {most}.", field="limit")
    return value
