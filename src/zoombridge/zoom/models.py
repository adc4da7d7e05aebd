"""Typed views of what Zoom answers. Unknown fields are ignored; anything Zoom may omit is
optional, so a new or missing field never breaks a sync."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _blank_to_none(value: Any) -> Any:
    # Zoom sends "" for times it does not know (e.g. leave_time of someone still in the meeting).
    return None if value == "" else value


ZoomTime = Annotated[datetime | None, BeforeValidator(_blank_to_none)]


class ZoomModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class User(ZoomModel):
    id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    type: int | None = None
    status: str | None = None
    timezone: str | None = None
    account_id: str | None = None
    role_id: str | None = None


class Occurrence(ZoomModel):
    occurrence_id: str
    start_time: ZoomTime = None
    duration: int | None = None
    status: str | None = None


class Recurrence(ZoomModel):
    type: int | None = None
    repeat_interval: int | None = None
    weekly_days: str | None = None
    monthly_day: int | None = None
    monthly_week: int | None = None
    monthly_week_day: int | None = None
    end_times: int | None = None
    end_date_time: ZoomTime = None


class MeetingSettings(ZoomModel):
    approval_type: int | None = None
    registration_type: int | None = None
    registrants_confirmation_email: bool | None = None
    registrants_email_notification: bool | None = None
    close_registration: bool | None = None
    host_video: bool | None = None
    participant_video: bool | None = None
    join_before_host: bool | None = None
    waiting_room: bool | None = None
    mute_upon_entry: bool | None = None
    auto_recording: str | None = None
    alternative_hosts: str | None = None
    meeting_authentication: bool | None = None


class Meeting(ZoomModel):
    """A meeting or a webinar (Zoom answers both with the same shape for what we read)."""

    id: int
    uuid: str | None = None
    host_id: str | None = None
    host_email: str | None = None
    topic: str | None = None
    type: int | None = None
    status: str | None = None
    start_time: ZoomTime = None
    duration: int | None = None
    timezone: str | None = None
    agenda: str | None = None
    created_at: ZoomTime = None
    password: str | None = None
    join_url: str | None = None
    start_url: str | None = None
    registration_url: str | None = None
    settings: MeetingSettings | None = None
    recurrence: Recurrence | None = None
    occurrences: list[Occurrence] = Field(default_factory=list)


class MeetingSummary(ZoomModel):
    """One row of a host's meeting or webinar list."""

    id: int
    uuid: str | None = None
    host_id: str | None = None
    topic: str | None = None
    type: int | None = None
    start_time: ZoomTime = None
    duration: int | None = None
    timezone: str | None = None
    agenda: str | None = None
    created_at: ZoomTime = None
    join_url: str | None = None


class Registrant(ZoomModel):
    """A registrant as listed or fetched."""

    id: str | None = None
    email: str
    first_name: str | None = None
    last_name: str | None = None
    status: str | None = None
    create_time: ZoomTime = None
    join_url: str | None = None
    participant_pin_code: int | None = None


class RegistrationResult(ZoomModel):
    """The answer to adding one registrant. `join_url` is absent while approval is pending."""

    id: int | None = None
    registrant_id: str
    join_url: str | None = None
    start_time: ZoomTime = None
    topic: str | None = None
    occurrences: list[Occurrence] = Field(default_factory=list)
    participant_pin_code: int | None = None


class BatchRegistrant(ZoomModel):
    email: str
    registrant_id: str | None = None
    join_url: str | None = None
    participant_pin_code: int | None = None


class BatchRegistrationResult(ZoomModel):
    registrants: list[BatchRegistrant] = Field(default_factory=list)
    skipped_at_cap: list[str] = Field(default_factory=list)
    """Emails left out before sending because they had used their 3 registrations today."""


class PastInstance(ZoomModel):
    uuid: str
    start_time: ZoomTime = None


class Participant(ZoomModel):
    """One join/leave segment (a person who rejoins appears as several rows)."""

    id: str | None = None
    user_id: str | None = None
    participant_user_id: str | None = None
    name: str | None = None
    user_email: str | None = None
    registrant_id: str | None = None
    join_time: ZoomTime = None
    leave_time: ZoomTime = None
    duration: int | None = None
    status: str | None = None
    failover: bool | None = None


class RecordingFile(ZoomModel):
    id: str | None = None
    meeting_id: str | None = None
    recording_start: ZoomTime = None
    recording_end: ZoomTime = None
    file_type: str | None = None
    file_extension: str | None = None
    file_size: float | None = None
    play_url: str | None = None
    download_url: str | None = None
    status: str | None = None
    recording_type: str | None = None


class Recording(ZoomModel):
    id: int | None = None
    uuid: str | None = None
    host_id: str | None = None
    topic: str | None = None
    start_time: ZoomTime = None
    duration: int | None = None
    total_size: float | None = None
    recording_count: int | None = None
    recording_files: list[RecordingFile] = Field(default_factory=list)
    download_access_token: str | None = Field(default=None, repr=False)
    password: str | None = Field(default=None, repr=False)


class Panelist(ZoomModel):
    """One panelist of a webinar."""

    id: str | None = None
    email: str | None = None
    name: str | None = None


class FormField(ZoomModel):
    """A field of a webinar's registration form beyond first name and email."""

    field_name: str
    required: bool = False


class CustomQuestion(ZoomModel):
    title: str
    type: str | None = None
    required: bool = False
    answers: list[str] = Field(default_factory=list)


class RegistrationForm(ZoomModel):
    """What a webinar's registration form asks (first name and email are always asked)."""

    questions: list[FormField] = Field(default_factory=list)
    custom_questions: list[CustomQuestion] = Field(default_factory=list)

    def required_beyond_name_and_email(self) -> list[str]:
        """Required fields other than first name, last name and email: field names (e.g.
        `phone`) and custom questions' titles, as Zoom names them."""
        found = [q.field_name for q in self.questions if q.required and q.field_name != "last_name"]
        found.extend(q.title for q in self.custom_questions if q.required)
        return found
