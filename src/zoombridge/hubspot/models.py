"""What HubSpot answers, as read models. Unknown fields are ignored; whatever HubSpot may omit
is optional. Property values may come back null (for a requested property with no value),
although the spec says strings."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from zoombridge.hubspot.errors import HubSpotError


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class Contact(_Model):
    id: str
    properties: dict[str, str | None] = Field(default_factory=dict)
    created_at: datetime | None = Field(default=None, alias="createdAt")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")
    archived: bool = False
    archived_at: datetime | None = Field(default=None, alias="archivedAt")

    @property
    def email(self) -> str | None:
        return self.properties.get("email")

    @property
    def secondary_emails(self) -> list[str]:
        raw = self.properties.get("hs_additional_emails") or ""
        return [e.strip().lower() for e in raw.split(";") if e.strip()]

    def has_email(self, email: str) -> bool:
        wanted = email.strip().lower()
        return (self.email or "").lower() == wanted or wanted in self.secondary_emails


class UpsertedContact(Contact):
    new: bool = False
    """True when HubSpot created the contact, False when it updated an existing one."""
    object_write_trace_id: str | None = Field(default=None, alias="objectWriteTraceId")


class PropertyOptionRead(_Model):
    label: str
    value: str
    hidden: bool = False
    display_order: int | None = Field(default=None, alias="displayOrder")


class Property(_Model):
    name: str
    label: str
    type: str
    field_type: str = Field(alias="fieldType")
    group_name: str = Field(alias="groupName")
    description: str = ""
    options: list[PropertyOptionRead] = Field(default_factory=list)
    hubspot_defined: bool | None = Field(default=None, alias="hubspotDefined")
    archived: bool = False


class PropertyGroup(_Model):
    name: str
    label: str
    display_order: int | None = Field(default=None, alias="displayOrder")
    archived: bool = False


class MarketingEvent(_Model):
    """A marketing event as its create/update/cancel/complete answers describe it."""

    event_name: str = Field(alias="eventName")
    event_organizer: str | None = Field(default=None, alias="eventOrganizer")
    object_id: str | None = Field(default=None, alias="objectId")
    id: str | None = None
    event_type: str | None = Field(default=None, alias="eventType")
    event_url: str | None = Field(default=None, alias="eventUrl")
    event_description: str | None = Field(default=None, alias="eventDescription")
    start: datetime | None = Field(default=None, alias="startDateTime")
    end: datetime | None = Field(default=None, alias="endDateTime")
    cancelled: bool = Field(default=False, alias="eventCancelled")
    completed: bool = Field(default=False, alias="eventCompleted")


class MarketingEventDetails(MarketingEvent):
    """The read answer, with HubSpot's participation counters."""

    external_event_id: str | None = Field(default=None, alias="externalEventId")
    registrants: int = 0
    attendees: int = 0
    cancellations: int = 0
    no_shows: int = Field(default=0, alias="noShows")


class AttendanceCounters(_Model):
    registered: int
    attended: int
    cancelled: int
    no_shows: int = Field(alias="noShows")


class ParticipationRecorded(_Model):
    email: str
    contact_id: int = Field(alias="vid")


T = TypeVar("T")


class Created(_Model, Generic[T]):
    """The object, and whether this call created it. `created=False`: HubSpot answered 409
    (it existed already) and `value` is the existing one, read back."""

    value: T
    created: bool


class InputOutcome(_Model, Generic[T]):
    """What became of one input of a batch call, in the order the inputs were given."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    index: int
    key: str
    result: T | None = None
    error: HubSpotError | None = None
    sent: bool = True
    """False when the input never left: invalid before sending, or its chunk was stopped by an
    account-wide refusal (token, scopes, daily limit) met by another chunk."""

    @property
    def ok(self) -> bool:
        return self.error is None


class BatchOutcome(_Model, Generic[T]):
    """Every input's outcome. A failure belongs to its input: the others go on."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    outcomes: list[InputOutcome[T]]
    calls: int = 0

    @property
    def succeeded(self) -> list[InputOutcome[T]]:
        return [o for o in self.outcomes if o.error is None]

    @property
    def failed(self) -> list[InputOutcome[T]]:
        return [o for o in self.outcomes if o.error is not None]

    def results(self) -> list[T]:
        return [o.result for o in self.outcomes if o.result is not None]


class AccessCheck(_Model):
    scope: str
    status: Literal["granted", "missing", "unknown"]
    """`unknown`: the probe could not tell (HubSpot unreachable, rate limited)."""
    operation: str
    detail: str = ""


class AccessReport(_Model):
    """What "Test access" found: the token works, and which scopes each feature misses."""

    token_valid: bool
    checks: list[AccessCheck] = Field(default_factory=list)
    missing: dict[str, list[str]] = Field(default_factory=dict)
    """feature key -> missing scopes (features lacking none are left out)."""
    messages: list[str] = Field(default_factory=list)
    """One sentence per problem, naming the feature and what to do."""

    @property
    def ok(self) -> bool:
        return (
            self.token_valid
            and not self.missing
            and all(c.status == "granted" for c in self.checks)
        )
