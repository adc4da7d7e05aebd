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
from zoombridge.simulator.meetings import find_meeting, occurrence_view, what
from zoombridge.simulator.pagination import paginate
from zoombridge.simulator.routing import Call
from zoombridge.simulator.state import Kind, Meeting, Registrant, RegistrantStatus
from zoombridge.simulator.validation import Checker, page_size

MAX_BATCH = 30
OPTIONAL_STRINGS = (
    "address",
    "city",
    "state",
    "zip",
    "country",
    "phone",
    "comments",
    "industry",
    "job_title",
    "org",
    "no_of_employees",
    "purchasing_time_frame",
    "role_in_purchase_process",
    "language",
)
ACTIVE: tuple[RegistrantStatus, ...] = ("approved", "pending")


def registrant_view(meeting: Meeting, registrant: Registrant) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": registrant.id,
        "email": registrant.email,
        "first_name": registrant.first_name,
        "last_name": registrant.last_name,
        "status": registrant.status,
        "create_time": zoom_time(registrant.create_time),
        "custom_questions": registrant.extra.get("custom_questions", []),
    }
    for name in OPTIONAL_STRINGS:
        # Zoom answers unset fields as "", except `language`, an enum without "".
        if name in registrant.extra or name != "language":
            body[name] = registrant.extra.get(name, "")
    if registrant.status == "approved":
        body["join_url"] = registrant.join_url
    if not meeting.webinar:
        body["participant_pin_code"] = registrant.participant_pin_code
    return body


def event_registrant(registrant: Registrant) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": registrant.id,
        "first_name": registrant.first_name,
        "last_name": registrant.last_name,
        "email": registrant.email,
        "status": registrant.status,
        "create_time": zoom_time(registrant.create_time),
    }
    if registrant.status == "approved":
        out["join_url"] = registrant.join_url
    return out


def _emit(call: Call, meeting: Meeting, event: str, registrant: Registrant) -> None:
    from zoombridge.simulator.meetings import event_object

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


def _registration_open(call: Call, meeting: Meeting) -> None:
    if meeting.settings.get("approval_type", 2) == 2 or meeting.type in (1, 3, 6):
        raise ZoomError(
            400,
            3000,
            f"Registration has not been enabled for this {what(meeting.kind)}: {meeting.id}.",
        )
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
    raw = call.query.get("occurrence_ids", "")
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
    body = await call.json()
    checker = Checker()
    email = checker.email(body, "email")
    first_name = checker.string(body, "first_name", max_len=64, required=True)
    last_name = checker.string(body, "last_name", max_len=64)
    extra: dict[str, Any] = {}
    for name in OPTIONAL_STRINGS:
        value = checker.string(body, name)
        if value is not None:
            extra[name] = value
    questions = body.get("custom_questions")
    if questions is not None:
        if not isinstance(questions, list) or not all(isinstance(q, dict) for q in questions):
            checker.fail("custom_questions", "custom_questions must be a list of objects.")
        else:
            extra["custom_questions"] = [
                {"title": str(q.get("title", "")), "value": str(q.get("value", ""))}
                for q in questions
            ]
    auto_approve = checker.boolean(body, "auto_approve")
    checker.done()
    assert email is not None
    assert first_name is not None
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
        auto_approve=bool(auto_approve),
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
    body = await call.json()
    checker = Checker()
    auto_approve = checker.boolean(body, "auto_approve")
    checker.boolean(body, "registrants_confirmation_email")
    people = body.get("registrants")
    entries: list[tuple[str, str, str]] = []
    if not isinstance(people, list) or not people:
        checker.fail("registrants", "registrants must be a non-empty list.")
    elif len(people) > MAX_BATCH:
        checker.fail("registrants", f"At most {MAX_BATCH} registrants can be added per call.")
    else:
        for index, person in enumerate(people):
            prefix = f"registrants[{index}]."
            if not isinstance(person, dict):
                checker.fail(prefix[:-1], "Each registrant must be an object.")
                continue
            email = checker.email(person, "email", prefix=prefix)
            first = checker.string(person, "first_name", max_len=64, required=True, prefix=prefix)
            last = checker.string(person, "last_name", max_len=64, prefix=prefix)
            if email is not None and first is not None:
                entries.append((email, first, last or ""))
    checker.done()
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
            auto_approve=bool(auto_approve),
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
    status = call.query.get("status", "approved")
    if status not in ("pending", "approved", "denied"):
        raise ZoomError(
            400,
            300,
            "Validation Failed.",
            errors=[{"field": "status", "message": "status must be pending, approved or denied."}],
        )
    size = page_size(call.query)
    occurrence_id = call.query.get("occurrence_id") or None
    if occurrence_id is not None and occurrence_id not in meeting.occurrences:
        raise ZoomError(400, 300, f"Invalid occurrence_id: {occurrence_id}.")
    chosen = [
        r
        for r in meeting.registrants.values()
        if r.status == status and (occurrence_id is None or occurrence_id in r.occurrence_ids)
    ]
    page, envelope = paginate(
        chosen,
        page_size=size,
        token=call.query.get("next_page_token"),
        listing=f"registrants:{meeting.id}:{status}:{occurrence_id or ''}",
        now=call.now,
        position_of=lambda r: r.seq,
    )
    body = envelope | {
        "page_number": 1,
        "registrants": [registrant_view(meeting, r) for r in page],
    }
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
    body = await call.json()
    action = body.get("action")
    checker = Checker()
    if action not in ("approve", "cancel", "deny"):
        checker.fail("action", "action must be approve, cancel or deny.")
    people = body.get("registrants")
    if not isinstance(people, list) or not people:
        checker.fail("registrants", "registrants must be a non-empty list.")
        people = []
    elif len(people) > MAX_BATCH:
        checker.fail("registrants", f"At most {MAX_BATCH} registrants can be changed per call.")
    targets: list[Registrant] = []
    for index, person in enumerate(people):
        if not isinstance(person, dict) or not (person.get("id") or person.get("email")):
            checker.fail(f"registrants[{index}]", "Each registrant needs an id or an email.")
            continue
        registrant = None
        if person.get("id"):
            registrant = meeting.registrants.get(str(person["id"]))
        elif person.get("email"):
            rid = meeting.registrants_by_email.get(str(person["email"]).lower())
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
    occurrence_id = call.query.get("occurrence_id") or None
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
