"""Which scopes each zoombridge feature needs from the private app, and which feature a
missing scope breaks. "Test access" reports missing scopes with these features' labels.

Each feature's scopes are the union of the scopes of the operations it uses (see
`operations.py`, where each operation's scopes come from its `security` block in HubSpot's
specs); a contract test keeps this table and the specs in agreement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Feature:
    key: str
    label: str
    scopes: frozenset[str]
    operations: tuple[str, ...]


FEATURES: Mapping[str, Feature] = MappingProxyType(
    {
        feature.key: feature
        for feature in (
            Feature(
                "contacts",
                "Contacts: registrants and attendees upserted by email and read back",
                frozenset({"crm.objects.contacts.read", "crm.objects.contacts.write"}),
                (
                    "contacts.batch_upsert",
                    "contacts.batch_read",
                    "contacts.get",
                    "contacts.list",
                    "contacts.archive",
                    "contacts.search",
                ),
            ),
            Feature(
                "contact_properties",
                "Zoom properties on contacts (and their property group)",
                frozenset({"crm.schemas.contacts.read", "crm.schemas.contacts.write"}),
                (
                    "properties.create",
                    "properties.batch_create",
                    "properties.get",
                    "properties.list",
                    "groups.create",
                    "groups.get",
                    "groups.list",
                ),
            ),
            Feature(
                "marketing_events",
                "Webinars as marketing events with registrations, attendance and cancellations",
                frozenset(
                    {"crm.objects.marketing_events.read", "crm.objects.marketing_events.write"}
                ),
                (
                    "events.create",
                    "events.batch_upsert",
                    "events.get",
                    "events.update",
                    "events.cancel",
                    "events.complete",
                    "events.list",
                    "participations.record_by_email",
                    "participations.counters",
                ),
            ),
        )
    }
)

ALL_SCOPES: frozenset[str] = frozenset().union(*(f.scopes for f in FEATURES.values()))


def features_needing(scopes: Iterable[str]) -> list[Feature]:
    """The features that cannot work without any one of `scopes`."""
    wanted = set(scopes)
    return [f for f in FEATURES.values() if f.scopes & wanted]


def missing_by_feature(granted: Iterable[str]) -> dict[str, frozenset[str]]:
    """For each feature, the scopes it needs that are not granted (features lacking none are
    left out)."""
    have = set(granted)
    return {f.key: f.scopes - have for f in FEATURES.values() if f.scopes - have}
