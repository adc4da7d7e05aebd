"""Bodies that create and update meetings and webinars, as the meetings spec describes them.

Where the simulator checks more than the schema says, the field carries a comment; each such
difference is a named spec gap of the contract tests.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from zoombridge.simulator.request_models.base import DateTime, OneOf, WeekDays, ZoomRequest
from zoombridge.simulator.request_models.meeting_settings import (
    MeetingCreateSettings,
    MeetingUpdateSettings,
)
from zoombridge.simulator.request_models.webinar_settings import (
    WebinarCreateSettings,
    WebinarUpdateSettings,
)

# The meeting schemas bound these; the webinar schemas state nothing, and the simulator holds
# webinars to the meeting bounds (Zoom's own limits for both; a named spec gap).
Topic = Annotated[str, Field(max_length=200)]
Agenda = Annotated[str, Field(max_length=2000)]
Duration = Annotated[int, Field(ge=1, le=1440)]
Passcode = Annotated[str, Field(max_length=10)]


class Recurrence(ZoomRequest):
    """One recurrence object for meetings and webinars: the four schemas differ only in
    `weekly_days`, which the simulator reads the same way for all of them."""

    type: Annotated[int, OneOf(1, 2, 3)]
    # The spec leaves these unbounded; its descriptions give the ranges (a named spec gap):
    # an interval of at least 1, end_times 0 (no end) to 60, a day of the month 1-31.
    repeat_interval: Annotated[int, Field(ge=1)] | None = None
    weekly_days: WeekDays | None = None
    monthly_day: Annotated[int, Field(ge=1, le=31)] | None = None
    monthly_week: Annotated[int, OneOf(-1, 1, 2, 3, 4)] | None = None
    monthly_week_day: Annotated[int, OneOf(1, 2, 3, 4, 5, 6, 7)] | None = None
    end_times: Annotated[int, Field(ge=0, le=60)] | None = None
    end_date_time: DateTime | None = None


class TrackingField(ZoomRequest):
    field: str
    value: str | None = None


class TrackingFieldUpdate(ZoomRequest):
    """Updates name the field too, but the update schemas do not require it."""

    field: str | None = None
    value: str | None = None


class MeetingCreate(ZoomRequest):
    agenda: Agenda | None = None
    default_password: bool | None = None
    duration: Duration | None = None
    password: Passcode | None = None
    pre_schedule: bool | None = None
    recurrence: Recurrence | None = None
    schedule_for: str | None = None
    settings: MeetingCreateSettings | None = None
    start_time: DateTime | None = None
    template_id: str | None = None
    timezone: str | None = None
    topic: Topic | None = None
    tracking_fields: list[TrackingField] | None = None
    type: Annotated[int, OneOf(1, 2, 3, 8, 10)] | None = None


class MeetingUpdate(ZoomRequest):
    agenda: Agenda | None = None
    duration: Duration | None = None
    password: Passcode | None = None
    pre_schedule: bool | None = None
    recurrence: Recurrence | None = None
    schedule_for: str | None = None
    settings: MeetingUpdateSettings | None = None
    start_time: DateTime | None = None
    template_id: str | None = None
    timezone: str | None = None
    topic: Topic | None = None
    tracking_fields: list[TrackingFieldUpdate] | None = None
    type: Annotated[int, OneOf(1, 2, 3, 8, 10)] | None = None


class SimuliveDelayStart(ZoomRequest):
    enable: bool | None = None
    time: int | None = None
    timeunit: Annotated[str, OneOf("second", "minute")] | None = None


class _WebinarBody(ZoomRequest):
    agenda: Agenda | None = None
    duration: Duration | None = None
    is_simulive: bool | None = None
    password: Passcode | None = None
    record_file_id: str | None = None
    recurrence: Recurrence | None = None
    schedule_for: str | None = None
    simulive_delay_start: SimuliveDelayStart | None = None
    start_time: DateTime | None = None
    timezone: str | None = None
    topic: Topic | None = None
    transition_to_live: bool | None = None
    type: Annotated[int, OneOf(5, 6, 9)] | None = None


class WebinarCreate(_WebinarBody):
    default_passcode: bool | None = None
    settings: WebinarCreateSettings | None = None
    template_id: str | None = None
    tracking_fields: list[TrackingField] | None = None


class WebinarUpdate(_WebinarBody):
    settings: WebinarUpdateSettings | None = None
    tracking_fields: list[TrackingFieldUpdate] | None = None
