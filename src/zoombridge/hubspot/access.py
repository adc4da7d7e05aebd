""" "Test access": prove the token and name every scope a zoombridge feature lacks.

HubSpot's specs offer no call that lists a private app's scopes, so each scope is probed with
one harmless call that needs it: reads with a limit of one, writes as empty batches (nothing is
written). HubSpot checks the token and scopes before it looks at the body, so any answer but
401 or 403 MISSING_SCOPES proves the scope is there, even a 400 about the empty batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoombridge.hubspot import errors
from zoombridge.hubspot.models import AccessCheck, AccessReport
from zoombridge.hubspot.operations import OPERATIONS
from zoombridge.hubspot.scopes import FEATURES
from zoombridge.hubspot.sending import Sender


@dataclass(frozen=True)
class Probe:
    scope: str
    operation: str
    path: Mapping[str, str]
    params: Mapping[str, Any] | None = None
    json: Any = None


_CONTACTS = {"objectType": "contacts"}
PROBES: tuple[Probe, ...] = (
    Probe(
        "crm.objects.contacts.read",
        "contacts.batch_read",
        {},
        json={
            "idProperty": "email",
            "inputs": [],
            "properties": ["email"],
            "propertiesWithHistory": [],
        },
    ),
    Probe("crm.objects.contacts.write", "contacts.batch_upsert", {}, json={"inputs": []}),
    Probe("crm.schemas.contacts.read", "groups.list", _CONTACTS),
    Probe("crm.schemas.contacts.write", "properties.batch_create", _CONTACTS, json={"inputs": []}),
    Probe("crm.objects.marketing_events.read", "events.list", {}, params={"limit": 1}),
    Probe("crm.objects.marketing_events.write", "events.batch_upsert", {}, json={"inputs": []}),
)


async def check_access(sender: Sender) -> AccessReport:
    checks: list[AccessCheck] = []
    missing_scopes: set[str] = set()
    for probe in PROBES:
        op = OPERATIONS[probe.operation]
        try:
            await sender.send(op, probe.path, params=probe.params, json=probe.json)
        except errors.TokenInvalid as error:
            return AccessReport(token_valid=False, checks=checks, messages=[error.user_message])
        except errors.MissingScopes as error:
            named = set(error.scopes) or {probe.scope}
            missing_scopes |= named
            checks.append(
                AccessCheck(
                    scope=probe.scope,
                    status="missing",
                    operation=op.name,
                    detail=", ".join(sorted(named)),
                )
            )
            continue
        except (errors.ValidationFailed, errors.NotFound, errors.RequestRejected) as error:
            # Refused for the empty body, after the scope check passed.
            checks.append(
                AccessCheck(
                    scope=probe.scope,
                    status="granted",
                    operation=op.name,
                    detail=f"HTTP {error.status}",
                )
            )
            continue
        except errors.HubSpotError as error:
            checks.append(
                AccessCheck(
                    scope=probe.scope,
                    status="unknown",
                    operation=op.name,
                    detail=error.user_message,
                )
            )
            continue
        checks.append(AccessCheck(scope=probe.scope, status="granted", operation=op.name))
    missing = {
        key: sorted(feature.scopes & missing_scopes)
        for key, feature in FEATURES.items()
        if feature.scopes & missing_scopes
    }
    messages = [
        f"{FEATURES[key].label}: the private app lacks {', '.join(scopes)}. Add "
        f"{'it' if len(scopes) == 1 else 'them'} under Settings > Integrations > Private Apps "
        "> the app > Scopes, and save."
        for key, scopes in missing.items()
    ]
    messages += [
        f"{c.scope} could not be checked: {c.detail}" for c in checks if c.status == "unknown"
    ]
    return AccessReport(token_valid=True, checks=checks, missing=missing, messages=messages)
