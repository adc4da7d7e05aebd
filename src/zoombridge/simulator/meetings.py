"""Meetings and webinars: create, list, get, update, delete (Zoom handles both alike)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from zoombridge.simulator import ids
from zoombridge.simulator.clock import epoch_ms, zoom_time
from zoombridge.simulator.errors import (
    ZoomError,
    meeting_not_found,
    webinar_plan_missing,
)
from zoombridge.simulator.pagination import paginate
from zoombridge.simulator.recurrence import check_recurrence, expand
from zoombridge.simulator.routing import Call
from zoombridge.simulator.state import Account, Kind, Meeting, Occurrence, User
from zoombridge.simulator.validation import PASSCODE, Checker, page_size

MEETING_TYPES = (1, 2, 3, 8)
WEBINAR_TYPES = (5, 6, 9)
NO_FIXED_TIME = (3, 6)
BOOLEAN_SETTINGS = (
    "host_video",
    "participant_video",
    "panelists_video",
    "join_before_host",
    "mute_upon_entry",
    "waiting_room",
    "registrants_confirmation_email",
    "registrants_email_notification",
    "meeting_authentication",
    "close_registration",
    "email_notification",
    "use_pmi",
    "practice_session",
    "hd_video",
    "allow_multiple_devices",
    "show_share_button",
    "private_meeting",
    "on_demand",
)
MEETING_DEFAULTS: dict[str, Any] = {
    "host_video": False,
    "participant_video": False,
    "join_before_host": False,
    "jbh_time": 0,
    "mute_upon_entry": False,
    "waiting_room": False,
    "approval_type": 2,
    "audio": "both",
    "auto_recording": "none",
    "registrants_confirmation_email": True,
    "registrants_email_notification": True,
    "meeting_authentication": False,
    "close_registration": False,
    "email_notification": True,
    "use_pmi": False,
    "show_share_button": False,
    "allow_multiple_devices": False,
    "alternative_hosts": "",
    "encryption_type": "enhanced_encryption",
}
WEBINAR_DEFAULTS: dict[str, Any] = {
    "host_video": False,
    "panelists_video": False,
    "practice_session": False,
    "hd_video": False,
    "approval_type": 2,
    "audio": "both",
    "auto_recording": "none",
    "registrants_confirmation_email": True,
    "registrants_email_notification": True,
    "close_registration": False,
    "show_share_button": False,
    "allow_multiple_devices": False,
    "on_demand": False,
    "meeting_authentication": False,
    "alternative_hosts": "",
    "email_language": "en-US",
}


def what(kind: Kind) -> str:
    return "webinar" if kind == "webinar" else "meeting"


def require_webinar_plan(account: Account, user: User | None = None) -> None:
    if not account.webinar_addon or (user is not None and user.type == 1):
        raise webinar_plan_missing()


def find_meeting(call: Call, raw_id: str, kind: Kind) -> Meeting:
    """A live meeting/webinar of the calling account by numeric id, or Zoom's 3001."""
    webinar = kind == "webinar"
    if webinar:
        require_webinar_plan(call.account)
    try:
        meeting_id = int(raw_id)
    except ValueError:
        raise meeting_not_found(raw_id, webinar) from None
    meeting = call.sim.world.meetings.get(meeting_id)
    if (
        meeting is None
        or meeting.deleted
        or meeting.kind != kind
        or meeting.account_id != call.account.id
    ):
        raise meeting_not_found(raw_id, webinar)
    return meeting


# Views ------------------------------------------------------------------------------------


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


# Input ------------------------------------------------------------------------------------


def _check_settings(
    checker: Checker, raw: object, kind: Kind, current: dict[str, Any]
) -> dict[str, Any]:
    if raw is None:
        return current
    if not isinstance(raw, dict):
        checker.fail("settings", "settings must be an object.")
        return current
    p = "settings."
    checker.integer(raw, "approval_type", choices=(0, 1, 2), prefix=p)
    checker.integer(raw, "registration_type", choices=(1, 2, 3), prefix=p)
    checker.integer(raw, "jbh_time", choices=(0, 5, 10, 15), prefix=p)
    for name in BOOLEAN_SETTINGS:
        checker.boolean(raw, name, prefix=p)
    audio = raw.get("audio")
    if audio is not None and audio not in ("both", "telephony", "voip", "thirdParty"):
        checker.fail(p + "audio", "audio must be both, telephony, voip or thirdParty.")
    recording = raw.get("auto_recording")
    if recording is not None and recording not in ("local", "cloud", "none"):
        checker.fail(p + "auto_recording", "auto_recording must be local, cloud or none.")
    merged = copy.deepcopy(current)
    merged.update(copy.deepcopy(raw))
    return merged


def _apply_occurrences(meeting: Meeting) -> None:
    """Re-expands the recurrence, keeping deleted marks and per-occurrence changes."""
    if not meeting.recurring_fixed or meeting.recurrence is None:
        meeting.occurrences = {}
        return
    old = meeting.occurrences
    fresh: dict[str, Occurrence] = {}
    for start in expand(meeting.recurrence, meeting.start_time, meeting.timezone):
        occurrence_id = str(epoch_ms(start))
        previous = old.get(occurrence_id)
        fresh[occurrence_id] = previous or Occurrence(occurrence_id, start, meeting.duration)
    meeting.occurrences = fresh


async def create(call: Call, kind: Kind) -> Response:
    sim, account = call.sim, call.account
    user = sim.find_user(account, call.params["userId"])
    if kind == "webinar":
        require_webinar_plan(account, user)
    sim.limiter.check_host(user.id, call.operation_id, call.now, account.rate_limits)
    body = await call.json()
    checker = Checker()
    types = WEBINAR_TYPES if kind == "webinar" else MEETING_TYPES
    meeting_type = checker.integer(body, "type", choices=types)
    if meeting_type is None:
        meeting_type = 5 if kind == "webinar" else 2
    topic = checker.string(body, "topic", max_len=200)
    agenda = checker.string(body, "agenda", max_len=2000)
    duration = checker.integer(body, "duration", minimum=1, maximum=1440)
    timezone = checker.timezone(body) or user.timezone
    start = checker.start_time(body, timezone)
    password = checker.string(body, "password", max_len=10)
    if password is not None and not PASSCODE.match(password):
        checker.fail("password", "Passcode may only hold letters, digits and @ - _ *.")
    defaults = WEBINAR_DEFAULTS if kind == "webinar" else MEETING_DEFAULTS
    settings = _check_settings(checker, body.get("settings"), kind, dict(defaults))
    recurrence = None
    if body.get("recurrence") is not None and meeting_type in (3, 6, 8, 9):
        recurrence = check_recurrence(body["recurrence"], checker, timezone)
    elif meeting_type in (8, 9):
        checker.fail("recurrence", f"recurrence is required for {what(kind)} type {meeting_type}.")
    tracking = body.get("tracking_fields")
    if tracking is not None and not isinstance(tracking, list):
        checker.fail("tracking_fields", "tracking_fields must be a list.")
    checker.done()

    now = call.now.replace(microsecond=0)
    if meeting_type in (8, 9):
        settings.setdefault("registration_type", 1)
    meeting = Meeting(
        id=_new_meeting_id(call),
        uuid=ids.instance_uuid(sim.rng),
        kind=kind,
        account_id=account.id,
        host_id=user.id,
        topic=topic or ("Zoom Webinar" if kind == "webinar" else "Zoom Meeting"),
        type=meeting_type,
        start_time=now if meeting_type == 1 or start is None else start,
        duration=duration or 60,
        timezone=timezone,
        agenda=agenda or "",
        password=password if password is not None else ids.digits(sim.rng, 6),
        created_at=now,
        settings=settings,
        h323_password=ids.digits(sim.rng, 6),
        pstn_password=ids.digits(sim.rng, 6),
        encrypted_password=ids.short_id(sim.rng)[:32],
        recurrence=recurrence,
        tracking_fields=[dict(t) for t in tracking or [] if isinstance(t, dict)],
    )
    _apply_occurrences(meeting)
    if meeting.occurrences:
        meeting.start_time = min(o.start for o in meeting.occurrences.values())
    sim.world.meetings[meeting.id] = meeting
    return JSONResponse(meeting_view(call, meeting, with_status=False), status_code=201)


def _new_meeting_id(call: Call) -> int:
    while True:
        candidate = ids.meeting_id(call.sim.rng)
        if candidate not in call.sim.world.meetings:
            return candidate


async def list_meetings(call: Call, kind: Kind) -> Response:
    sim, account = call.sim, call.account
    user = sim.find_user(account, call.params["userId"])
    if kind == "webinar":
        require_webinar_plan(account, user)
    listing = call.query.get("type", "scheduled")
    allowed = (
        ("scheduled", "upcoming")
        if kind == "webinar"
        else ("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings")
    )
    if listing not in allowed:
        raise ZoomError(
            400,
            300,
            "Validation Failed.",
            errors=[{"field": "type", "message": f"type must be one of {', '.join(allowed)}."}],
        )
    size = page_size(call.query)
    now = call.now
    mine = [
        m
        for m in sim.world.meetings.values()
        if m.host_id == user.id and m.kind == kind and not m.deleted and _listed(m, listing, now)
    ]
    page, envelope = paginate(
        mine,
        page_size=size,
        token=call.query.get("next_page_token"),
        listing=f"{kind}s:{user.id}:{listing}",
        now=now,
    )
    key = "webinars" if kind == "webinar" else "meetings"
    items = [list_item(m) for m in page]
    return JSONResponse(envelope | {"page_number": 1, key: items})


def _listed(meeting: Meeting, listing: str, now: datetime) -> bool:
    if listing == "scheduled":
        return meeting.type != 1
    if listing == "live":
        return meeting.live_instance is not None
    if listing == "previous_meetings":
        return bool(meeting.ended_instances) and meeting.live_instance is None
    # upcoming / upcoming_meetings
    if meeting.type in NO_FIXED_TIME:
        return True
    if meeting.occurrences:
        return any(o.start >= now and o.status == "available" for o in meeting.occurrences.values())
    return meeting.start_time >= now or meeting.live_instance is not None


async def get(call: Call, kind: Kind) -> Response:
    meeting = find_meeting(call, call.params["meetingId"], kind)
    show_previous = call.query.get("show_previous_occurrences", "").lower() == "true"
    view = meeting_view(
        call,
        meeting,
        occurrence_id=call.query.get("occurrence_id") or None,
        show_previous=show_previous,
    )
    return JSONResponse(view)


UPDATABLE = ("topic", "agenda", "duration", "timezone", "start_time", "password", "type")


async def update(call: Call, kind: Kind) -> Response:
    sim = call.sim
    meeting = find_meeting(call, call.params["meetingId"], kind)
    sim.limiter.check_host(meeting.host_id, call.operation_id, call.now, call.account.rate_limits)
    body = await call.json()
    checker = Checker()
    types = WEBINAR_TYPES if kind == "webinar" else MEETING_TYPES
    new_type = checker.integer(body, "type", choices=types)
    topic = checker.string(body, "topic", max_len=200)
    agenda = checker.string(body, "agenda", max_len=2000)
    duration = checker.integer(body, "duration", minimum=1, maximum=1440)
    timezone = checker.timezone(body) or meeting.timezone
    start = checker.start_time(body, timezone)
    password = checker.string(body, "password", max_len=10)
    if password is not None and not PASSCODE.match(password):
        checker.fail("password", "Passcode may only hold letters, digits and @ - _ *.")
    settings = _check_settings(checker, body.get("settings"), kind, meeting.settings)
    target_type = new_type or meeting.type
    recurrence = meeting.recurrence
    if body.get("recurrence") is not None:
        recurrence = check_recurrence(body["recurrence"], checker, timezone)
    if target_type in (8, 9) and recurrence is None:
        checker.fail("recurrence", f"recurrence is required for {what(kind)} type {target_type}.")
    occurrence_id = call.query.get("occurrence_id") or None
    if occurrence_id is not None and occurrence_id not in meeting.occurrences:
        checker.fail("occurrence_id", f"Invalid occurrence_id: {occurrence_id}.")
    checker.done()

    before = event_object(meeting) | {"agenda": meeting.agenda, "settings": dict(meeting.settings)}
    if occurrence_id is not None:
        occurrence = meeting.occurrences[occurrence_id]
        if start is not None:
            occurrence.start = start
        if duration is not None:
            occurrence.duration = duration
    else:
        if start is not None:
            meeting.start_time = start
        if duration is not None:
            meeting.duration = duration
    meeting.type = target_type
    if topic is not None:
        meeting.topic = topic
    if agenda is not None:
        meeting.agenda = agenda
    meeting.timezone = timezone
    if password is not None:
        meeting.password = password
    meeting.settings = settings
    if target_type in (8, 9):
        meeting.settings.setdefault("registration_type", 1)
    meeting.recurrence = recurrence if target_type in (3, 6, 8, 9) else None
    if occurrence_id is None:
        _apply_occurrences(meeting)
        if meeting.occurrences:
            meeting.start_time = min(o.start for o in meeting.occurrences.values())
    after = event_object(meeting) | {"agenda": meeting.agenda, "settings": dict(meeting.settings)}
    changed = {k for k in after if after[k] != before[k]}
    new_obj: dict[str, Any] = {"id": meeting.id, "uuid": meeting.uuid}
    old_obj: dict[str, Any] = {"id": meeting.id, "uuid": meeting.uuid}
    for name in sorted(changed):
        new_obj[name] = after[name]
        old_obj[name] = before[name]
    if occurrence_id is not None:
        occurrence = meeting.occurrences[occurrence_id]
        new_obj["occurrences"] = [occurrence_view(occurrence)]
    host = sim.world.users[meeting.host_id]
    sim.webhooks.emit(
        meeting.account_id,
        f"{what(kind)}.updated",
        new_obj,
        extra_payload={
            "operator": host.email,
            "operator_id": host.id,
            "old_object": old_obj,
            "time_stamp": epoch_ms(call.now),
        },
    )
    return Response(status_code=204)


async def delete(call: Call, kind: Kind) -> Response:
    sim = call.sim
    meeting = find_meeting(call, call.params["meetingId"], kind)
    occurrence_id = call.query.get("occurrence_id") or None
    obj = event_object(meeting)
    if occurrence_id is not None:
        occurrence = meeting.occurrences.get(occurrence_id)
        if occurrence is None:
            raise ZoomError(400, 300, "Invalid parameter: occurrence_id.")
        occurrence.status = "deleted"
        obj["occurrences"] = [occurrence_view(occurrence)]
    else:
        meeting.deleted = True
    host = sim.world.users[meeting.host_id]
    sim.webhooks.emit(
        meeting.account_id,
        f"{what(kind)}.deleted",
        obj,
        extra_payload={"operator": host.email, "operator_id": host.id},
    )
    return Response(status_code=204)
