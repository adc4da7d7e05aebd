"""Registrants of meetings and webinars: add, batch add, list, get, delete, status changes.

One registrant per email per meeting (case-insensitive): adding a known email answers with the
existing registrant (same id and join URL), re-activating it when it was cancelled or denied.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from zoombridge.simulator import ids
from zoombridge.simulator.clock import zoom_time
from zoombridge.simulator.errors import ZoomError
from zoombridge.simulator.meeting_views import event_object, occurrence_view, what
from zoombridge.simulator.meetings import find_meeting
from zoombridge.simulator.pagination import paginate
from zoombridge.simulator.registrant_views import (
    QUESTION_FIELDS,
    event_registrant,
    registrant_view,
)
from zoombridge.simulator.request_models.queries import (
    MeetingRegistrantsQuery,
    OccurrenceQuery,
    RegistrantCreateQuery,
)
from zoombridge.simulator.request_models.registrants import (
    MeetingBatchRegistration,
    MeetingRegistrantCreate,
    MeetingRegistrantRef,
    MeetingRegistrantStatus,
    WebinarBatchRegistration,
    WebinarRegistrantCreate,
    WebinarRegistrantRef,
    WebinarRegistrantStatus,
)
from zoombridge.simulator.routing import Call
from zoombridge.simulator.state import Kind, Meeting, Registrant, RegistrantStatus
from zoombridge.simulator.validation import Checker

ACTIVE: tuple[RegistrantStatus, ...] = ("approved", "pending")


def _emit(call: Call, meeting: Meeting, event: str, registrant: Registrant) -> None:
    obj = event_object(meeting) | {"registrant": event_registrant(registrant)}
    if meeting.recurring_fixed:
        obj["occurrences"] = [
            occurrence_view(meeting.occurrences[o])
            for o in sorted(registrant.occurrence_ids)
            if o in meeting.occurrences
        ]
    call.sim.webhooks.emit(meeting.account_id, f"{what(meeting.kind)}.{event}", obj)


def capacity(call: Call, meeting: Meeting) -> int:
    if meeting.webinar:
        return call.account.webinar_capacity
    return call.sim.config.meeting_registrant_capacity


def registration_enabled(meeting: Meeting) -> bool:
    """Approval type 0 or 1 on a type that takes registrants (not instant or without a time)."""
    return meeting.settings.get("approval_type", 2) != 2 and meeting.type not in (1, 3, 6)


def registration_not_enabled(meeting: Meeting) -> ZoomError:
    return ZoomError(
        400,
        3000,
        f"Registration has not been enabled for this {what(meeting.kind)}: {meeting.id}.",
    )


def _registration_open(call: Call, meeting: Meeting) -> None:
    if not registration_enabled(meeting):
        raise registration_not_enabled(meeting)
    if meeting.type in (2, 5) and meeting.ended_instances and meeting.live_instance is None:
        raise ZoomError(
            400,
            3038,
            "Meeting is over, you can not register now. If you have any questions, please "
            "contact the Meeting host.",
        )


def _refuse_host(call: Call, meeting: Meeting, email: str) -> None:
    if call.sim.world.users[meeting.host_id].email.lower() == email.lower():
        raise ZoomError(400, 3027, "Host can not register")


def _full(meeting: Meeting) -> ZoomError:
    return ZoomError(400, 3043, "Meeting has reached maximum attendee capacity.")


def _status_for_new(meeting: Meeting, auto_approve: bool) -> RegistrantStatus:
    if auto_approve or meeting.settings.get("approval_type", 2) == 0:
        return "approved"
    return "pending"


def set_status(meeting: Meeting, registrant: Registrant, status: RegistrantStatus) -> None:
    was_active = registrant.status in ACTIVE
    registrant.status = status
    meeting.active_registrants += int(status in ACTIVE) - int(was_active)


def _occurrences_for(call: Call, meeting: Meeting) -> set[str]:
    """The occurrences a registration is for, per `registration_type` and `occurrence_ids`."""
    if not meeting.recurring_fixed:
        return set()
    available = [
        o
        for o in sorted(meeting.occurrences.values(), key=lambda o: o.start)
        if o.status == "available"
    ]
    raw = call.query_as(RegistrantCreateQuery).occurrence_ids or ""
    wanted = [part.strip() for part in raw.split(",") if part.strip()]
    known = {o.occurrence_id for o in available}
    unknown = [o for o in wanted if o not in known]
    if unknown:
        raise ZoomError(400, 300, f"Invalid occurrence_ids: {', '.join(unknown)}.")
    registration_type = meeting.settings.get("registration_type", 1)
    if registration_type == 1 or not wanted:
        if registration_type == 2:
            upcoming = [o for o in available if o.start >= call.now] or available
            return {upcoming[0].occurrence_id} if upcoming else set()
        return known
    return set(wanted)


def _register(
    call: Call,
    meeting: Meeting,
    *,
    email: str,
    first_name: str,
    last_name: str,
    extra: dict[str, Any],
    auto_approve: bool,
    occurrence_ids: set[str],
) -> Registrant:
    """Adds or re-activates one registrant (limits and host checks already done)."""
    existing_id = meeting.registrants_by_email.get(email.lower())
    if existing_id is not None:
        registrant = meeting.registrants[existing_id]
        registrant.occurrence_ids |= occurrence_ids
        if registrant.status not in ACTIVE:
            if meeting.active_registrants >= capacity(call, meeting):
                raise _full(meeting)
            set_status(meeting, registrant, _status_for_new(meeting, auto_approve))
            _emit(call, meeting, "registration_created", registrant)
        return registrant
    if meeting.active_registrants >= capacity(call, meeting):
        raise _full(meeting)
    rng = call.sim.rng
    registrant_id = ids.short_id(rng)
    meeting.next_seq += 1
    registrant = Registrant(
        id=registrant_id,
        seq=meeting.next_seq,
        email=email,
        first_name=first_name,
        last_name=last_name,
        status="cancelled",  # set_status below counts it in
        create_time=call.now.replace(microsecond=0),
        join_url=f"https://zoom.us/w/{meeting.id}?tk={ids.short_id(rng)}{ids.short_id(rng)}",
        participant_pin_code=int(ids.digits(rng, 6)) or 100_000,
        occurrence_ids=occurrence_ids,
        extra=extra,
    )
    meeting.registrants[registrant_id] = registrant
    meeting.registrants_by_email[email.lower()] = registrant_id
    set_status(meeting, registrant, _status_for_new(meeting, auto_approve))
    _emit(call, meeting, "registration_created", registrant)
    return registrant


async def add(call: Call, kind: Kind) -> Response:
    meeting = find_meeting(call, call.params["meetingId"], kind)
    body: MeetingRegistrantCreate | WebinarRegistrantCreate = (
        await call.body(WebinarRegistrantCreate)
        if kind == "webinar"
        else await call.body(MeetingRegistrantCreate)
    )
    email, first_name, last_name = body.email, body.first_name, body.last_name
    extra: dict[str, Any] = body.model_dump(include=set(QUESTION_FIELDS), exclude_unset=True)
    if body.custom_questions is not None:
        extra["custom_questions"] = [
            {"title": q.title or "", "value": q.value or ""} for q in body.custom_questions
        ]
    # Webinar registrations have no `auto_approve`: the webinar's approval setting decides.
    auto_approve = isinstance(body, MeetingRegistrantCreate) and bool(body.auto_approve)
    _registration_open(call, meeting)
    _refuse_host(call, meeting, email)
    occurrence_ids = _occurrences_for(call, meeting)
    call.sim.limiter.check_registrants(
        "registration",
        meeting.id,
        [email],
        call.operation_id,
        call.now,
        call.account.rate_limits,
    )
    registrant = _register(
        call,
        meeting,
        email=email,
        first_name=first_name,
        last_name=last_name or "",
        extra=extra,
        auto_approve=auto_approve,
        occurrence_ids=occurrence_ids,
    )
    answer: dict[str, Any] = {
        "id": meeting.id,
        "registrant_id": registrant.id,
        "topic": meeting.topic,
        "start_time": zoom_time(meeting.start_time),
    }
    if meeting.recurring_fixed:
        answer["occurrences"] = [
            occurrence_view(meeting.occurrences[o])
            for o in sorted(registrant.occurrence_ids)
            if o in meeting.occurrences
        ]
    if registrant.status == "approved":
        answer["join_url"] = registrant.join_url
    if not meeting.webinar:
        answer["participant_pin_code"] = registrant.participant_pin_code
    return JSONResponse(answer, status_code=201)


async def batch(call: Call, kind: Kind) -> Response:
    meeting = find_meeting(call, call.params["meetingId"], kind)
    if kind == "meeting" and meeting.type != 2:
        raise ZoomError(
            400,
            303,
            "This API can only be used for scheduled meeting(meeting type: 2). Batch "
            "registration is not supported for other meeting types.",
        )
    if kind == "webinar" and meeting.type != 5:
        raise ZoomError(
            400,
            300,
            "This API can only be used for scheduled webinars (type 5). Batch registration "
            "is not supported for other webinar types.",
        )
    body: MeetingBatchRegistration | WebinarBatchRegistration = (
        await call.body(WebinarBatchRegistration)
        if kind == "webinar"
        else await call.body(MeetingBatchRegistration)
    )
    auto_approve = bool(body.auto_approve)
    entries = [(p.email, p.first_name, p.last_name or "") for p in body.registrants]
    _registration_open(call, meeting)
    for email, _, _ in entries:
        _refuse_host(call, meeting, email)
    new_emails = {
        e.lower()
        for e, _, _ in entries
        if (rid := meeting.registrants_by_email.get(e.lower())) is None
        or meeting.registrants[rid].status not in ACTIVE
    }
    if meeting.active_registrants + len(new_emails) > capacity(call, meeting):
        raise _full(meeting)
    call.sim.limiter.check_registrants(
        "registration",
        meeting.id,
        [e for e, _, _ in entries],
        call.operation_id,
        call.now,
        call.account.rate_limits,
    )
    out = []
    for email, first, last in entries:
        registrant = _register(
            call,
            meeting,
            email=email,
            first_name=first,
            last_name=last,
            extra={},
            auto_approve=auto_approve,
            occurrence_ids=set(),
        )
        item: dict[str, Any] = {"email": registrant.email, "registrant_id": registrant.id}
        if registrant.status == "approved":
            item["join_url"] = registrant.join_url
        if not meeting.webinar:
            item["participant_pin_code"] = registrant.participant_pin_code
        out.append(item)
    return JSONResponse({"registrants": out}, status_code=201)


async def list_registrants(call: Call, kind: Kind) -> Response:
    meeting = find_meeting(call, call.params["meetingId"], kind)
    # The webinar list's query adds only `tracking_source_id` (not simulated).
    query = call.query_as(MeetingRegistrantsQuery)
    status = query.status or "approved"
    occurrence_id = query.occurrence_id or None
    if occurrence_id is not None and occurrence_id not in meeting.occurrences:
        raise ZoomError(400, 300, f"Invalid occurrence_id: {occurrence_id}.")
    chosen = [
        r
        for r in meeting.registrants.values()
        if r.status == status and (occurrence_id is None or occurrence_id in r.occurrence_ids)
    ]
    page, envelope = paginate(
        chosen,
        page_size=query.page_size or 30,
        token=query.next_page_token,
        listing=f"registrants:{meeting.id}:{status}:{occurrence_id or ''}",
        now=call.now,
        position_of=lambda r: r.seq,
        page_number=query.page_number or 1,
    )
    body = envelope | {"registrants": [registrant_view(meeting, r) for r in page]}
    return JSONResponse(body)


def _find_registrant(meeting: Meeting, registrant_id: str) -> Registrant:
    registrant = meeting.registrants.get(registrant_id)
    if registrant is None or registrant.status == "cancelled":
        raise ZoomError(400, 3079, f"This registrant does not exist: {registrant_id}.")
    return registrant


async def get_registrant(call: Call, kind: Kind) -> Response:
    meeting = find_meeting(call, call.params["meetingId"], kind)
    registrant = _find_registrant(meeting, call.params["registrantId"])
    return JSONResponse(registrant_view(meeting, registrant))


async def delete_registrant(call: Call, kind: Kind) -> Response:
    meeting = find_meeting(call, call.params["meetingId"], kind)
    registrant = meeting.registrants.get(call.params["registrantId"])
    if registrant is None:
        raise ZoomError(
            400,
            300,
            "The value that you entered for the Registrant ID field is invalid. Enter a valid "
            "value and try again.",
        )
    was_active = registrant.status in ACTIVE
    set_status(meeting, registrant, "cancelled")
    del meeting.registrants[registrant.id]
    meeting.registrants_by_email.pop(registrant.email.lower(), None)
    if was_active:
        _emit(call, meeting, "registration_cancelled", registrant)
    return Response(status_code=204)


async def update_status(call: Call, kind: Kind) -> Response:
    meeting = find_meeting(call, call.params["meetingId"], kind)
    body: MeetingRegistrantStatus | WebinarRegistrantStatus = (
        await call.body(WebinarRegistrantStatus)
        if kind == "webinar"
        else await call.body(MeetingRegistrantStatus)
    )
    action = body.action
    checker = Checker()
    targets: list[Registrant] = []
    people: list[MeetingRegistrantRef | WebinarRegistrantRef] = list(body.registrants)
    for index, person in enumerate(people):
        # Neither is required by the schema, but a status change needs to know whose it is.
        if not (person.id or person.email):
            checker.fail(f"registrants[{index}]", "Each registrant needs an id or an email.")
            continue
        registrant = None
        if person.id:
            registrant = meeting.registrants.get(person.id)
        elif person.email:
            rid = meeting.registrants_by_email.get(person.email.lower())
            registrant = meeting.registrants.get(rid) if rid else None
        if registrant is not None and registrant not in targets:
            targets.append(registrant)
    checker.done()
    call.sim.limiter.check_registrants(
        "status",
        meeting.id,
        [r.email for r in targets],
        call.operation_id,
        call.now,
        call.account.rate_limits,
    )
    occurrence_id = call.query_as(OccurrenceQuery).occurrence_id or None
    for registrant in targets:
        if action == "approve" and registrant.status != "approved":
            if registrant.status not in ACTIVE and meeting.active_registrants >= capacity(
                call, meeting
            ):
                raise _full(meeting)
            set_status(meeting, registrant, "approved")
            _emit(call, meeting, "registration_approved", registrant)
        elif action == "deny" and registrant.status != "denied":
            set_status(meeting, registrant, "denied")
            _emit(call, meeting, "registration_denied", registrant)
        elif action == "cancel" and registrant.status in ACTIVE:
            if occurrence_id is not None and len(registrant.occurrence_ids) > 1:
                registrant.occurrence_ids.discard(occurrence_id)
                continue
            set_status(meeting, registrant, "cancelled")
            _emit(call, meeting, "registration_cancelled", registrant)
    return Response(status_code=204)
