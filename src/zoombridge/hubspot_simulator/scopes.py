"""Which scopes each simulated operation accepts, written down from the `security` blocks of
HubSpot's specs (a simulator test checks them against the specs).

An operation lists alternatives: any one of them is enough. Property endpoints list scopes for
every object type; only those that concern contacts are kept, since the simulator holds only
contact properties. A refusal names the first alternative, the one an integration should ask
for.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_C_READ = "crm.objects.contacts.read"
_C_WRITE = "crm.objects.contacts.write"
_S_READ = "crm.schemas.contacts.read"
_S_WRITE = "crm.schemas.contacts.write"
_E_READ = "crm.objects.marketing_events.read"
_E_WRITE = "crm.objects.marketing_events.write"

_PROPERTY_READ = ((_S_READ,), (_C_READ,), (_C_WRITE,))
_PROPERTY_WRITE = ((_S_WRITE,),)

ACCEPTED: Mapping[str, tuple[tuple[str, ...], ...]] = MappingProxyType(
    {
        "post-/crm/v3/objects/contacts/batch/upsert_upsert": ((_C_WRITE,),),
        "post-/crm/v3/objects/contacts/batch/read_read": ((_C_READ,),),
        "get-/crm/v3/objects/contacts/{contactId}_getById": ((_C_READ,),),
        "get-/crm/v3/objects/contacts_getPage": ((_C_READ,),),
        "delete-/crm/v3/objects/contacts/{contactId}_archive": ((_C_WRITE,),),
        "post-/crm/v3/objects/contacts/search_doSearch": ((_C_READ,),),
        "post-/crm/v3/properties/{objectType}_create": _PROPERTY_WRITE,
        "post-/crm/v3/properties/{objectType}/batch/create_create": _PROPERTY_WRITE,
        "get-/crm/v3/properties/{objectType}/{propertyName}_getByName": _PROPERTY_READ,
        "get-/crm/v3/properties/{objectType}_getAll": _PROPERTY_READ,
        "post-/crm/v3/properties/{objectType}/groups_create": _PROPERTY_WRITE,
        "get-/crm/v3/properties/{objectType}/groups/{groupName}_getByName": _PROPERTY_READ,
        "get-/crm/v3/properties/{objectType}/groups_getAll": _PROPERTY_READ,
        "post-/marketing/v3/marketing-events/events_create": ((_E_WRITE,),),
        "post-/marketing/v3/marketing-events/events/upsert_upsert": ((_E_WRITE,),),
        "get-/marketing/v3/marketing-events/events/{externalEventId}_getDetails": ((_E_READ,),),
        "patch-/marketing/v3/marketing-events/events/{externalEventId}_update": ((_E_WRITE,),),
        "post-/marketing/v3/marketing-events/events/{externalEventId}/cancel_cancel": (
            (_E_WRITE,),
        ),
        "post-/marketing/v3/marketing-events/events/{externalEventId}/complete_complete": (
            (_E_WRITE,),
        ),
        "get-/marketing/marketing-events/v3_/marketing/marketing-events/v3": ((_E_READ,),),
        (
            "post-/marketing/v3/marketing-events/attendance/{externalEventId}/{subscriberState}"
            "/email-create_recordByContactEmails"
        ): ((_E_WRITE,),),
        (
            "get-/marketing/v3/marketing-events/participations/{externalAccountId}"
            "/{externalEventId}_getParticipationsCountersByEventExternalId"
        ): ((_E_READ,),),
    }
)

ALL_SCOPES: frozenset[str] = frozenset(
    scope for alternatives in ACCEPTED.values() for option in alternatives for scope in option
)


def missing_scopes(operation_id: str, granted: frozenset[str] | None) -> list[str]:
    """The scopes to name in a 403, or [] when the token may call the operation."""
    if granted is None:
        return []
    alternatives = ACCEPTED[operation_id]
    if any(set(option) <= granted for option in alternatives):
        return []
    return [s for s in alternatives[0] if s not in granted]
