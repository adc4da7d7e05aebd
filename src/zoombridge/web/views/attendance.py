"""The attendance page of an event: per session who attended, minutes, %, the stretches of
presence, the participants who hold no ticket, and a chart of how much of it people stayed."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from zoombridge.accounts.permissions import RESULT_READERS
from zoombridge.attendance.report import BUCKETS, sessions_of
from zoombridge.events.service import get_event, get_event_view
from zoombridge.kit.http import SessionDep
from zoombridge.kit.zones import zone_or_utc
from zoombridge.web.auth_session import Allowed
from zoombridge.web.views.common import parse_id, render, ui_router

router = ui_router()


@router.get(
    "/events/{event_id}/attendance",
    response_class=HTMLResponse,
    dependencies=[Allowed(*RESULT_READERS)],
)
async def attendance_page(request: Request, session: SessionDep, event_id: str) -> Response:
    eid = parse_id(event_id, "event")
    event = await get_event(session, eid)
    zone = zone_or_utc(event.timezone)

    def clock(moment: datetime | None) -> str:
        return f"{moment.astimezone(zone):%H:%M}" if moment is not None else "still in"

    return render(
        request,
        "attendance.html",
        event=await get_event_view(session, eid),
        sessions=await sessions_of(session, event, datetime.now(UTC)),
        buckets=len(BUCKETS),
        clock=clock,
    )
