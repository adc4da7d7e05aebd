"""Typed bodies the client sends. Dumped with `exclude_none`, so unset fields are not sent and
Zoom keeps its own defaults (or, for PATCH, leaves those fields alone)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_serializer


class ZoomBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def format_start_time(value: datetime) -> str:
    """Zoom wants `yyyy-MM-ddTHH:mm:ssZ` in UTC, or a local wall time without offset (then the
    body's `timezone` says where). An aware datetime is sent in UTC; a naive one as local.

    Always a four-digit year: `strftime("%Y")` writes the year 51 as `51`, not a date-time.
    """
    if value.tzinfo is not None:
        utc = value.astimezone(UTC).replace(tzinfo=None, microsecond=0)
        return utc.isoformat(timespec="seconds") + "Z"
    return value.replace(microsecond=0).isoformat(timespec="seconds")


class RecurrenceBody(ZoomBody):
    type: Literal[1, 2, 3]
    repeat_interval: int | None = None
    weekly_days: str | None = None
    monthly_day: int | None = Field(default=None, ge=1, le=31)
    monthly_week: Literal[-1, 1, 2, 3, 4] | None = None
    monthly_week_day: int | None = Field(default=None, ge=1, le=7)
    end_times: int | None = Field(default=None, ge=1, le=60)
    end_date_time: datetime | None = None

    @field_serializer("end_date_time")
    def _end(self, value: datetime | None) -> str | None:
        return format_start_time(value) if value is not None else None


class SettingsBody(ZoomBody):
    approval_type: Literal[0, 1, 2] | None = None
    """0 automatic approval, 1 manual approval, 2 no registration."""
    registration_type: Literal[1, 2, 3] | None = None
    registrants_confirmation_email: bool | None = None
    registrants_email_notification: bool | None = None
    close_registration: bool | None = None
    host_video: bool | None = None
    participant_video: bool | None = None
    join_before_host: bool | None = None
    waiting_room: bool | None = None
    mute_upon_entry: bool | None = None
    auto_recording: Literal["local", "cloud", "none"] | None = None
    alternative_hosts: str | None = None
    meeting_authentication: bool | None = None


class MeetingCreate(ZoomBody):
    """Body to create a meeting (types 1, 2, 3, 8) or webinar (types 5, 6, 9)."""

    topic: str = Field(max_length=200)
    type: Literal[1, 2, 3, 5, 6, 8, 9]
    start_time: datetime | None = None
    duration: int | None = Field(default=None, ge=1)
    timezone: str | None = None
    agenda: str | None = Field(default=None, max_length=2000)
    password: str | None = Field(default=None, max_length=10)
    schedule_for: str | None = None
    recurrence: RecurrenceBody | None = None
    settings: SettingsBody | None = None

    @field_serializer("start_time")
    def _start(self, value: datetime | None) -> str | None:
        return format_start_time(value) if value is not None else None


class MeetingUpdate(ZoomBody):
    """PATCH body: only the fields set are changed."""

    topic: str | None = Field(default=None, max_length=200)
    type: Literal[1, 2, 3, 5, 6, 8, 9] | None = None
    start_time: datetime | None = None
    duration: int | None = Field(default=None, ge=1)
    timezone: str | None = None
    agenda: str | None = Field(default=None, max_length=2000)
    password: str | None = Field(default=None, max_length=10)
    recurrence: RecurrenceBody | None = None
    settings: SettingsBody | None = None

    @field_serializer("start_time")
    def _start(self, value: datetime | None) -> str | None:
        return format_start_time(value) if value is not None else None


class RegistrantCreate(ZoomBody):
    email: EmailStr = Field(max_length=128)
    first_name: str = Field(min_length=1, max_length=64)
    last_name: str | None = Field(default=None, max_length=64)
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    phone: str | None = None
    comments: str | None = None
    industry: str | None = None
    job_title: str | None = None
    org: str | None = None
    language: str | None = None
    auto_approve: bool | None = None
    """Meetings only: approve at once even when the meeting needs manual approval."""


class BatchRegistrantBody(ZoomBody):
    email: EmailStr = Field(max_length=128)
    first_name: str = Field(min_length=1, max_length=64)
    last_name: str | None = Field(default=None, max_length=64)


class BatchRegistrationBody(ZoomBody):
    auto_approve: bool | None = None
    registrants_confirmation_email: bool | None = None
    registrants: list[BatchRegistrantBody]


class RegistrantRef(ZoomBody):
    """Who a status change is for: the registrant id, the email, or both."""

    id: str | None = None
    email: str | None = None


RegistrantAction = Literal["approve", "cancel", "deny"]


class RegistrantStatusBody(ZoomBody):
    action: RegistrantAction
    registrants: list[RegistrantRef]
