"""What the courses API and UI accept and answer (structure, providers, course events,
enrolment, learners' sign-in and "my events"). Shape checks live here; rules that need the
database (unknown provider or host, departments, capacity) are the service's field errors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from zoombridge.connections.models import ZoomKind
from zoombridge.events.models import SessionStatus
from zoombridge.events.schemas import Agenda, SessionInput, TimeZoneName
from zoombridge.kit.text import check_one_line

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(check_one_line),
]
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(check_one_line),
]
Short = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64),
    AfterValidator(check_one_line),
]
Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=255),
    AfterValidator(check_one_line),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- structure -------------------------------------------------------------------------------


class OrganisationIn(_In):
    name: Name
    tax_number: Short = Field(default="", description="e.g. the counterparty's INN")
    department_id: uuid.UUID | None = None


class OrganisationOut(BaseModel):
    id: uuid.UUID
    name: str
    tax_number: str
    department_id: uuid.UUID | None
    learners: int


class GroupIn(_In):
    name: Name
    department_id: uuid.UUID | None = None


class GroupOut(BaseModel):
    id: uuid.UUID
    name: str
    department_id: uuid.UUID | None
    learners: int


class CourseIn(_In):
    name: Name
    code: Short = ""
    department_id: uuid.UUID | None = None


class CourseOut(BaseModel):
    id: uuid.UUID
    name: str
    code: str
    department_id: uuid.UUID | None
    learners: int


class LearnerIn(_In):
    email: EmailStr
    first_name: PersonName
    last_name: PersonName
    position: Line = ""
    organisation_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    group_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    course_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)


class LearnerUpdate(_In):
    email: EmailStr | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    position: Line | None = None
    organisation_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    group_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    course_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)


class LearnerBatch(_In):
    """Many learners at once (an import): each new email is added, a known one updated."""

    learners: list[LearnerIn] = Field(min_length=1, max_length=10_000)


class LearnerOut(BaseModel):
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    position: str
    organisation_id: uuid.UUID | None
    department_id: uuid.UUID | None
    group_ids: list[uuid.UUID]
    course_ids: list[uuid.UUID]


class BatchOut(BaseModel):
    created: int
    updated: int


# --- providers -------------------------------------------------------------------------------


class ProviderIn(_In):
    name: Name
    service: Literal["zoom"] = "zoom"
    connection_id: uuid.UUID
    host: Line = Field(description="the default host: a Zoom user's email (or Zoom user id)")
    default_kind: ZoomKind = ZoomKind.MEETING
    webinars_available: bool = False


class ProviderUpdate(_In):
    name: Name | None = None
    host: Line | None = None
    default_kind: ZoomKind | None = None
    webinars_available: bool | None = None


class ProviderOut(BaseModel):
    id: uuid.UUID
    name: str
    service: str
    connection_id: uuid.UUID
    host_email: str
    default_kind: ZoomKind
    webinars_available: bool
    warnings: list[str] = Field(
        description="e.g. the host's email is not a user of the Zoom account (L2)"
    )


# --- course events ---------------------------------------------------------------------------


class CourseEventIn(_In):
    provider_id: uuid.UUID
    topic: Name
    agenda: Agenda = ""
    kind: ZoomKind | None = Field(default=None, description="null: the provider's default")
    timezone: TimeZoneName
    sessions: list[SessionInput] = Field(min_length=1, max_length=200)
    capacity: int | None = Field(default=None, ge=1, description="null = unlimited")
    host: Line | None = Field(default=None, description="null: the provider's host")
    trainer_name: Line = ""
    trainer_email: Line = ""
    course_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    reminder_offsets: list[str] = Field(default_factory=list, max_length=6)


class CourseEventUpdate(_In):
    topic: Name | None = None
    agenda: Agenda | None = None
    sessions: list[SessionInput] | None = Field(default=None, min_length=1, max_length=200)
    capacity: int | None = Field(default=None, ge=1)
    trainer_name: Line | None = None
    trainer_email: Line | None = None
    course_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    reminder_offsets: list[str] | None = Field(default=None, max_length=6)


class CourseSessionOut(BaseModel):
    id: uuid.UUID
    label: str
    start: datetime
    end: datetime
    duration_minutes: int
    status: SessionStatus
    zoom_topic: str | None
    link_id: uuid.UUID | None
    zoom_meeting_id: int | None
    link_state: str | None
    last_error: str | None


class CourseEventOut(BaseModel):
    id: uuid.UUID
    provider_id: uuid.UUID
    kind: ZoomKind
    topic: str
    agenda: str
    timezone: str
    status: str
    capacity: int | None
    host_email: str | None
    trainer_name: str
    trainer_email: str
    course_id: uuid.UUID | None
    department_id: uuid.UUID | None
    locked: bool
    reminder_offsets: list[str]
    enrolled: int
    sessions: list[CourseSessionOut]
    warnings: list[str]


class CourseEventSummary(BaseModel):
    id: uuid.UUID
    topic: str
    kind: ZoomKind
    start: datetime
    timezone: str
    status: str
    sessions: int
    enrolled: int
    department_id: uuid.UUID | None


# --- enrolment -------------------------------------------------------------------------------


class EnrolIn(_In):
    """Who to enrol: people, whole organisations, groups or courses (duplicates removed)."""

    learner_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10_000)
    organisation_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    group_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    course_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)


class EnrolOut(BaseModel):
    picked: int = Field(description="distinct learners the request named")
    added: int
    already: int
    enrolled: int = Field(description="learners enrolled now")


class LockIn(_In):
    locked: bool


class RegistrationState(BaseModel):
    session_id: uuid.UUID | None
    state: str
    join_url: str | None
    last_error: str | None


class EnrolmentOut(BaseModel):
    learner_id: uuid.UUID
    email: str
    name: str
    organisation_id: uuid.UUID | None
    enrolled_at: datetime
    registrations: list[RegistrationState]


# --- learners' own view ----------------------------------------------------------------------


class SignInRequest(_In):
    email: EmailStr


class SignInExchange(_In):
    token: Annotated[str, StringConstraints(min_length=10, max_length=200)]


class LearnerTokenOut(BaseModel):
    token: str = Field(description="send as Authorization: Bearer; shown once")
    expires_at: datetime


class MySessionOut(BaseModel):
    id: uuid.UUID
    label: str
    start: datetime
    end: datetime
    status: SessionStatus
    join_url: str | None = Field(description="the learner's own link")
    minutes: float | None
    percent: float | None
    result: str | None = Field(description="attended, partial, absent, excused or pending")


class MyEventOut(BaseModel):
    id: uuid.UUID
    topic: str
    agenda: str
    timezone: str
    trainer_name: str
    course: str | None
    sessions: list[MySessionOut]
    completion: str | None = Field(description="completed, not_completed or pending")


class MyEventsOut(BaseModel):
    learner_id: uuid.UUID
    email: str
    name: str
    upcoming: list[MyEventOut]
    past: list[MyEventOut]
