"""`GET /api/v1/events/{event_id}/attendance`: who attended, per person and instance (L5)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from zoombridge.accounts.deps import TokenDep, requires
from zoombridge.accounts.permissions import RESULT_READERS
from zoombridge.attendance.report import attendance_csv
from zoombridge.attendance.schemas import EventAttendanceView, PersonAttendanceView, ReportPullView
from zoombridge.attendance.service import event_attendance, event_pulls
from zoombridge.errors import NotFoundError
from zoombridge.events.models import Event
from zoombridge.events.reach import api_event_in_reach
from zoombridge.kit.http import SessionDep

# Every route here is addressed by `{event_id}`: a department admin reaches its departments' only.
router = APIRouter(
    prefix="/api/v1/events", tags=["attendance"], dependencies=[Depends(api_event_in_reach)]
)


@router.get(
    "/{event_id}/attendance",
    dependencies=[requires(*RESULT_READERS)],
)
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
    pulls = [
        ReportPullView.model_validate(pull, from_attributes=True)
        for pull in await event_pulls(session, event_id)
    ]
    return EventAttendanceView(event_id=event_id, people=people, pulls=pulls)


@router.get(
    "/{event_id}/attendance.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Attendance as CSV: one row per person and session, with the merged stretches",
    dependencies=[requires(*RESULT_READERS)],
)
async def get_attendance_csv(
    event_id: uuid.UUID, session: SessionDep, _token: TokenDep
) -> Response:
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFoundError("No event has this id.")
    # Read whole inside the request's transaction (the session closes when the route returns).
    lines = [line async for line in attendance_csv(session, event, datetime.now(UTC))]
    return Response(
        "".join(lines),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="attendance-{event_id}.csv"'},
    )
