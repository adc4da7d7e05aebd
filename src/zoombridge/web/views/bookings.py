"""Bookings, services and staff (B1–B5): list, new, the booking page (meeting, sync now,
reschedule, reassign, cancel, its emails and reminders), services and staff with their Zoom
mapping. Every form goes through `zoombridge.bookings.service`, as the REST API does; the
worker does the Zoom side.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings import service as bookings
from zoombridge.bookings.models import (
    DEFAULT_DESCRIPTION_TEMPLATE,
    DEFAULT_TOPIC_TEMPLATE,
    BookingStatus,
    Service,
)
from zoombridge.bookings.schemas import (
    BookingCreate,
    BookingOut,
    BookingUpdate,
    EmployeeCreate,
    EmployeeOut,
    EmployeeUpdate,
    ServiceCreate,
    ServiceUpdate,
)
from zoombridge.connections import service as connections
from zoombridge.errors import DomainError, FieldProblem, NotFoundError
from zoombridge.events.models import LinkState
from zoombridge.notifications import service as notifications
from zoombridge.notifications.shortcodes import BOOKING_FIELDS
from zoombridge.web.auth_session import Csrf, SignedIn, flash
from zoombridge.web.deps import SessionDep
from zoombridge.web.views.common import checkbox, parse_id, redirect, render, ui_router
from zoombridge.web.views.events import TIMEZONES
from zoombridge.web.views.forms import pydantic_problems

router = ui_router()

DEFAULT_TIMEZONE = "UTC"
OFFSET_LABELS = {
    "1w": "1 week",
    "4d": "4 days",
    "3d": "3 days",
    "2d": "2 days",
    "1d": "1 day",
    "1h": "1 hour",
}


class FormProblem(Exception):
    """Form text that cannot become the schema's input (e.g. a date that is not a date)."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


async def _form(request: Request) -> tuple[dict[str, str], list[str]]:
    """The form's single values and its checked reminder offsets."""
    raw = await request.form()
    values = {k: v for k, v in raw.items() if isinstance(v, str)}
    offsets = [v for v in raw.getlist("reminder_offsets") if isinstance(v, str)]
    return values, offsets


def _problems(exc: Exception) -> tuple[str, dict[str, str]]:
    if isinstance(exc, ValidationError):
        return "Some fields need fixing.", {p.field: p.message for p in pydantic_problems(exc)}
    if isinstance(exc, FormProblem):
        return "Some fields need fixing.", {p.field: p.message for p in exc.problems}
    assert isinstance(exc, DomainError)
    return exc.detail, {p.field: p.message for p in exc.field_errors}


def _int(form: dict[str, str], name: str, problems: list[FieldProblem]) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        problems.append(FieldProblem(name, "Give a whole number."))
        return None


def _uuid(form: dict[str, str], name: str, problems: list[FieldProblem]) -> uuid.UUID | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        problems.append(FieldProblem(name, "Pick one from the list."))
        return None


def _local_start(form: dict[str, str], problems: list[FieldProblem]) -> datetime | None:
    """The date and time fields as a wall-clock time in the chosen time zone."""
    date, time = form.get("date", "").strip(), form.get("time", "").strip()
    if not date or not time:
        problems.append(FieldProblem("start_at", "Give the date and the time."))
        return None
    try:
        naive = datetime.fromisoformat(f"{date}T{time}")
    except ValueError:
        problems.append(FieldProblem("start_at", "Give the date and time, e.g. 2030-05-01 15:00."))
        return None
    zone_name = form.get("timezone", "").strip() or DEFAULT_TIMEZONE
    try:
        return naive.replace(tzinfo=ZoneInfo(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(FieldProblem("timezone", f"Unknown time zone {zone_name!r}."))
        return None


def _local_fields(view: BookingOut) -> dict[str, str]:
    local = view.start_at.astimezone(ZoneInfo(view.timezone))
    return {"date": local.strftime("%Y-%m-%d"), "time": local.strftime("%H:%M")}


async def _choices(session: AsyncSession) -> dict[str, Any]:
    return {
        "services": [s for s in await bookings.list_services(session) if s.active],
        "employees": [e for e in await bookings.list_employees(session) if e.active],
        "timezones": TIMEZONES,
        "offsets": OFFSET_LABELS,
    }


# --- Bookings ----------------------------------------------------------------------------------


def _waiting(views: list[BookingOut]) -> bool:
    """True while the worker has meeting work it can do now (the page refreshes itself)."""
    return any(
        v.meeting is not None and not v.meeting.synced and v.meeting.state is LinkState.PENDING
        for v in views
    )


@router.get("/bookings", response_class=HTMLResponse, dependencies=[SignedIn])
async def list_page(request: Request, session: SessionDep, show: str = "upcoming") -> Response:
    views = await bookings.list_bookings(session)
    if show == "upcoming":
        now = datetime.now(ZoneInfo("UTC"))
        views = [v for v in views if v.end_at >= now and v.status is BookingStatus.CONFIRMED]
    return render(request, "bookings.html", bookings=views, show=show, refresh=_waiting(views))


async def _new_page(
    request: Request,
    session: AsyncSession,
    form: dict[str, str],
    offsets: list[str] | None,
    *,
    status_code: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "booking_form.html",
        status_code=status_code,
        form=form,
        checked=offsets,
        error=error,
        errors=errors or {},
        **await _choices(session),
    )


@router.get("/bookings/new", response_class=HTMLResponse, dependencies=[SignedIn])
async def new_page(request: Request, session: SessionDep) -> Response:
    form = {"timezone": DEFAULT_TIMEZONE, "reminders": "service"}
    return await _new_page(request, session, form, None)


def _booking_input(form: dict[str, str], offsets: list[str]) -> BookingCreate:
    problems: list[FieldProblem] = []
    service_id = _uuid(form, "service_id", problems)
    employee_id = _uuid(form, "employee_id", problems)
    start = _local_start(form, problems)
    duration = _int(form, "duration_minutes", problems)
    if service_id is None:
        problems.append(FieldProblem("service_id", "Pick a service."))
    if employee_id is None:
        problems.append(FieldProblem("employee_id", "Pick an employee."))
    if problems:
        raise FormProblem(problems)
    return BookingCreate(
        service_id=service_id,
        employee_id=employee_id,
        customer_first_name=form.get("customer_first_name", ""),
        customer_last_name=form.get("customer_last_name", ""),
        customer_email=form.get("customer_email", "").strip(),
        customer_phone=form.get("customer_phone", ""),
        notes=form.get("notes", ""),
        start_at=start,
        timezone=form.get("timezone", "").strip() or DEFAULT_TIMEZONE,
        duration_minutes=duration,
        # "The service's reminders" unless the person chose their own.
        reminder_offsets=offsets if form.get("reminders") == "custom" else None,
    )


@router.post("/bookings", dependencies=[SignedIn, Csrf])
async def create(request: Request, session: SessionDep) -> Response:
    form, offsets = await _form(request)
    try:
        view = await bookings.create_booking(session, _booking_input(form, offsets))
    except (ValidationError, FormProblem, DomainError) as exc:
        await session.rollback()
        error, errors = _problems(exc)
        return await _new_page(
            request, session, form, offsets, status_code=422, error=error, errors=errors
        )
    flash(request, "Booking created; its Zoom meeting and emails are on their way.")
    return redirect(f"/bookings/{view.id}")


async def _booking_page(
    request: Request,
    session: AsyncSession,
    booking_id: uuid.UUID,
    *,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    error: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    view = await bookings.get_booking(session, booking_id)
    emails = await notifications.list_emails(session, booking_id=view.id)
    reminders = await notifications.list_reminders(session, booking_id=view.id)
    return render(
        request,
        "booking.html",
        status_code=status_code,
        booking=view,
        emails=emails,
        reminders=reminders,
        form=form or {**_local_fields(view), "duration_minutes": str(view.duration_minutes)},
        error=error,
        errors=errors or {},
        employees=[e for e in await bookings.list_employees(session) if e.active],
        timezones=TIMEZONES,
        refresh=status_code == 200 and _waiting([view]),
    )


@router.get("/bookings/{booking_id}", response_class=HTMLResponse, dependencies=[SignedIn])
async def booking_page(request: Request, session: SessionDep, booking_id: str) -> Response:
    return await _booking_page(request, session, parse_id(booking_id, "booking"))


async def _update(
    request: Request, session: AsyncSession, booking_id: str, build: Any, done: str
) -> Response:
    bid = parse_id(booking_id, "booking")
    form, _ = await _form(request)
    try:
        await bookings.update_booking(session, bid, build(form))
    except (ValidationError, FormProblem, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        error, errors = _problems(exc)
        return await _booking_page(
            request, session, bid, status_code=422, form=form, error=error, errors=errors
        )
    flash(request, done)
    return redirect(f"/bookings/{bid}")


def _reschedule_input(form: dict[str, str]) -> BookingUpdate:
    problems: list[FieldProblem] = []
    start = _local_start(form, problems)
    duration = _int(form, "duration_minutes", problems)
    if problems:
        raise FormProblem(problems)
    return BookingUpdate(
        start_at=start,
        timezone=form.get("timezone", "").strip() or DEFAULT_TIMEZONE,
        duration_minutes=duration,
    )


def _reassign_input(form: dict[str, str]) -> BookingUpdate:
    problems: list[FieldProblem] = []
    employee_id = _uuid(form, "employee_id", problems)
    if employee_id is None and not problems:
        problems.append(FieldProblem("employee_id", "Pick an employee."))
    if problems:
        raise FormProblem(problems)
    return BookingUpdate(employee_id=employee_id)


@router.post("/bookings/{booking_id}/reschedule", dependencies=[SignedIn, Csrf])
async def reschedule(request: Request, session: SessionDep, booking_id: str) -> Response:
    done = "Booking moved; its Zoom meeting is being moved and both are told."
    return await _update(request, session, booking_id, _reschedule_input, done)


@router.post("/bookings/{booking_id}/reassign", dependencies=[SignedIn, Csrf])
async def reassign(request: Request, session: SessionDep, booking_id: str) -> Response:
    done = "Booking reassigned; its Zoom meeting moves to the new host."
    return await _update(request, session, booking_id, _reassign_input, done)


@router.post("/bookings/{booking_id}/cancel", dependencies=[SignedIn, Csrf])
async def cancel(request: Request, session: SessionDep, booking_id: str) -> Response:
    bid = parse_id(booking_id, "booking")
    try:
        await bookings.cancel_booking(session, bid)
    except DomainError as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        flash(request, exc.detail, "error")
        return redirect(f"/bookings/{bid}")
    flash(request, "Booking cancelled; its Zoom meeting is being deleted and both are told.")
    return redirect(f"/bookings/{bid}")


@router.post("/bookings/{booking_id}/sync", dependencies=[SignedIn, Csrf])
async def sync_now(request: Request, session: SessionDep, booking_id: str) -> Response:
    bid = parse_id(booking_id, "booking")
    await bookings.request_sync(session, bid)
    flash(request, "Sync requested: the meeting is retried now.")
    return redirect(f"/bookings/{bid}")


# --- Services ----------------------------------------------------------------------------------


def _service_form(service: Service | None) -> dict[str, str]:
    if service is None:
        return {
            "duration_minutes": "30",
            "topic_template": DEFAULT_TOPIC_TEMPLATE,
            "description_template": DEFAULT_DESCRIPTION_TEMPLATE,
            "passcode_enabled": "on",
            "zoom_enabled": "on",
        }
    return {
        "name": service.name,
        "description": service.description,
        "duration_minutes": str(service.duration_minutes),
        "zoom_enabled": "on" if service.zoom_enabled else "",
        "connection_id": str(service.connection_id or ""),
        "topic_template": service.topic_template,
        "description_template": service.description_template,
        "passcode_enabled": "on" if service.passcode_enabled else "",
        "active": "on" if service.active else "",
    }


def _service_values(form: dict[str, str], offsets: list[str]) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    values: dict[str, Any] = {
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "duration_minutes": _int(form, "duration_minutes", problems),
        "zoom_enabled": checkbox(form.get("zoom_enabled")),
        "connection_id": _uuid(form, "connection_id", problems),
        "topic_template": form.get("topic_template", ""),
        "description_template": form.get("description_template", ""),
        "passcode_enabled": checkbox(form.get("passcode_enabled")),
        "reminder_offsets": offsets,
    }
    if values["duration_minutes"] is None and not problems:
        problems.append(FieldProblem("duration_minutes", "Give the duration in minutes."))
    if problems:
        raise FormProblem(problems)
    return values


async def _service_page(
    request: Request,
    session: AsyncSession,
    service: Service | None,
    form: dict[str, str],
    offsets: list[str],
    *,
    status_code: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "service_form.html",
        status_code=status_code,
        service=service,
        form=form,
        checked=offsets,
        offsets=OFFSET_LABELS,
        connections=list(await connections.list_connections(session)),
        shortcodes=BOOKING_FIELDS,
        error=error,
        errors=errors or {},
    )


@router.get("/services", response_class=HTMLResponse, dependencies=[SignedIn])
async def services_page(request: Request, session: SessionDep) -> Response:
    conns = {c.id: c.name for c in await connections.list_connections(session)}
    return render(
        request,
        "services.html",
        services=await bookings.list_services(session),
        connection_names=conns,
        offsets=OFFSET_LABELS,
    )


@router.get("/services/new", response_class=HTMLResponse, dependencies=[SignedIn])
async def new_service_page(request: Request, session: SessionDep) -> Response:
    return await _service_page(request, session, None, _service_form(None), [])


@router.post("/services", dependencies=[SignedIn, Csrf])
async def create_service(request: Request, session: SessionDep) -> Response:
    form, offsets = await _form(request)
    try:
        service = await bookings.create_service(
            session, ServiceCreate(**_service_values(form, offsets))
        )
    except (ValidationError, FormProblem, DomainError) as exc:
        await session.rollback()
        error, errors = _problems(exc)
        return await _service_page(
            request, session, None, form, offsets, status_code=422, error=error, errors=errors
        )
    flash(request, f"Service {service.name} created.")
    return redirect("/services")


@router.get("/services/{service_id}/edit", response_class=HTMLResponse, dependencies=[SignedIn])
async def edit_service_page(request: Request, session: SessionDep, service_id: str) -> Response:
    service = await bookings.get_service(session, parse_id(service_id, "service"))
    form = _service_form(service)
    return await _service_page(request, session, service, form, list(service.reminder_offsets))


@router.post("/services/{service_id}/edit", dependencies=[SignedIn, Csrf])
async def update_service(request: Request, session: SessionDep, service_id: str) -> Response:
    sid = parse_id(service_id, "service")
    service = await bookings.get_service(session, sid)
    form, offsets = await _form(request)
    try:
        values = _service_values(form, offsets)
        values["active"] = checkbox(form.get("active"))
        # connection_id is sent explicitly, so choosing "none" clears it.
        await bookings.update_service(session, sid, ServiceUpdate(**values))
    except (ValidationError, FormProblem, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        error, errors = _problems(exc)
        service = await bookings.get_service(session, sid)
        return await _service_page(
            request, session, service, form, offsets, status_code=422, error=error, errors=errors
        )
    flash(request, "Service saved.")
    return redirect("/services")


# --- Staff -------------------------------------------------------------------------------------


async def _host_choices(session: AsyncSession) -> list[dict[str, Any]]:
    """Each connection with the Zoom users fetched from it (the picker's groups)."""
    groups: list[dict[str, Any]] = []
    for conn in await connections.list_connections(session):
        hosts = await bookings.zoom_user_choices(session, conn.id)
        groups.append({"connection": conn, "hosts": hosts})
    return groups


async def _staff_page(
    request: Request,
    session: AsyncSession,
    employee: EmployeeOut | None,
    form: dict[str, str],
    *,
    status_code: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "staff_form.html",
        status_code=status_code,
        employee=employee,
        form=form,
        groups=await _host_choices(session),
        error=error,
        errors=errors or {},
    )


@router.get("/staff", response_class=HTMLResponse, dependencies=[SignedIn])
async def staff_page(request: Request, session: SessionDep) -> Response:
    conns = {c.id: c.name for c in await connections.list_connections(session)}
    return render(
        request,
        "staff.html",
        employees=await bookings.list_employees(session),
        connection_names=conns,
    )


@router.get("/staff/new", response_class=HTMLResponse, dependencies=[SignedIn])
async def new_staff_page(request: Request, session: SessionDep) -> Response:
    conns = list(await connections.list_connections(session))
    form = {"connection_id": str(conns[0].id) if conns else ""}
    return await _staff_page(request, session, None, form)


def _staff_values(form: dict[str, str]) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    values: dict[str, Any] = {
        "name": form.get("name", ""),
        "email": form.get("email", "").strip(),
        "connection_id": _uuid(form, "connection_id", problems),
        # "" = match the connection's Zoom users by the employee's email.
        "zoom_user_id": form.get("zoom_user_id", "").strip() or None,
    }
    if problems:
        raise FormProblem(problems)
    return values


@router.post("/staff", dependencies=[SignedIn, Csrf])
async def create_staff(request: Request, session: SessionDep) -> Response:
    form, _ = await _form(request)
    try:
        employee = await bookings.create_employee(session, EmployeeCreate(**_staff_values(form)))
    except (ValidationError, FormProblem, DomainError) as exc:
        await session.rollback()
        error, errors = _problems(exc)
        return await _staff_page(
            request, session, None, form, status_code=422, error=error, errors=errors
        )
    if employee.zoom_problem:
        flash(request, f"{employee.name} added. {employee.zoom_problem}", "warn")
    else:
        flash(request, f"{employee.name} added.")
    return redirect("/staff")


@router.get("/staff/{employee_id}/edit", response_class=HTMLResponse, dependencies=[SignedIn])
async def edit_staff_page(request: Request, session: SessionDep, employee_id: str) -> Response:
    employee = await bookings.get_employee(session, parse_id(employee_id, "employee"))
    form = {
        "name": employee.name,
        "email": employee.email,
        "connection_id": str(employee.connection_id or ""),
        "zoom_user_id": employee.zoom_user_id or "",
        "active": "on" if employee.active else "",
    }
    return await _staff_page(request, session, employee, form)


@router.post("/staff/{employee_id}/edit", dependencies=[SignedIn, Csrf])
async def update_staff(request: Request, session: SessionDep, employee_id: str) -> Response:
    eid = parse_id(employee_id, "employee")
    employee = await bookings.get_employee(session, eid)
    form, _ = await _form(request)
    try:
        values = _staff_values(form)
        values["active"] = checkbox(form.get("active"))
        updated = await bookings.update_employee(session, eid, EmployeeUpdate(**values))
    except (ValidationError, FormProblem, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        error, errors = _problems(exc)
        return await _staff_page(
            request, session, employee, form, status_code=422, error=error, errors=errors
        )
    if updated.zoom_problem:
        flash(request, f"Saved. {updated.zoom_problem}", "warn")
    else:
        flash(request, "Saved.")
    return redirect("/staff")
