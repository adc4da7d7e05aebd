"""What the API and the web UI send and receive for services, employees and bookings (B1–B5).

Shape checks (lengths, ranges, time zone names, aware times, email syntax) live here; rules that
need the database (a Zoom-enabled service needs a connection, shortcodes, the employee's Zoom
user, overlaps) are checked by `bookings.service`, which reports them as field errors too.

In the *Update models a field left out or null is unchanged, except the nullable references
(`connection_id`, `zoom_user_id`): sent explicitly as null they clear the connection, or (for
`zoom_user_id`) ask to match the Zoom user by email again.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from zoombridge.bookings.models import (
    DEFAULT_DESCRIPTION_TEMPLATE,
    DEFAULT_TOPIC_TEMPLATE,
    BookingStatus,
)
from zoombridge.events.models import LinkState, LinkWant
from zoombridge.events.schemas import TimeZoneName
from zoombridge.kit.text import check_multi_line, check_one_line

MIN_DURATION = 5
MAX_DURATION = 1440

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
    AfterValidator(check_one_line),
]
TopicTemplate = Annotated[str, StringConstraints(max_length=255), AfterValidator(check_one_line)]
Duration = Annotated[int, Field(ge=MIN_DURATION, le=MAX_DURATION, description="minutes, 5 to 1440")]
FirstName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(check_one_line),
]
LastName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(check_one_line)
]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(check_one_line)
]
Notes = Annotated[str, AfterValidator(check_multi_line)]
# Multi-line: a service's description and its meeting description template.
Description = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(check_multi_line)]
ZoomUserId = Annotated[str, StringConstraints(max_length=64), AfterValidator(check_one_line)]
ReminderOffsets = Annotated[
    list[str], Field(description='any of "1w", "4d", "3d", "2d", "1d", "1h"')
]


class ServiceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description = ""
    duration_minutes: Duration
    zoom_enabled: bool = False
    connection_id: uuid.UUID | None = None
    topic_template: TopicTemplate = DEFAULT_TOPIC_TEMPLATE
    description_template: Description = DEFAULT_DESCRIPTION_TEMPLATE
    passcode_enabled: bool = True
    reminder_offsets: ReminderOffsets = []


class ServiceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    duration_minutes: Duration | None = None
    zoom_enabled: bool | None = None
    connection_id: uuid.UUID | None = None
    topic_template: TopicTemplate | None = None
    description_template: Description | None = None
    passcode_enabled: bool | None = None
    reminder_offsets: ReminderOffsets | None = None
    active: bool | None = None


class ServiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    duration_minutes: int
    zoom_enabled: bool
    connection_id: uuid.UUID | None
    topic_template: str
    description_template: str
    passcode_enabled: bool
    reminder_offsets: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class EmployeeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: EmailStr
    connection_id: uuid.UUID | None = None
    zoom_user_id: ZoomUserId | None = Field(
        default=None, description="one of the connection's fetched hosts; null: match by email"
    )


class EmployeeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    email: EmailStr | None = None
    connection_id: uuid.UUID | None = None
    zoom_user_id: ZoomUserId | None = None
    active: bool | None = None


ZoomStatus = Literal["mapped", "unmapped", "no_connection"]


class EmployeeOut(BaseModel):
    id: uuid.UUID
    name: str
    email: str
    connection_id: uuid.UUID | None
    zoom_user_id: str | None
    zoom_user_email: str | None
    active: bool
    zoom_status: ZoomStatus
    zoom_problem: str | None = Field(description="what to do when the Zoom user is not mapped")


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: uuid.UUID
    employee_id: uuid.UUID
    customer_first_name: FirstName
    customer_last_name: LastName = ""
    customer_email: EmailStr
    customer_phone: Phone = ""
    notes: Notes = ""
    start_at: AwareDatetime
    timezone: TimeZoneName
    duration_minutes: Duration | None = Field(default=None, description="null: the service's")
    reminder_offsets: ReminderOffsets | None = Field(
        default=None, description="null: the service's"
    )
    allow_past: bool = Field(
        default=False,
        description="record a booking whose start has passed (no emails are sent for it)",
    )


class BookingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_at: AwareDatetime | None = None
    timezone: TimeZoneName | None = None
    duration_minutes: Duration | None = None
    employee_id: uuid.UUID | None = Field(default=None, description="reassign")
    customer_first_name: FirstName | None = None
    customer_last_name: LastName | None = None
    customer_email: EmailStr | None = None
    customer_phone: Phone | None = None
    notes: Notes | None = None
    reminder_offsets: ReminderOffsets | None = None
    allow_past: bool = Field(default=False, description="move it to a start that has passed")


class BookingMeetingOut(BaseModel):
    want: LinkWant
    state: LinkState
    zoom_meeting_id: int | None
    zoom_host_id: str | None
    zoom_host: str = Field(description="the host: the employee and their Zoom user's email")
    join_url: str | None
    passcode: str | None
    last_error: str | None
    synced: bool = Field(description="Zoom reflects the latest change (synced ≥ desired)")


class BookingOut(BaseModel):
    id: uuid.UUID
    service_id: uuid.UUID
    service_name: str
    employee_id: uuid.UUID
    employee_name: str
    status: BookingStatus
    customer_first_name: str
    customer_last_name: str
    customer_name: str
    customer_email: str
    customer_phone: str
    notes: str
    start_at: datetime
    end_at: datetime
    timezone: str
    duration_minutes: int
    reminder_offsets: list[str]
    version: int
    meeting: BookingMeetingOut | None = Field(description="null: the service is not Zoom-enabled")
    created_at: datetime
    updated_at: datetime
