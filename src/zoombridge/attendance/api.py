"""`GET /api/v1/events/{event_id}/attendance`: who attended, per person and instance (L5)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from zoombridge.attendance.models import MarkSource
from zoombridge.attendance.service import event_attendance
from zoombridge.web.deps import SessionDep, TokenDep

router = APIRouter(prefix="/api/v1/events", tags=["attendance"])


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


class EventAttendanceView(BaseModel):
    event_id: uuid.UUID
    people: list[PersonAttendanceView]


@router.get("/{event_id}/attendance")
async def get_attendance(
    event_id: uuid.UUID, session: SessionDep, _token: TokenDep
) -> EventAttendanceView:
    people = [
        PersonAttendanceView(
            email=p.email,
            name=p.name,
            person_key=p.person_key,
            link_id=p.link_id,
            session_id=p.session_id,
            instance_uuid=p.instance_uuid,
            source=p.source,
            joins=p.attendance.joins,
            first_join=p.attendance.first_join,
            last_leave=p.attendance.last_leave,
            still_in=p.attendance.still_in,
            attended_seconds=p.attendance.attended_seconds,
            attended_minutes=round(p.attendance.attended_seconds / 60, 1),
            percent=p.percent,
        )
        async for p in event_attendance(session, event_id, datetime.now(UTC))
    ]
    return EventAttendanceView(event_id=event_id, people=people)
