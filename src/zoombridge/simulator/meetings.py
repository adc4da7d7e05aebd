"""Meetings and webinars: create, list, get, update, delete (Zoom handles both alike).

Bodies and queries arrive checked by the request models (`request_models`); what is left here is
what Zoom's descriptions add to its schemas: real time zones, passcode characters, a recurrence
for the recurring types.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from zoombridge.simulator import ids
from zoombridge.simulator.clock import epoch_ms
from zoombridge.simulator.errors import ZoomError, meeting_not_found, webinar_plan_missing
from zoombridge.simulator.meeting_views import (
    event_object,
    list_item,
    meeting_view,
    occurrence_view,
    what,
)
from zoombridge.simulator.pagination import paginate
from zoombridge.simulator.recurrence import check_recurrence, expand
from zoombridge.simulator.request_models.meetings import (
    MeetingCreate,
    MeetingUpdate,
    WebinarCreate,
    WebinarUpdate,
)
from zoombridge.simulator.request_models.queries import (
    MeetingGetQuery,
    MeetingsQuery,
    OccurrenceQuery,
    WebinarsQuery,
)
from zoombridge.simulator.routing import Call
from zoombridge.simulator.runtime import Simulation
from zoombridge.simulator.state import Account, Kind, Meeting, Occurrence, User
from zoombridge.simulator.validation import Checker

# Types (enums of the request models): meetings 1, 2, 3, 8 and 10 (screen share only, which
# the simulator schedules like 2); webinars 5, 6, 9. 3 and 6 recur without a fixed time.
NO_FIXED_TIME = (3, 6)
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


# Input ------------------------------------------------------------------------------------


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


def _settings(
    body: MeetingCreate | MeetingUpdate | WebinarCreate | WebinarUpdate, current: dict[str, Any]
) -> dict[str, Any]:
    """The settings after this body: only the fields sent (and modelled) change."""
    merged = copy.deepcopy(current)
    if body.settings is not None:
        merged.update(body.settings.model_dump(exclude_unset=True))
    return merged


async def create(call: Call, kind: Kind) -> Response:
    sim, account = call.sim, call.account
    user = sim.find_user(account, call.params["userId"])
    if kind == "webinar":
        require_webinar_plan(account, user)
    sim.limiter.check_host(user.id, call.operation_id, call.now, account.rate_limits)
    body: MeetingCreate | WebinarCreate = await call.body(
        WebinarCreate if kind == "webinar" else MeetingCreate
    )
    checker = Checker()
    meeting_type = body.type or (5 if kind == "webinar" else 2)
    timezone = checker.timezone(body.timezone) or user.timezone
    start = checker.start_time(body.start_time, timezone)
    password = checker.passcode(body.password)
    defaults = WEBINAR_DEFAULTS if kind == "webinar" else MEETING_DEFAULTS
    settings = _settings(body, defaults)
    recurrence = None
    if body.recurrence is not None and meeting_type in (3, 6, 8, 9):
        recurrence = check_recurrence(body.recurrence, checker, timezone)
    elif meeting_type in (8, 9):
        checker.fail("recurrence", f"recurrence is required for {what(kind)} type {meeting_type}.")
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
        topic=body.topic or ("Zoom Webinar" if kind == "webinar" else "Zoom Meeting"),
        type=meeting_type,
        start_time=now if meeting_type == 1 or start is None else start,
        duration=body.duration or 60,
        timezone=timezone,
        agenda=body.agenda or "",
        password=password if password is not None else ids.digits(sim.rng, 6),
        created_at=now,
        settings=settings,
        h323_password=ids.digits(sim.rng, 6),
        pstn_password=ids.digits(sim.rng, 6),
        encrypted_password=ids.short_id(sim.rng)[:32],
        recurrence=recurrence,
        tracking_fields=[t.model_dump(exclude_unset=True) for t in body.tracking_fields or []],
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
    query: MeetingsQuery | WebinarsQuery = (
        call.query_as(WebinarsQuery) if kind == "webinar" else call.query_as(MeetingsQuery)
    )
    listing = query.type or "scheduled"
    now = call.now
    mine = [
        m
        for m in sim.world.meetings.values()
        if m.host_id == user.id and m.kind == kind and not m.deleted and _listed(m, listing, now)
    ]
    # The webinar list declares no next_page_token, but its answers hand one out: honour it.
    token = query.next_page_token if isinstance(query, MeetingsQuery) else None
    page, envelope = paginate(
        mine,
        page_size=query.page_size or 30,
        token=token or call.query.get("next_page_token"),
        listing=f"{kind}s:{user.id}:{listing}",
        now=now,
        page_number=query.page_number or 1,
    )
    key = "webinars" if kind == "webinar" else "meetings"
    items = [list_item(m) for m in page]
    return JSONResponse(envelope | {key: items})


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
    query = call.query_as(MeetingGetQuery)
    view = meeting_view(
        call,
        meeting,
        occurrence_id=query.occurrence_id or None,
        show_previous=bool(query.show_previous_occurrences),
    )
    return JSONResponse(view)


async def update(call: Call, kind: Kind) -> Response:
    sim = call.sim
    meeting = find_meeting(call, call.params["meetingId"], kind)
    sim.limiter.check_host(meeting.host_id, call.operation_id, call.now, call.account.rate_limits)
    body: MeetingUpdate | WebinarUpdate = await call.body(
        WebinarUpdate if kind == "webinar" else MeetingUpdate
    )
    checker = Checker()
    timezone = checker.timezone(body.timezone) or meeting.timezone
    start = checker.start_time(body.start_time, timezone)
    password = checker.passcode(body.password)
    settings = _settings(body, meeting.settings)
    target_type = body.type or meeting.type
    recurrence = meeting.recurrence
    if body.recurrence is not None:
        recurrence = check_recurrence(body.recurrence, checker, timezone)
    if target_type in (8, 9) and recurrence is None:
        checker.fail("recurrence", f"recurrence is required for {what(kind)} type {target_type}.")
    occurrence_id = call.query_as(OccurrenceQuery).occurrence_id or None
    if occurrence_id is not None and occurrence_id not in meeting.occurrences:
        checker.fail("occurrence_id", f"Invalid occurrence_id: {occurrence_id}.")
    checker.done()
    topic, agenda, duration = body.topic, body.agenda, body.duration

    before = snapshot(meeting)
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
    announce_update(sim, meeting, before, occurrence_id, call.now)
    return Response(status_code=204)


def snapshot(meeting: Meeting) -> dict[str, Any]:
    """What an update compares, before and after, to tell what changed."""
    return event_object(meeting) | {"agenda": meeting.agenda, "settings": dict(meeting.settings)}


def announce_update(
    sim: Simulation,
    meeting: Meeting,
    before: dict[str, Any],
    occurrence_id: str | None,
    now: datetime,
) -> None:
    """The meeting/webinar.updated webhook: the fields that changed, new and old."""
    after = snapshot(meeting)
    changed = {k for k in after if after[k] != before[k]}
    new_obj: dict[str, Any] = {"id": meeting.id, "uuid": meeting.uuid}
    old_obj: dict[str, Any] = {"id": meeting.id, "uuid": meeting.uuid}
    for name in sorted(changed):
        new_obj[name] = after[name]
        old_obj[name] = before[name]
    if occurrence_id is not None:
        new_obj["occurrences"] = [occurrence_view(meeting.occurrences[occurrence_id])]
    host = sim.world.users[meeting.host_id]
    sim.webhooks.emit(
        meeting.account_id,
        f"{what(meeting.kind)}.updated",
        new_obj,
        extra_payload={
            "operator": host.email,
            "operator_id": host.id,
            "old_object": old_obj,
            "time_stamp": epoch_ms(now),
        },
    )


async def delete(call: Call, kind: Kind) -> Response:
    meeting = find_meeting(call, call.params["meetingId"], kind)
    # Reminder emails (`*_reminder`) are not simulated; the queries are checked all the same.
    occurrence_id = call.query_as(OccurrenceQuery).occurrence_id or None
    if occurrence_id is not None and occurrence_id not in meeting.occurrences:
        raise ZoomError(400, 300, "Invalid parameter: occurrence_id.")
    remove(call.sim, meeting, occurrence_id)
    return Response(status_code=204)


def remove(sim: Simulation, meeting: Meeting, occurrence_id: str | None = None) -> None:
    """Delete the meeting (or one occurrence) and send the meeting/webinar.deleted webhook."""
    obj = event_object(meeting)
    if occurrence_id is not None:
        occurrence = meeting.occurrences[occurrence_id]
        occurrence.status = "deleted"
        obj["occurrences"] = [occurrence_view(occurrence)]
    else:
        meeting.deleted = True
    host = sim.world.users[meeting.host_id]
    sim.webhooks.emit(
        meeting.account_id,
        f"{what(meeting.kind)}.deleted",
        obj,
        extra_payload={"operator": host.email, "operator_id": host.id},
    )
