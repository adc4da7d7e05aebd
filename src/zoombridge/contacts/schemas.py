"""What the contacts API accepts and answers (never a secret, except an automation's secret in
the one answer that creates or rotates it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from zoombridge.contacts import emails
from zoombridge.contacts.models import (
    HostsMode,
    MatchMode,
    NoteCategory,
    RequestState,
    SourceKind,
    SyncOutcome,
)
from zoombridge.kit.text import OneLine, check_one_line


def _email(value: str) -> str:
    check_one_line(value)
    normalized = emails.normalize(value)
    wrong = emails.problem(normalized)
    if wrong is not None:
        raise ValueError(f"not a valid email address: {wrong}")
    return normalized


def _domain(value: str) -> str:
    check_one_line(value)
    domain = emails.normalize_domain(value)
    if "." not in domain or " " in domain or "@" in domain:
        raise ValueError(f"{value!r} is not a domain such as example.com")
    return domain


Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Domain = Annotated[str, Field(max_length=253), AfterValidator(_domain)]
Name = Annotated[OneLine, Field(max_length=64)]
FieldName = Annotated[OneLine, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
FieldValue = Annotated[OneLine, Field(max_length=255)] | Annotated[int, Field(ge=0)]
ZoomWebinarId = Annotated[int, Field(ge=1, le=99_999_999_999_999)]


# --- contacts ----------------------------------------------------------------------------


class ContactProperties(BaseModel):
    avg_attendance_percent: float | None = Field(
        description="Mean % of each ended webinar attended (registered or attended); null = none"
    )
    last_registered_webinar_url: str | None
    last_registered_at: datetime | None
    total_registrations: int
    total_webinars_attended: int
    first_attended_at: datetime | None
    last_attended_at: datetime | None
    no_show_count: int


class ContactOut(BaseModel):
    id: uuid.UUID
    email: str = Field(description="Primary email (trimmed, lower-cased)")
    first_name: str
    last_name: str
    secondary_emails: list[str]
    sources: list[SourceKind]
    fields: dict[str, Any]
    deleted: bool = Field(description="Deleted in zoombridge: a sync does not make it again")
    deleted_at: datetime | None
    properties: ContactProperties
    created_at: datetime
    updated_at: datetime


class ContactCreate(BaseModel):
    email: Email
    first_name: Name = ""
    last_name: Name = ""
    fields: dict[FieldName, FieldValue] = Field(default_factory=dict, max_length=50)


class ContactUpdate(BaseModel):
    first_name: Name | None = None
    last_name: Name | None = None
    fields: dict[FieldName, FieldValue] | None = Field(default=None, max_length=50)


class MergeIn(BaseModel):
    other_id: uuid.UUID = Field(description="This contact is merged into the one in the path")


class SecondaryEmailIn(BaseModel):
    email: Email


class TimelineEntryOut(BaseModel):
    at: datetime | None
    kind: str = Field(description="registered, cancelled, attended, recording, order, booking")
    title: str
    webinar_id: uuid.UUID | None
    details: dict[str, Any]


# --- segments ----------------------------------------------------------------------------


class _WebinarFilter(BaseModel):
    webinar_id: ZoomWebinarId | None = Field(default=None, description="Zoom's webinar id")
    webinar_name: Annotated[OneLine, Field(min_length=1, max_length=255)] | None = Field(
        default=None, description="Part of the topic (case-insensitive)"
    )


class RegisteredCondition(_WebinarFilter):
    kind: Literal["registered"]


class AttendedCondition(_WebinarFilter):
    kind: Literal["attended"]
    min_minutes: float | None = Field(default=None, ge=0, le=100_000)
    max_minutes: float | None = Field(default=None, ge=0, le=100_000)
    min_percent: float | None = Field(default=None, ge=0, le=100)
    max_percent: float | None = Field(default=None, ge=0, le=100)


class RecordingCondition(BaseModel):
    kind: Literal["recording_available"]
    topic: Annotated[OneLine, Field(min_length=1, max_length=255)] | None = None
    start_after: datetime | None = None
    start_before: datetime | None = None
    url: Annotated[OneLine, Field(min_length=1, max_length=500)] | None = None


PropertyName = Literal[
    "avg_attendance_percent",
    "total_registrations",
    "total_webinars_attended",
    "no_show_count",
    "first_attended_at",
    "last_attended_at",
    "last_registered_webinar_url",
]
PropertyOp = Literal["eq", "ne", "gt", "gte", "lt", "lte", "contains", "empty", "not_empty"]


class PropertyCondition(BaseModel):
    kind: Literal["property"]
    property: PropertyName
    op: PropertyOp
    value: float | Annotated[OneLine, Field(max_length=500)] | None = None


class StateCondition(BaseModel):
    kind: Literal["state"]
    state: Literal["active", "deleted", "excluded"] = Field(
        description="excluded: matches an exclusion now (platform user, Zoom user, domain)"
    )


class SourceCondition(BaseModel):
    kind: Literal["source"]
    source: SourceKind


Condition = Annotated[
    RegisteredCondition
    | AttendedCondition
    | RecordingCondition
    | PropertyCondition
    | StateCondition
    | SourceCondition,
    Field(discriminator="kind"),
]


class SegmentQuery(BaseModel):
    match: MatchMode = MatchMode.ALL
    conditions: list[Condition] = Field(default_factory=list, max_length=20)
    q: Annotated[OneLine, Field(max_length=255)] | None = Field(
        default=None, description="Part of an email or name (case-insensitive)"
    )


class SearchIn(SegmentQuery):
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(
        default=None, description="`next_cursor` of the previous page; omit for the first page"
    )


class SegmentIn(BaseModel):
    name: Annotated[OneLine, Field(min_length=1, max_length=100)]
    match: MatchMode = MatchMode.ALL
    conditions: list[Condition] = Field(default_factory=list, max_length=20)


class SegmentOut(BaseModel):
    id: uuid.UUID
    name: str
    match: MatchMode
    conditions: list[dict[str, Any]]
    count: int = Field(description="Contacts in the segment now")
    created_at: datetime
    updated_at: datetime


# --- settings, hosts, webinars ---------------------------------------------------------------


class ConnectionHostsOut(BaseModel):
    connection_id: uuid.UUID
    name: str
    hosts_mode: HostsMode
    listed_at: datetime | None
    last_error: str | None


class CrmSettingsOut(BaseModel):
    sync_webinars: bool = Field(description="The global 'sync webinar data' switch")
    excluded_domains: list[str]
    connections: list[ConnectionHostsOut]


class CrmSettingsIn(BaseModel):
    sync_webinars: bool | None = None
    excluded_domains: list[Domain] | None = Field(default=None, max_length=500)


class ConnectionHostsIn(BaseModel):
    hosts_mode: HostsMode


class HostOut(BaseModel):
    id: uuid.UUID
    connection_id: uuid.UUID
    zoom_user_id: str
    email: str
    first_name: str
    last_name: str
    selected: bool
    sync_new_by_default: bool = Field(description="Newly scheduled webinars are synced")
    sync_recordings: bool = Field(description="Recordings and transcripts are synced")
    gone: bool


class HostUpdate(BaseModel):
    selected: bool | None = None
    sync_new_by_default: bool | None = None
    sync_recordings: bool | None = None


class WebinarOut(BaseModel):
    id: uuid.UUID
    connection_id: uuid.UUID
    zoom_webinar_id: int
    topic: str
    start_at: datetime | None
    duration_minutes: int
    timezone: str | None
    host_email: str | None
    created_by_zoombridge: bool
    sync_enabled: bool
    sync_due: bool
    next_sync_at: datetime | None = Field(description="When the worker syncs it (null: now)")
    synced_at: datetime | None
    last_error: str | None
    ended: bool
    join_url: str | None
    registration_url: str | None
    registrations: int
    attendees: int
    not_synced_attendees: int


class WebinarUpdate(BaseModel):
    sync_enabled: bool


class NoteOut(BaseModel):
    subject: str = Field(description="The email or name affected")
    detail: str


class ReasonOut(BaseModel):
    reason: str
    label: str
    count: int
    notes: list[NoteOut] = Field(description="The first 200; `count` says how many in all")


class CategoryOut(BaseModel):
    category: NoteCategory
    label: str
    count: int
    reasons: list[ReasonOut]


class SyncOut(BaseModel):
    id: uuid.UUID
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    outcome: SyncOutcome
    counts: dict[str, int]
    message: str
    categories: list[CategoryOut]


class NotSyncedAttendeeOut(BaseModel):
    id: uuid.UUID
    name: str
    email: str
    reason: str
    minutes: float
    percent: float
    instance_start: datetime | None
    contact_id: uuid.UUID | None = Field(description="Set when linked to a contact by hand")


class LinkAttendeeIn(BaseModel):
    contact_id: uuid.UUID


# --- register action and automations --------------------------------------------------------


class _WebinarChoice(BaseModel):
    webinar_id: ZoomWebinarId | None = Field(default=None, description="Zoom's webinar id")
    webinar_field: FieldName | None = Field(
        default=None, description="Name of a contact field holding the webinar id"
    )

    @model_validator(mode="after")
    def _one(self) -> _WebinarChoice:
        if (self.webinar_id is None) == (self.webinar_field is None):
            raise ValueError("give either webinar_id or webinar_field (exactly one)")
        return self


class RegisterIn(_WebinarChoice):
    pass


class RegisterPersonIn(_WebinarChoice):
    email: Email
    first_name: Name = ""
    last_name: Name = ""
    fields: dict[FieldName, FieldValue] = Field(default_factory=dict, max_length=50)


class RegisterRequestOut(BaseModel):
    id: uuid.UUID
    contact_id: uuid.UUID
    webinar_id: uuid.UUID
    zoom_webinar_id: int
    email: str
    state: RequestState
    last_error: str | None
    join_url: str | None
    created_at: datetime
    registered_at: datetime | None


class AutomationIn(_WebinarChoice):
    name: Annotated[OneLine, Field(min_length=1, max_length=100)]


class AutomationOut(BaseModel):
    id: uuid.UUID
    name: str
    zoom_webinar_id: int | None
    webinar_field: str | None
    enabled: bool
    url: str = Field(description="Path to POST to: /webhooks/automations/{id}")
    last_used_at: datetime | None
    uses: int


class AutomationCreated(AutomationOut):
    secret: str = Field(
        description="Send it as the X-Automation-Secret header; shown only in this answer"
    )


class AutomationHookIn(BaseModel):
    email: Email
    first_name: Name = ""
    last_name: Name = ""
    fields: dict[FieldName, FieldValue] = Field(default_factory=dict, max_length=50)
