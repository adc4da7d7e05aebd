"""What the attendance API answers: per person and instance, and the report pulls."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from zoombridge.attendance.models import MarkSource


class PersonAttendanceView(BaseModel):
    email: str = Field(description="Lower-cased; empty for guests who gave none")
    name: str
    person_key: str = Field(description="Email, else 'id:' + Zoom id, else 'name:' + name")
    link_id: uuid.UUID
    session_id: uuid.UUID | None
    instance_uuid: str = Field(description="Zoom's instance UUID ('' when Zoom gave none)")
    source: MarkSource = Field(description="report (Zoom's, after the end) or webhook (live)")
    joins: int
    first_join: datetime | None
    last_leave: datetime | None = Field(description="null while still in")
    still_in: bool
    attended_seconds: int = Field(description="Length of the union of the join..leave segments")
    attended_minutes: float
    percent: float = Field(description="Of the scheduled duration, 0-100")


class ReportPullView(BaseModel):
    link_id: uuid.UUID
    instance_uuid: str = Field(description="'' while the ended instances are being found")
    state: Literal["done", "pending", "failed"] = Field(
        description="failed: not pulled, and not tried again by itself; `last_error` says why"
    )
    rows: int = Field(description="Report rows read")
    attempts: int
    last_error: str | None


class EventAttendanceView(BaseModel):
    event_id: uuid.UUID
    people: list[PersonAttendanceView]
    pulls: list[ReportPullView] = Field(
        description="Zoom's participants reports of the event's meetings, pulled by the worker"
    )
