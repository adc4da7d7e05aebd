"""How meetings and webinars look in answers and webhook events (Zoom shows both alike, apart
from a few field names)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from zoombridge.simulator import ids
from zoombridge.simulator.clock import epoch_ms, zoom_time
from zoombridge.simulator.errors import ZoomError
from zoombridge.simulator.routing import Call
from zoombridge.simulator.state import Kind, Meeting, Occurrence


def what(kind: Kind) -> str:
    return "webinar" if kind == "webinar" else "meeting"


def join_url(meeting: Meeting) -> str:
    return f"https://zoom.us/j/{meeting.id}?pwd={meeting.encrypted_password}"


def registration_url(meeting: Meeting) -> str:
    return f"https://zoom.us/{what(meeting.kind)}/register/{meeting.uuid[:22].replace('/', '_')}"


def visible_occurrences(
    meeting: Meeting, now: datetime, show_previous: bool = False
) -> list[Occurrence]:
    occurrences = sorted(meeting.occurrences.values(), key=lambda o: o.start)
    if show_previous:
        return occurrences
    return [o for o in occurrences if epoch_ms(o.start) + o.duration * 60_000 > epoch_ms(now)]


def occurrence_view(occurrence: Occurrence) -> dict[str, Any]:
    return {
        "occurrence_id": occurrence.occurrence_id,
        "start_time": zoom_time(occurrence.start),
        "duration": occurrence.duration,
        "status": occurrence.status,
    }


def meeting_view(
    call: Call,
    meeting: Meeting,
    *,
    occurrence_id: str | None = None,
    show_previous: bool = False,
    with_status: bool = True,
) -> dict[str, Any]:
    host = call.sim.world.users[meeting.host_id]
    start, duration = meeting.start_time, meeting.duration
    if occurrence_id is not None:
        occurrence = meeting.occurrences.get(occurrence_id)
        if occurrence is None:
            raise ZoomError(400, 300, f"Invalid occurrence_id: {occurrence_id}.")
        start, duration = occurrence.start, occurrence.duration
    body: dict[str, Any] = {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "host_id": meeting.host_id,
        "host_email": host.email,
        "topic": meeting.topic,
        "type": meeting.type,
        "start_time": zoom_time(start),
        "duration": duration,
        "timezone": meeting.timezone,
        "agenda": meeting.agenda,
        "created_at": zoom_time(meeting.created_at),
        "start_url": f"https://zoom.us/s/{meeting.id}?zak={ids.short_id(call.sim.rng)}",
        "join_url": join_url(meeting),
        "password": meeting.password,
        "settings": copy.deepcopy(meeting.settings),
        "pre_schedule": False,
        "tracking_fields": copy.deepcopy(meeting.tracking_fields),
        "creation_source": "open_api",
    }
    if meeting.webinar:
        body["encrypted_passcode"] = meeting.encrypted_password
        body["h323_passcode"] = meeting.h323_password
        body["is_simulive"] = False
    else:
        body["h323_password"] = meeting.h323_password
        body["pstn_password"] = meeting.pstn_password
        body["encrypted_password"] = meeting.encrypted_password
        if with_status:
            body["status"] = "started" if meeting.live_instance else "waiting"
    if meeting.settings.get("approval_type", 2) != 2:
        body["registration_url"] = registration_url(meeting)
        body["settings"]["registration_url"] = body["registration_url"]
    if meeting.recurrence is not None:
        body["recurrence"] = copy.deepcopy(meeting.recurrence)
    if meeting.recurring_fixed:
        body["occurrences"] = [
            occurrence_view(o) for o in visible_occurrences(meeting, call.now, show_previous)
        ]
    return body


def event_object(meeting: Meeting) -> dict[str, Any]:
    """The `object` of meeting.*/webinar.* webhook events."""
    return {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "host_id": meeting.host_id,
        "topic": meeting.topic,
        "type": meeting.type,
        "start_time": zoom_time(meeting.start_time),
        "duration": meeting.duration,
        "timezone": meeting.timezone,
    }


def list_item(meeting: Meeting) -> dict[str, Any]:
    """A meeting as list calls show it: the event object plus agenda, creation and join link."""
    return {
        **event_object(meeting),
        "agenda": meeting.agenda,
        "created_at": zoom_time(meeting.created_at),
        "join_url": join_url(meeting),
    }
