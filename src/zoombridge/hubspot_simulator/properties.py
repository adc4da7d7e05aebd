"""Contact properties and property groups: HubSpot's defaults, creation (409 on a name that
exists), reads, and the check of a value against its property's type."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from zoombridge.hubspot_simulator import routing
from zoombridge.hubspot_simulator.clock import hubspot_time
from zoombridge.hubspot_simulator.errors import (
    ApiError,
    conflict,
    item_error,
    not_found,
    validation_error,
)
from zoombridge.hubspot_simulator.state import DEFAULT_GROUP, READ_ONLY, Account, Group, PropertyDef

NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
# Which fieldTypes HubSpot accepts for each type.
FIELD_TYPES: dict[str, frozenset[str]] = {
    "string": frozenset({"text", "textarea", "html", "phonenumber", "file"}),
    "number": frozenset({"number", "calculation_equation"}),
    "date": frozenset({"date"}),
    "datetime": frozenset({"date"}),
    "enumeration": frozenset({"select", "radio", "checkbox", "booleancheckbox"}),
    "bool": frozenset({"booleancheckbox"}),
    "phone_number": frozenset({"phonenumber"}),
}
_DEFAULTS = (
    ("email", "Email", "string", "text"),
    ("firstname", "First Name", "string", "text"),
    ("lastname", "Last Name", "string", "text"),
    ("phone", "Phone Number", "string", "phonenumber"),
    ("company", "Company Name", "string", "text"),
    ("hs_additional_emails", "Additional email addresses", "enumeration", "checkbox"),
    ("hs_object_id", "Record ID", "number", "number"),
    ("createdate", "Create Date", "datetime", "date"),
    ("lastmodifieddate", "Last Modified Date", "datetime", "date"),
)


def install_defaults(account: Account, now: datetime) -> None:
    account.groups[DEFAULT_GROUP] = Group(DEFAULT_GROUP, "Contact information", 0)
    for order, (name, label, kind, field_type) in enumerate(_DEFAULTS):
        account.properties[name] = PropertyDef(
            name,
            label,
            kind,
            field_type,
            DEFAULT_GROUP,
            display_order=order,
            hubspot_defined=True,
            created_at=now,
        )


def property_json(prop: PropertyDef) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": prop.name,
        "label": prop.label,
        "type": prop.type,
        "fieldType": prop.field_type,
        "groupName": prop.group_name,
        "description": prop.description,
        "options": prop.options,
        "displayOrder": prop.display_order,
        "hidden": False,
        "formField": prop.form_field,
        "hubspotDefined": prop.hubspot_defined,
        "archived": False,
        "calculated": False,
        "hasUniqueValue": prop.name == "email",
        "modificationMetadata": {
            "archivable": not prop.hubspot_defined,
            "readOnlyDefinition": prop.hubspot_defined,
            "readOnlyValue": prop.name in READ_ONLY,
        },
    }
    if prop.created_at is not None:
        body["createdAt"] = hubspot_time(prop.created_at)
        body["updatedAt"] = hubspot_time(prop.created_at)
    return body


def group_json(group: Group) -> dict[str, Any]:
    return {
        "name": group.name,
        "label": group.label,
        "displayOrder": group.display_order,
        "archived": False,
    }


def check_value(account: Account, name: str, value: Any) -> str | None:
    """Why `value` cannot be written to property `name`, or None when it can."""
    prop = account.properties.get(name)
    if prop is None:
        return f'Property "{name}" does not exist'
    if name in READ_ONLY:
        return f'Property "{name}" is read-only'
    if not isinstance(value, str):
        return f'Property "{name}" must be a string, not {type(value).__name__}'
    if value == "":
        return None
    if prop.type == "number":
        try:
            float(value)
        except ValueError:
            return f'"{value}" is not a valid number for property "{name}"'
    elif prop.type == "bool" and value not in ("true", "false"):
        return f'"{value}" is not a valid boolean for property "{name}" (true or false)'
    elif prop.type in ("date", "datetime") and not _is_time(value, prop.type):
        return f'"{value}" is not a valid {prop.type} for property "{name}" (epoch milliseconds)'
    elif prop.type == "enumeration" and prop.options:
        allowed = {o["value"] for o in prop.options}
        unknown = [v for v in value.split(";") if v not in allowed]
        if unknown:
            return f'"{unknown[0]}" is not one of the allowed options for property "{name}"'
    return None


def _is_time(value: str, kind: str) -> bool:
    if value.isdigit():
        return kind == "datetime" or int(value) % 86_400_000 == 0
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _contacts_only(call: routing.Call) -> None:
    if call.params["objectType"] not in ("contacts", "contact", "0-1"):
        raise validation_error(
            f"Unable to infer object type from: {call.params['objectType']} (the simulator "
            "holds contact properties only)"
        )


def _new_property(call: routing.Call, body: Any) -> PropertyDef:
    """A property from a create body, or raise HubSpot's refusal."""
    if not isinstance(body, dict):
        raise validation_error("The property must be an object.")
    for key in ("name", "label", "type", "fieldType", "groupName"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise validation_error(f"{key} is required.", field=key)
    name, kind, field_type = body["name"], body["type"], body["fieldType"]
    if not NAME.match(name):
        raise validation_error(
            f"Property name {name!r} must start with a lower-case letter and hold only "
            "lower-case letters, digits and underscores.",
            field="name",
        )
    if kind not in FIELD_TYPES:
        raise validation_error(f"{kind!r} is not a valid property type.", field="type")
    if field_type not in FIELD_TYPES[kind]:
        raise validation_error(
            f"fieldType {field_type!r} cannot be used with type {kind!r}.", field="fieldType"
        )
    options = body.get("options") or []
    if kind == "enumeration" and not options:
        raise validation_error("An enumeration property needs options.", field="options")
    if body["groupName"] not in call.account.groups:
        raise validation_error(
            f"Property group {body['groupName']} does not exist.", field="groupName"
        )
    if name in call.account.properties:
        raise conflict(f"A property named '{name}' already exists.", name=[name])
    return PropertyDef(
        name=name,
        label=body["label"],
        type=kind,
        field_type=field_type,
        group_name=body["groupName"],
        description=str(body.get("description") or ""),
        options=[
            {
                "label": o.get("label", ""),
                "value": o.get("value", ""),
                "hidden": bool(o.get("hidden", False)),
                "displayOrder": int(o.get("displayOrder", i)),
            }
            for i, o in enumerate(options)
            if isinstance(o, dict)
        ],
        display_order=int(body.get("displayOrder", -1)),
        form_field=bool(body.get("formField", False)),
        created_at=call.now,
    )


async def create_property(call: routing.Call) -> Response:
    _contacts_only(call)
    prop = _new_property(call, await call.json())
    call.account.properties[prop.name] = prop
    return JSONResponse(property_json(prop), status_code=201)


async def batch_create_properties(call: routing.Call) -> Response:
    _contacts_only(call)
    results, problems = [], []
    for body in await call.inputs():
        try:
            prop = _new_property(call, body)
        except ApiError as refusal:
            name = body.get("name") if isinstance(body, dict) else None
            problems.append(
                item_error(refusal.category, refusal.message, name=[str(name)] if name else [])
            )
            continue
        call.account.properties[prop.name] = prop
        results.append(property_json(prop))
    return batch_answer(call, results, problems, created=True)


async def get_property(call: routing.Call) -> Response:
    _contacts_only(call)
    prop = call.account.properties.get(call.params["propertyName"])
    if prop is None:
        raise not_found(f"Property {call.params['propertyName']} does not exist")
    return JSONResponse(property_json(prop))


async def list_properties(call: routing.Call) -> Response:
    _contacts_only(call)
    return JSONResponse({"results": [property_json(p) for p in call.account.properties.values()]})


async def create_group(call: routing.Call) -> Response:
    _contacts_only(call)
    body = await call.json()
    name, label = body.get("name"), body.get("label")
    if not isinstance(name, str) or not NAME.match(name):
        raise validation_error(
            "name is required: lower-case letters, digits, underscores.", field="name"
        )
    if not isinstance(label, str) or not label:
        raise validation_error("label is required.", field="label")
    if name in call.account.groups:
        raise conflict(f"A property group named '{name}' already exists.", name=[name])
    group = Group(name, label, int(body.get("displayOrder", -1)))
    call.account.groups[name] = group
    return JSONResponse(group_json(group), status_code=201)


async def get_group(call: routing.Call) -> Response:
    _contacts_only(call)
    group = call.account.groups.get(call.params["groupName"])
    if group is None:
        raise not_found(f"Property group {call.params['groupName']} does not exist")
    return JSONResponse(group_json(group))


async def list_groups(call: routing.Call) -> Response:
    _contacts_only(call)
    return JSONResponse({"results": [group_json(g) for g in call.account.groups.values()]})


def batch_answer(
    call: routing.Call,
    results: list[dict[str, Any]],
    problems: list[dict[str, Any]],
    *,
    created: bool = False,
) -> Response:
    """HubSpot's batch answer: 200 (201 for creates) when all went well, 207 when some failed."""
    stamp = hubspot_time(call.now)
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "requestedAt": stamp,
        "startedAt": stamp,
        "completedAt": hubspot_time(call.sim.clock.now()),
    }
    if problems:
        body["errors"] = problems
        body["numErrors"] = len(problems)
        return JSONResponse(body, status_code=207)
    return JSONResponse(body, status_code=201 if created else 200)
