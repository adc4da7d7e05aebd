"""Every HubSpot API operation zoombridge calls, with the spec it comes from.

Method, path, `operationId` and scopes are written down from HubSpot's OpenAPI specs (the
`security` block of each operation). The client sends nothing that is not in this table: the
contract tests check every row against the specs and fail when a row has no scenario.

Keys are short names (`contacts.batch_upsert`) because HubSpot's operationIds repeat the whole
path; `operation_id` is the spec's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Limit(StrEnum):
    """Which of the account's limits a call draws from (both also count towards the day)."""

    STANDARD = "standard"
    """The rolling 10-second window every call shares."""
    SEARCH = "search"
    """CRM search endpoints: their own, lower per-second limit."""


@dataclass(frozen=True)
class Operation:
    name: str
    spec: str
    """The spec file's stem, e.g. `crm-contacts-v3`."""
    operation_id: str
    method: str
    path: str
    scopes: frozenset[str]
    """The scopes this call needs on a contacts/marketing-events account: one of the
    alternatives the operation's `security` block lists."""
    limit: Limit = Limit.STANDARD
    max_inputs: int | None = None
    """Inputs per call for batch operations (HubSpot answers 400 above it)."""


BATCH_INPUTS = 100
CONTACTS_READ = frozenset({"crm.objects.contacts.read"})
CONTACTS_WRITE = frozenset({"crm.objects.contacts.write"})
SCHEMAS_READ = frozenset({"crm.schemas.contacts.read"})
SCHEMAS_WRITE = frozenset({"crm.schemas.contacts.write"})
EVENTS_READ = frozenset({"crm.objects.marketing_events.read"})
EVENTS_WRITE = frozenset({"crm.objects.marketing_events.write"})

_CONTACTS = "crm-contacts-v3"
_PROPERTIES = "crm-properties-v3"
_EVENTS = "marketing-events-v3"
_C = "/crm/v3/objects/contacts"
_P = "/crm/v3/properties/{objectType}"
_E = "/marketing/v3/marketing-events"


def _op(
    name: str,
    spec: str,
    method: str,
    path: str,
    suffix: str,
    scopes: frozenset[str],
    *,
    limit: Limit = Limit.STANDARD,
    max_inputs: int | None = None,
) -> Operation:
    # HubSpot's operationIds are "<method>-<path>_<suffix>".
    operation_id = f"{method.lower()}-{path}_{suffix}"
    return Operation(name, spec, operation_id, method, path, scopes, limit, max_inputs)


OPERATIONS: Mapping[str, Operation] = MappingProxyType(
    {
        op.name: op
        for op in (
            # contacts
            _op(
                "contacts.batch_upsert",
                _CONTACTS,
                "POST",
                f"{_C}/batch/upsert",
                "upsert",
                CONTACTS_WRITE,
                max_inputs=BATCH_INPUTS,
            ),
            _op(
                "contacts.batch_read",
                _CONTACTS,
                "POST",
                f"{_C}/batch/read",
                "read",
                CONTACTS_READ,
                max_inputs=BATCH_INPUTS,
            ),
            _op("contacts.get", _CONTACTS, "GET", f"{_C}/{{contactId}}", "getById", CONTACTS_READ),
            _op("contacts.list", _CONTACTS, "GET", _C, "getPage", CONTACTS_READ),
            _op(
                "contacts.archive",
                _CONTACTS,
                "DELETE",
                f"{_C}/{{contactId}}",
                "archive",
                CONTACTS_WRITE,
            ),
            _op(
                "contacts.search",
                _CONTACTS,
                "POST",
                f"{_C}/search",
                "doSearch",
                CONTACTS_READ,
                limit=Limit.SEARCH,
            ),
            # properties and property groups (objectType: contacts)
            _op("properties.create", _PROPERTIES, "POST", _P, "create", SCHEMAS_WRITE),
            _op(
                "properties.batch_create",
                _PROPERTIES,
                "POST",
                f"{_P}/batch/create",
                "create",
                SCHEMAS_WRITE,
                max_inputs=BATCH_INPUTS,
            ),
            _op(
                "properties.get",
                _PROPERTIES,
                "GET",
                f"{_P}/{{propertyName}}",
                "getByName",
                SCHEMAS_READ,
            ),
            _op("properties.list", _PROPERTIES, "GET", _P, "getAll", SCHEMAS_READ),
            _op("groups.create", _PROPERTIES, "POST", f"{_P}/groups", "create", SCHEMAS_WRITE),
            _op(
                "groups.get",
                _PROPERTIES,
                "GET",
                f"{_P}/groups/{{groupName}}",
                "getByName",
                SCHEMAS_READ,
            ),
            _op("groups.list", _PROPERTIES, "GET", f"{_P}/groups", "getAll", SCHEMAS_READ),
            # marketing events, addressed by externalAccountId + externalEventId
            _op("events.create", _EVENTS, "POST", f"{_E}/events", "create", EVENTS_WRITE),
            _op(
                "events.batch_upsert",
                _EVENTS,
                "POST",
                f"{_E}/events/upsert",
                "upsert",
                EVENTS_WRITE,
                max_inputs=BATCH_INPUTS,
            ),
            _op(
                "events.get",
                _EVENTS,
                "GET",
                f"{_E}/events/{{externalEventId}}",
                "getDetails",
                EVENTS_READ,
            ),
            _op(
                "events.update",
                _EVENTS,
                "PATCH",
                f"{_E}/events/{{externalEventId}}",
                "update",
                EVENTS_WRITE,
            ),
            _op(
                "events.cancel",
                _EVENTS,
                "POST",
                f"{_E}/events/{{externalEventId}}/cancel",
                "cancel",
                EVENTS_WRITE,
            ),
            _op(
                "events.complete",
                _EVENTS,
                "POST",
                f"{_E}/events/{{externalEventId}}/complete",
                "complete",
                EVENTS_WRITE,
            ),
            _op(
                "events.list",
                _EVENTS,
                "GET",
                "/marketing/marketing-events/v3",
                "/marketing/marketing-events/v3",
                EVENTS_READ,
            ),
            _op(
                "participations.record_by_email",
                _EVENTS,
                "POST",
                f"{_E}/attendance/{{externalEventId}}/{{subscriberState}}/email-create",
                "recordByContactEmails",
                EVENTS_WRITE,
                max_inputs=BATCH_INPUTS,
            ),
            _op(
                "participations.counters",
                _EVENTS,
                "GET",
                f"{_E}/participations/{{externalAccountId}}/{{externalEventId}}",
                "getParticipationsCountersByEventExternalId",
                EVENTS_READ,
            ),
        )
    }
)
