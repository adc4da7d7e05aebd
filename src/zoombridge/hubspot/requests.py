"""What zoombridge sends to HubSpot, as small typed bodies with their JSON form.

HubSpot wants every property value as a string (`"3"`, not `3`), emails lower-cased and trimmed
(it matches them exactly), and times in two shapes: ISO 8601 for marketing events, epoch
milliseconds for participations. These classes do the conversions once, here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

PropertyValue = str | int | float | bool | datetime | date | None


def normalize_email(email: str) -> str:
    return email.strip().lower()


def looks_like_email(email: str) -> bool:
    """Enough to keep obviously broken addresses from being sent (HubSpot validates the rest)."""
    local, at, domain = email.rpartition("@")
    return bool(at and local and "." in domain and not domain.startswith(".") and " " not in email)


def property_string(value: PropertyValue) -> str:
    """A value as HubSpot stores properties: booleans `true`/`false`, datetimes as epoch ms,
    dates as midnight UTC in epoch ms, None as the empty string (which clears the property)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(epoch_ms(value))
    if isinstance(value, date):
        return str(epoch_ms(datetime(value.year, value.month, value.day, tzinfo=UTC)))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("times sent to HubSpot must be timezone-aware")
    return int(moment.timestamp() * 1000)


def iso_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("times sent to HubSpot must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass(frozen=True)
class ContactInput:
    """One contact to upsert, keyed by its primary email."""

    email: str
    properties: Mapping[str, PropertyValue] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return normalize_email(self.email)

    def property_strings(self) -> dict[str, str]:
        return {name: property_string(value) for name, value in self.properties.items()}


class PropertyType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    ENUMERATION = "enumeration"
    BOOL = "bool"


@dataclass(frozen=True)
class PropertyOption:
    label: str
    value: str
    display_order: int | None = None
    hidden: bool = False

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"label": self.label, "value": self.value, "hidden": self.hidden}
        if self.display_order is not None:
            body["displayOrder"] = self.display_order
        return body


@dataclass(frozen=True)
class PropertyDefinition:
    """A custom contact property. `field_type` is how HubSpot's UI shows it (`text`, `number`,
    `date`, `select`, `booleancheckbox`, ...)."""

    name: str
    label: str
    type: PropertyType
    field_type: str
    group_name: str
    description: str = ""
    options: Sequence[PropertyOption] = ()
    display_order: int | None = None
    form_field: bool = False

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type.value,
            "fieldType": self.field_type,
            "groupName": self.group_name,
            "description": self.description,
            "formField": self.form_field,
        }
        if self.options:
            body["options"] = [o.to_json() for o in self.options]
        if self.display_order is not None:
            body["displayOrder"] = self.display_order
        return body


@dataclass(frozen=True)
class PropertyGroupDefinition:
    name: str
    label: str
    display_order: int | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "label": self.label}
        if self.display_order is not None:
            body["displayOrder"] = self.display_order
        return body


@dataclass(frozen=True)
class MarketingEventCreate:
    """A webinar as a marketing event. `external_event_id` is zoombridge's own id for it."""

    external_event_id: str
    event_name: str
    event_organizer: str
    start: datetime | None = None
    end: datetime | None = None
    event_url: str | None = None
    event_type: str | None = "WEBINAR"
    description: str | None = None

    def to_json(self, external_account_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "externalAccountId": external_account_id,
            "externalEventId": self.external_event_id,
            "eventName": self.event_name,
            "eventOrganizer": self.event_organizer,
            # The spec's PropertyValue items require twenty internal fields, so only an
            # empty list can be sent (see docs/hubspot-client.md, spec gaps).
            "customProperties": [],
        }
        body.update(
            _event_fields(self.start, self.end, self.event_url, self.event_type, self.description)
        )
        return body


@dataclass(frozen=True)
class MarketingEventUpdate:
    """A partial update: fields left None are not sent and HubSpot keeps them."""

    event_name: str | None = None
    event_organizer: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    event_url: str | None = None
    event_type: str | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"customProperties": []}
        if self.event_name is not None:
            body["eventName"] = self.event_name
        if self.event_organizer is not None:
            body["eventOrganizer"] = self.event_organizer
        body.update(
            _event_fields(self.start, self.end, self.event_url, self.event_type, self.description)
        )
        return body


def _event_fields(
    start: datetime | None,
    end: datetime | None,
    url: str | None,
    event_type: str | None,
    description: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if start is not None:
        body["startDateTime"] = iso_time(start)
    if end is not None:
        body["endDateTime"] = iso_time(end)
    if url is not None:
        body["eventUrl"] = url
    if event_type is not None:
        body["eventType"] = event_type
    if description is not None:
        body["eventDescription"] = description
    return body


class SubscriberState(StrEnum):
    REGISTER = "register"
    ATTEND = "attend"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Participant:
    """One person's registration, attendance or cancellation, by email.

    `contact_properties` are used by HubSpot only when it creates the contact; `joined_at` and
    `left_at` only for attendance.
    """

    email: str
    at: datetime
    joined_at: datetime | None = None
    left_at: datetime | None = None
    contact_properties: Mapping[str, PropertyValue] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return normalize_email(self.email)

    def to_json(self, state: SubscriberState) -> dict[str, Any]:
        properties: dict[str, str] = {}
        if state is SubscriberState.ATTEND:
            if self.joined_at is not None:
                properties["joinedAt"] = str(epoch_ms(self.joined_at))
            if self.left_at is not None:
                properties["leftAt"] = str(epoch_ms(self.left_at))
        return {
            "email": self.key,
            "interactionDateTime": epoch_ms(self.at),
            "properties": properties,
            "contactProperties": {
                name: property_string(value) for name, value in self.contact_properties.items()
            },
        }
