"""Past instances, participants, absentees and participant reports.

`{meetingId}` is a numeric id (the latest ended instance) or an instance UUID. Each
join..leave segment is its own row, as in Zoom's reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from zoombridge.simulator.clock import zoom_time
from zoombridge.simulator.errors import ZoomError, meeting_not_found
from zoombridge.simulator.meetings import require_webinar_plan
from zoombridge.simulator.pagination import paginate
from zoombridge.simulator.registrant_views import registrant_view
from zoombridge.simulator.request_models.queries import AbsenteesQuery, PagedQuery
from zoombridge.simulator.routing import Call
from zoombridge.simulator.state import Instance, Kind, Meeting


def find_meeting_any(call: Call, raw_id: str, kind: Kind) -> Meeting:
    """By numeric id; past data stays readable after the meeting itself was deleted."""
    webinar = kind == "webinar"
    if webinar:
        require_webinar_plan(call.account)
    try:
        meeting = call.sim.world.meetings.get(int(raw_id))
    except ValueError:
        meeting = None
    if meeting is None or meeting.kind != kind or meeting.account_id != call.account.id:
        raise meeting_not_found(raw_id, webinar)
    return meeting


def find_instance(call: Call, raw_id: str, kind: Kind, *, ended_only: bool = True) -> Instance:
    """A numeric id means the meeting's latest ended instance; anything else is a UUID."""
    webinar = kind == "webinar"
    if raw_id.isdigit():
        meeting = find_meeting_any(call, raw_id, kind)
        candidates = meeting.ended_instances if ended_only else meeting.instances
        if not candidates:
            raise meeting_not_found(raw_id, webinar)
        return candidates[-1]
    if webinar:
        require_webinar_plan(call.account)
    instance = call.sim.world.instances.get(raw_id)
    if instance is None:
        raise meeting_not_found(raw_id, webinar)
    meeting = call.sim.world.meetings[instance.meeting_id]
    if meeting.kind != kind or meeting.account_id != call.account.id:
        raise meeting_not_found(raw_id, webinar)
    return instance


def _rows(instance: Instance, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for person in instance.participants.values():
        for segment in person.segments:
            leave = segment.leave or now
            rows.append(
                {
                    "id": person.user_id,
                    "user_id": segment.user_id,
                    "participant_user_id": person.user_id,
                    "name": person.name,
                    "user_email": person.email,
                    "registrant_id": person.registrant_id,
                    "join_time": zoom_time(segment.join),
                    "leave_time": zoom_time(leave),
                    "duration": max(0, int((leave - segment.join).total_seconds())),
                    "failover": False,
                    "status": segment.status,
                    "internal_user": bool(person.user_id),
                }
            )
    rows.sort(key=lambda r: (r["join_time"], r["user_id"]))
    return rows


def _participants_page(call: Call, instance: Instance, listing: str) -> dict[str, Any]:
    query = call.query_as(PagedQuery)
    rows = _rows(instance, call.now)
    page, envelope = paginate(
        rows,
        page_size=query.page_size or 30,
        token=query.next_page_token,
        listing=f"{listing}:{instance.uuid}",
        now=call.now,
    )
    return envelope | {"participants": page}


async def past_instances(call: Call, kind: Kind) -> Response:
    raw = call.params["meetingId" if kind == "meeting" else "webinarId"]
    meeting = find_meeting_any(call, raw, kind)
    key = "webinars" if kind == "webinar" else "meetings"
    items = [{"uuid": i.uuid, "start_time": zoom_time(i.start)} for i in meeting.ended_instances]
    return JSONResponse({key: items})


async def past_meeting_details(call: Call) -> Response:
    instance = find_instance(call, call.params["meetingId"], "meeting")
    meeting = call.sim.world.meetings[instance.meeting_id]
    host = call.sim.world.users[meeting.host_id]
    end = instance.end or call.now
    rows = _rows(instance, call.now)
    return JSONResponse(
        {
            "id": meeting.id,
            "uuid": instance.uuid,
            "host_id": meeting.host_id,
            "type": meeting.type,
            "topic": meeting.topic,
            "user_name": f"{host.first_name} {host.last_name}".strip(),
            "user_email": host.email,
            "start_time": zoom_time(instance.start),
            "end_time": zoom_time(end),
            "duration": max(0, int((end - instance.start).total_seconds() // 60)),
            "total_minutes": sum(r["duration"] for r in rows) // 60,
            "participants_count": len(rows),
            "dept": "",
            "source": "Zoom",
        }
    )


async def past_participants(call: Call, kind: Kind) -> Response:
    raw = call.params["meetingId" if kind == "meeting" else "webinarId"]
    instance = find_instance(call, raw, kind)
    body = _participants_page(call, instance, f"past-{kind}")
    for row in body["participants"]:
        row.pop("participant_user_id", None)
        if kind == "webinar" and not row["user_email"]:
            # The past-webinar schema types user_email as an email: guests have none.
            row.pop("user_email")
    return JSONResponse(body)


async def report_participants(call: Call, kind: Kind) -> Response:
    raw = call.params["meetingId" if kind == "meeting" else "webinarId"]
    instance = find_instance(call, raw, kind)
    body = _participants_page(call, instance, f"report-{kind}")
    for row in body["participants"]:
        row.pop("internal_user", None)
    return JSONResponse(body)


async def absentees(call: Call) -> Response:
    query = call.query_as(AbsenteesQuery)
    instance = find_instance(call, call.params["webinarId"], "webinar")
    meeting = call.sim.world.meetings[instance.meeting_id]
    if meeting.settings.get("approval_type", 2) == 2:
        raise ZoomError(
            400, 3000, f"This webinar doesn't have registration required: {instance.uuid}."
        )
    came_ids = {p.registrant_id for p in instance.participants.values() if p.registrant_id}
    came_emails = {p.email.lower() for p in instance.participants.values() if p.email}
    occurrence_id = query.occurrence_id or instance.occurrence_id
    missing = [
        r
        for r in meeting.registrants.values()
        if r.status == "approved"
        and r.id not in came_ids
        and r.email.lower() not in came_emails
        and (not occurrence_id or not r.occurrence_ids or occurrence_id in r.occurrence_ids)
    ]
    page, envelope = paginate(
        missing,
        page_size=query.page_size or 30,
        token=query.next_page_token,
        listing=f"absentees:{instance.uuid}",
        now=call.now,
        position_of=lambda r: r.seq,
        page_number=1,
    )
    body = envelope | {"registrants": [registrant_view(meeting, r) for r in page]}
    return JSONResponse(body)
