"""The simulated world: accounts (portals) with their tokens, contacts, contact properties and
groups, marketing events and participations, all in memory.

Contacts are keyed by primary email, unique and case-insensitive (stored lower-cased). A contact
may have secondary emails (`hs_additional_emails`, `;`-separated); an email belongs to at most
one live contact either way. An archived contact frees its emails: upserting one of them makes
a new contact, as HubSpot does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from zoombridge.hubspot_simulator.clock import epoch_ms
from zoombridge.hubspot_simulator.config import Tier

READ_ONLY = frozenset({"hs_object_id", "createdate", "lastmodifieddate", "hs_additional_emails"})
DEFAULT_GROUP = "contactinformation"


@dataclass
class Token:
    value: str = field(repr=False)
    hub_id: int
    app_id: int
    app_name: str
    scopes: frozenset[str] | None  # None: every scope
    revoked: bool = False


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # registered | attended | cancelled
    event_name: str
    external_event_id: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Contact:
    id: int
    properties: dict[str, str]
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    archived_at: datetime | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def email(self) -> str:
        return self.properties.get("email", "")

    @property
    def secondary_emails(self) -> list[str]:
        raw = self.properties.get("hs_additional_emails", "")
        return [e for e in raw.split(";") if e]


@dataclass
class PropertyDef:
    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    description: str = ""
    options: list[dict[str, Any]] = field(default_factory=list)
    display_order: int = -1
    hubspot_defined: bool = False
    form_field: bool = False
    created_at: datetime | None = None


@dataclass
class Group:
    name: str
    label: str
    display_order: int = -1


@dataclass
class Participation:
    """One recorded state change of one contact for one event."""

    contact_id: int
    state: str  # REGISTERED | ATTENDED | CANCELLED
    occurred_at_ms: int
    joined_at_ms: int | None = None
    left_at_ms: int | None = None
    received_at: datetime | None = None
    repeats: int = 0
    """Identical records received again (a resend): kept once, counted here."""


@dataclass
class MarketingEvent:
    object_id: int
    app_id: int
    external_account_id: str
    external_event_id: str
    fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    participations: list[Participation] = field(default_factory=list)
    by_key: dict[tuple[int, str, int, int | None, int | None], Participation] = field(
        default_factory=dict, repr=False
    )
    """Each participation by (contact, state, times): a resend finds its first copy at once."""
    by_contact: dict[int, list[Participation]] = field(default_factory=dict, repr=False)
    latest: dict[int, Participation] = field(default_factory=dict, repr=False)
    """Each contact's latest participation (the latest interaction; on a tie, the last one)."""

    @property
    def name(self) -> str:
        return str(self.fields.get("eventName", ""))

    def add(self, participation: Participation) -> None:
        self.participations.append(participation)
        p = participation
        self.by_key[(p.contact_id, p.state, p.occurred_at_ms, p.joined_at_ms, p.left_at_ms)] = p
        self.by_contact.setdefault(p.contact_id, []).append(p)
        known = self.latest.get(p.contact_id)
        if known is None or p.occurred_at_ms >= known.occurred_at_ms:
            self.latest[p.contact_id] = p

    def counters(self) -> dict[str, int]:
        latest = {c: p.state for c, p in self.latest.items()}
        registered = {p.contact_id for p in self.participations if p.state == "REGISTERED"}
        attended = {p.contact_id for p in self.participations if p.state == "ATTENDED"}
        cancelled = {c for c, s in latest.items() if s == "CANCELLED"}
        registered -= cancelled
        no_shows = registered - attended if self.fields.get("eventCompleted") else set()
        return {
            "registered": len(registered),
            "attended": len(attended),
            "cancelled": len(cancelled),
            "noShows": len(no_shows),
        }


@dataclass
class Account:
    hub_id: int
    tier: Tier
    api_limit_pack: bool
    time_zone: str
    rate_limits: bool = True
    burst_limit: int | None = None
    """Overrides of the tier's limits, for tests (None: the tier's own)."""
    window_ms: int | None = None
    daily_limit: int | None = None
    contacts: dict[int, Contact] = field(default_factory=dict)
    by_email: dict[str, int] = field(default_factory=dict)
    by_secondary: dict[str, int] = field(default_factory=dict)
    properties: dict[str, PropertyDef] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    events: dict[tuple[str, str], MarketingEvent] = field(default_factory=dict)
    next_contact_id: int = 101
    next_object_id: int = 5_001

    # Contacts --------------------------------------------------------------------------------

    def live_contact(self, email: str, *, secondary: bool = True) -> Contact | None:
        key = email.strip().lower()
        contact_id = self.by_email.get(key)
        if contact_id is None and secondary:
            contact_id = self.by_secondary.get(key)
        return self.contacts.get(contact_id) if contact_id is not None else None

    def archived_contact(self, email: str) -> Contact | None:
        key = email.strip().lower()
        gone = [
            c
            for c in self.contacts.values()
            if c.archived and (c.email == key or key in c.secondary_emails)
        ]
        return max(gone, key=lambda c: c.archived_at or c.updated_at) if gone else None

    def create_contact(self, email: str, properties: dict[str, str], now: datetime) -> Contact:
        contact_id = self.next_contact_id
        self.next_contact_id += 1
        stamp = str(epoch_ms(now))
        values = {k: v for k, v in properties.items() if k != "email"}
        values.update(
            email=email.strip().lower(),
            hs_object_id=str(contact_id),
            createdate=stamp,
            lastmodifieddate=stamp,
        )
        contact = Contact(id=contact_id, properties=values, created_at=now, updated_at=now)
        self.contacts[contact_id] = contact
        self.by_email[contact.email] = contact_id
        return contact

    def update_contact(self, contact: Contact, properties: dict[str, str], now: datetime) -> None:
        for name, value in properties.items():
            if name == "email":
                continue  # the key stays; changing a primary email is not simulated
            if value == "":
                contact.properties.pop(name, None)
            else:
                contact.properties[name] = value
        contact.updated_at = now
        contact.properties["lastmodifieddate"] = str(epoch_ms(now))

    def archive_contact(self, contact: Contact, now: datetime) -> None:
        if contact.archived:
            return
        contact.archived = True
        contact.archived_at = now
        self.by_email.pop(contact.email, None)
        for email in contact.secondary_emails:
            self.by_secondary.pop(email, None)

    def add_secondary_email(self, contact: Contact, email: str) -> None:
        key = email.strip().lower()
        if self.live_contact(key) is not None:
            raise ValueError(f"{key} already belongs to a contact")
        contact.properties["hs_additional_emails"] = ";".join([*contact.secondary_emails, key])
        self.by_secondary[key] = contact.id
