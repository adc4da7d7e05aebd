"""Events and their Zoom meetings: list, create (link existing or auto-create, with a preview),
the event page (meetings, drift, approval fix, sessions, sync now), edit and delete."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.permissions import EVENT_READERS, Actor, Permission
from zoombridge.accounts.service.people import list_departments
from zoombridge.attendance.service import event_pulls
from zoombridge.connections import service as connections
from zoombridge.connections.models import ZoomKind
from zoombridge.connections.schemas import MeetingChoiceRead
from zoombridge.errors import DomainError, FieldProblem, NotFoundError
from zoombridge.events import service as events
from zoombridge.events.models import EventStatus, LinkState
from zoombridge.events.reach import check_department_of_new_event
from zoombridge.events.schemas import EventCreate, EventUpdate, EventView, ZoomState
from zoombridge.kit.http import SessionDep
from zoombridge.kit.zones import zone_or_utc
from zoombridge.notifications.tickets import resend_tickets as queue_tickets
from zoombridge.web.auth_session import Allowed, Csrf, CurrentActor, flash
from zoombridge.web.views import lists
from zoombridge.web.views.common import checkbox, parse_id, redirect, render, ui_router
from zoombridge.web.views.event_schedule import (
    schedule_changed,
    schedule_fields,
    schedule_form,
)
from zoombridge.web.views.forms import FormProblem, form_problems

router = ui_router()

DEFAULT_TIMEZONE = "UTC"
TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Europe/Moscow",
    "Europe/Warsaw",
    "Europe/Athens",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
)  # suggestions only: any IANA name is accepted


def _local_start(form: dict[str, str], problems: list[FieldProblem]) -> datetime | None:
    """The form's wall-clock start (a datetime-local input) in the chosen time zone."""
    raw = form.get("start", "").strip()
    if not raw:
        return None
    zone_name = form.get("timezone", "").strip() or DEFAULT_TIMEZONE
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        problems.append(
            FieldProblem("start", "Give the start as date and time, e.g. 2030-05-01T15:00.")
        )
        return None
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # the schema reports the time zone itself
    return naive.replace(tzinfo=zone) if naive.tzinfo is None else naive


def _int(form: dict[str, str], name: str, problems: list[FieldProblem]) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        problems.append(FieldProblem(name, "Give a whole number."))
        return None


def _common_fields(form: dict[str, str]) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    values: dict[str, Any] = {
        "topic": form.get("topic", "").strip() or None,
        "agenda": form.get("agenda", ""),
        "start": _local_start(form, problems),
        "timezone": form.get("timezone", "").strip() or DEFAULT_TIMEZONE,
        "duration_minutes": _int(form, "duration_minutes", problems),
        "location": form.get("location", "").strip() or "online",
        "capacity": _int(form, "capacity", problems),
        "host": form.get("host", "").strip() or None,
        "registration_enabled": checkbox(form.get("registration_enabled")),
        "zoom_confirmation_email": checkbox(form.get("zoom_confirmation_email")),
    }
    if problems:
        raise FormProblem(problems)
    return values


def create_input(form: dict[str, str]) -> EventCreate:
    values = _common_fields(form)
    mode = form.get("zoom_mode", "create")
    meeting_id: int | None = None
    if mode == "link":
        problems: list[FieldProblem] = []
        meeting_id = _int(form, "meeting_id", problems)
        if problems:
            raise FormProblem([FieldProblem("zoom.meeting_id", "Pick a meeting from the list.")])
    return EventCreate(
        connection_id=form.get("connection_id", ""),
        department_id=form.get("department_id") or None,
        kind=form.get("kind", ZoomKind.MEETING.value),
        zoom={"mode": mode, "meeting_id": meeting_id},
        **values,
        **schedule_fields(form, values["timezone"]),
    )


def update_input(form: dict[str, str], view: EventView) -> EventUpdate:
    values = _common_fields(form)
    # Only what changed is sent: an unchanged start or duration must not bump the version
    # (a version bump means "tell Zoom again").
    changed: dict[str, Any] = {}
    current = {
        "topic": view.topic,
        "agenda": view.agenda,
        "start": view.start,
        "timezone": view.timezone,
        "duration_minutes": view.duration_minutes,
        "location": view.location,
        "capacity": view.capacity,
        "host": view.host_email or view.host_zoom_user_id,
        "registration_enabled": view.registration_enabled,
        "zoom_confirmation_email": view.zoom_confirmation_email,
    }
    for name, value in values.items():
        if value != current[name] and not (name == "host" and value is None):
            changed[name] = value
    if schedule_changed(form, view):
        changed.update(schedule_fields(form, values["timezone"]))
        if changed.get("days") or changed.get("slots"):
            changed.pop("start", None)  # the first day or slot is the start
    return EventUpdate(**changed)


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


async def _picker_context(session: AsyncSession, connection_id: str | None) -> dict[str, Any]:
    conns = list(await connections.list_connections(session))
    selected = None
    for conn in conns:
        if str(conn.id) == connection_id:
            selected = conn
    if selected is None and conns:
        selected = conns[0]
    hosts = list(await connections.list_hosts(session, selected.id)) if selected else []
    choices = (
        [
            MeetingChoiceRead.from_model(c)
            for c in await connections.list_meeting_choices(session, selected.id)
        ]
        if selected
        else []
    )
    return {
        "connections": conns,
        "selected_connection": selected,
        "hosts": hosts,
        "choices": choices,
    }


async def _form_page(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    form: dict[str, str],
    *,
    status_code: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    preview: Any = None,
) -> Response:
    context = await _picker_context(session, form.get("connection_id"))
    return render(
        request,
        "event_form.html",
        status_code=status_code,
        event=None,
        form=form,
        error=error,
        errors=errors or {},
        preview=preview,
        timezones=TIMEZONES,
        departments=await list_departments(session, actor),
        department_required=actor.limited,
        **context,
    )


@router.get(
    "/events",
    response_class=HTMLResponse,
    dependencies=[Allowed(*EVENT_READERS)],
)
async def list_page(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    filters = events.EventFilters(
        status=lists.choice(request, "status", EventStatus),
        q=lists.text(request, "q"),
        connection_id=lists.an_id(request, "connection_id"),
        start_from=lists.a_day(request, "start_from"),
        start_to=lists.a_day(request, "start_to"),
        zoom_state=lists.choice(request, "zoom_state", ZoomState),
        departments=actor.department_ids,
    )
    # A cursor from before the filters changed starts the list from the top.
    page, pager = await lists.one_page(
        request,
        lambda cursor, limit: events.list_events(session, filters, cursor=cursor, limit=limit),
    )
    return render(
        request,
        "events.html",
        events=page.items,
        pager=pager,
        filters={k: "" if v is None else str(v) for k, v in filters.as_dict().items()},
        filtered=any(v not in (None, "") for v in filters.as_dict().values()),
        statuses=list(EventStatus),
        zoom_states=list(ZoomState),
        connections=await connections.list_connections(session),
    )


@router.get(
    "/events/new",
    response_class=HTMLResponse,
    dependencies=[Allowed(*EVENT_READERS)],
)
async def new_page(
    request: Request, session: SessionDep, actor: CurrentActor, connection_id: str | None = None
) -> Response:
    form = {
        "kind": "meeting",
        "zoom_mode": "create",
        "timezone": DEFAULT_TIMEZONE,
        "duration_minutes": "60",
        "registration_enabled": "on",
        "connection_id": connection_id or "",
    }
    return await _form_page(request, session, actor, form)


@router.post("/events", dependencies=[Allowed(Permission.MANAGE_EVENTS), Csrf])
async def create(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    form = await _form(request)
    try:
        data = create_input(form)
        if form.get("action") == "preview":
            preview = await events.preview_draft(session, data)
            return await _form_page(request, session, actor, form, preview=preview)
        check_department_of_new_event(actor, data.department_id)
        _confirm_past(data.start, form)
        event = await events.create_event(session, data)
    except (ValidationError, FormProblem, DomainError) as exc:
        await session.rollback()
        error, errors = form_problems(exc)
        return await _form_page(
            request, session, actor, form, status_code=422, error=error, errors=errors
        )
    flash(request, "Event created; its Zoom meeting is being prepared.")
    return redirect(f"/events/{event.id}")


def _confirm_past(start: datetime | None, form: dict[str, str]) -> None:
    """An event may start in the past (to report on one that happened), but the form asks
    first: a past date is more often a typo."""
    if start is not None and start < datetime.now(UTC) and not checkbox(form.get("confirm_past")):
        message = (
            f"This start ({start.astimezone(UTC):%Y-%m-%d %H:%M} UTC) has already passed. Tick "
            "“Yes, it is in the past” to create it anyway (to report on it), or correct the date."
        )
        raise FormProblem([FieldProblem("start", message)])


def _waiting(view: EventView) -> bool:
    return any(link.state is LinkState.PENDING and link.not_before is None for link in view.links)


@router.get(
    "/events/{event_id}",
    response_class=HTMLResponse,
    dependencies=[Allowed(*EVENT_READERS)],
)
async def event_page(request: Request, session: SessionDep, event_id: str) -> Response:
    view = await events.get_event_view(session, parse_id(event_id, "event"))
    preview = None
    if any(link.zoom_meeting_id is None and link.mode.value == "created" for link in view.links):
        preview = await events.preview_event(session, view.id)
    pulls = [p for p in await event_pulls(session, view.id) if p.state != "done"]
    return render(
        request,
        "event.html",
        event=view,
        preview=preview,
        pulls=pulls,
        refresh=_waiting(view),
        sessions_by_id={s.id: s for s in view.sessions},
    )


@router.get(
    "/events/{event_id}/edit",
    response_class=HTMLResponse,
    dependencies=[Allowed(*EVENT_READERS)],
)
async def edit_page(request: Request, session: SessionDep, event_id: str) -> Response:
    view = await events.get_event_view(session, parse_id(event_id, "event"))
    return render(
        request,
        "event_edit.html",
        event=view,
        form=_form_of(view),
        error=None,
        errors={},
        timezones=TIMEZONES,
    )


def _form_of(view: EventView) -> dict[str, str]:
    start = view.start.astimezone(zone_or_utc(view.timezone))
    return {
        "topic": view.topic,
        "agenda": view.agenda,
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "timezone": view.timezone,
        "duration_minutes": str(view.duration_minutes),
        "location": view.location,
        "capacity": "" if view.capacity is None else str(view.capacity),
        "host": view.host_email or view.host_zoom_user_id or "",
        "registration_enabled": "on" if view.registration_enabled else "",
        "zoom_confirmation_email": "on" if view.zoom_confirmation_email else "",
        **schedule_form(view),
    }


@router.post("/events/{event_id}/edit", dependencies=[Allowed(Permission.MANAGE_EVENTS), Csrf])
async def update(request: Request, session: SessionDep, event_id: str) -> Response:
    eid = parse_id(event_id, "event")
    view = await events.get_event_view(session, eid)
    form = await _form(request)
    try:
        await events.update_event(session, eid, update_input(form, view))
    except (ValidationError, FormProblem, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        error, errors = form_problems(exc)
        return render(
            request,
            "event_edit.html",
            status_code=422,
            event=view,
            form=form,
            error=error,
            errors=errors,
            timezones=TIMEZONES,
        )
    flash(request, "Event saved; its Zoom meetings are being updated.")
    return redirect(f"/events/{eid}")


@router.post("/events/{event_id}/delete", dependencies=[Allowed(Permission.MANAGE_EVENTS), Csrf])
async def delete(request: Request, session: SessionDep, event_id: str) -> Response:
    await events.delete_event(session, parse_id(event_id, "event"))
    flash(request, "Event deleted; the Zoom meetings zoombridge created are being deleted.")
    return redirect("/events")


@router.post(
    "/events/{event_id}/fix-approval", dependencies=[Allowed(Permission.MANAGE_EVENTS), Csrf]
)
async def fix_approval(request: Request, session: SessionDep, event_id: str) -> Response:
    eid = parse_id(event_id, "event")
    await events.request_approval_fix(session, eid)
    flash(request, "Asking Zoom to approve registrants automatically…")
    return redirect(f"/events/{eid}")


@router.post("/events/{event_id}/sync", dependencies=[Allowed(Permission.MANAGE_EVENTS), Csrf])
async def sync_now(request: Request, session: SessionDep, event_id: str) -> Response:
    eid = parse_id(event_id, "event")
    await events.request_sync(session, eid)
    flash(request, "Sync requested: failed and waiting work is retried now.")
    return redirect(f"/events/{eid}")


@router.post(
    "/events/{event_id}/links/{link_id}/recreate",
    dependencies=[Allowed(Permission.MANAGE_EVENTS), Csrf],
)
async def recreate_meeting(
    request: Request, session: SessionDep, event_id: str, link_id: str
) -> Response:
    eid = parse_id(event_id, "event")
    await events.recreate_meeting(session, eid, parse_id(link_id, "meeting"))
    flash(request, "The meeting is being made again in Zoom; everyone gets their new join link.")
    return redirect(f"/events/{eid}")


@router.post(
    "/events/{event_id}/links/{link_id}/unlink",
    dependencies=[Allowed(Permission.MANAGE_EVENTS), Csrf],
)
async def unlink_meeting(
    request: Request, session: SessionDep, event_id: str, link_id: str
) -> Response:
    eid = parse_id(event_id, "event")
    await events.unlink_meeting(session, eid, parse_id(link_id, "meeting"))
    flash(request, "The event no longer uses that meeting.")
    return redirect(f"/events/{eid}")


@router.post(
    "/events/{event_id}/resend-tickets", dependencies=[Allowed(Permission.MANAGE_ORDERS), Csrf]
)
async def resend_tickets(request: Request, session: SessionDep, event_id: str) -> Response:
    """O8: a fresh ticket email, with the meeting details as they are now, to every attendee."""
    eid = parse_id(event_id, "event")
    try:
        count = await queue_tickets(session, eid)
    except DomainError as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        flash(request, exc.detail, "error")
        return redirect(f"/events/{eid}")
    flash(request, f"{count} ticket email(s) queued with the current meeting details.")
    return redirect(f"/events/{eid}")
