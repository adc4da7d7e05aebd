"""Bookings (B1–B5): list, new, the booking page (meeting, sync now, reschedule, reassign,
cancel, its emails and reminders); the form helpers the services and staff pages share. Every
form goes through `zoombridge.bookings.service`, as the REST API does; the worker does the Zoom
side.
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

from zoombridge.accounts.permissions import Permission
from zoombridge.bookings import service as bookings
from zoombridge.bookings.models import (
    BookingStatus,
)
from zoombridge.bookings.schemas import (
    BookingCreate,
    BookingOut,
    BookingUpdate,
)
from zoombridge.errors import DomainError, FieldProblem, NotFoundError
from zoombridge.events.models import LinkState
from zoombridge.kit.http import SessionDep
from zoombridge.kit.zones import zone_or_utc
from zoombridge.notifications import service as notifications
from zoombridge.web.auth_session import Allowed, Csrf, flash
from zoombridge.web.views import lists
from zoombridge.web.views.common import checkbox, parse_id, redirect, render, ui_router
from zoombridge.web.views.events import TIMEZONES
from zoombridge.web.views.forms import FormProblem, pydantic_problems

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


async def read_form(request: Request) -> tuple[dict[str, str], list[str]]:
    """The form's single values and its checked reminder offsets."""
    raw = await request.form()
    values = {k: v for k, v in raw.items() if isinstance(v, str)}
    offsets = [v for v in raw.getlist("reminder_offsets") if isinstance(v, str)]
    return values, offsets


def form_problems(exc: Exception) -> tuple[str, dict[str, str]]:
    if isinstance(exc, ValidationError):
        return "Some fields need fixing.", {p.field: p.message for p in pydantic_problems(exc)}
    if isinstance(exc, FormProblem):
        return "Some fields need fixing.", {p.field: p.message for p in exc.problems}
    assert isinstance(exc, DomainError)
    return exc.detail, {p.field: p.message for p in exc.field_errors}


def form_int(form: dict[str, str], name: str, problems: list[FieldProblem]) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        problems.append(FieldProblem(name, "Give a whole number."))
        return None


def form_uuid(form: dict[str, str], name: str, problems: list[FieldProblem]) -> uuid.UUID | None:
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
    local = view.start_at.astimezone(zone_or_utc(view.timezone))
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


@router.get(
    "/bookings", response_class=HTMLResponse, dependencies=[Allowed(Permission.MANAGE_BOOKINGS)]
)
async def list_page(request: Request, session: SessionDep, show: str = "upcoming") -> Response:
    filters = bookings.BookingFilters(
        status=lists.choice(request, "status", BookingStatus),
        q=lists.text(request, "q"),
        start_from=lists.a_day(request, "start_from"),
        start_to=lists.a_day(request, "start_to"),
        employee_id=lists.an_id(request, "employee_id"),
        service_id=lists.an_id(request, "service_id"),
        upcoming=show == "upcoming",
    )
    page, pager = await lists.one_page(
        request,
        lambda cursor, limit: bookings.list_bookings(session, filters, cursor=cursor, limit=limit),
    )
    shown = filters.as_dict()
    shown.pop("upcoming")
    return render(
        request,
        "bookings.html",
        bookings=page.items,
        show=show,
        pager=pager,
        filters=lists.form_values(shown),
        filtered=lists.any_set(shown),
        statuses=list(BookingStatus),
        refresh=_waiting(page.items),
        **await _choices(session),
    )


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


@router.get(
    "/bookings/new", response_class=HTMLResponse, dependencies=[Allowed(Permission.MANAGE_BOOKINGS)]
)
async def new_page(request: Request, session: SessionDep) -> Response:
    form = {"timezone": DEFAULT_TIMEZONE, "reminders": "service"}
    return await _new_page(request, session, form, None)


def _booking_input(form: dict[str, str], offsets: list[str]) -> BookingCreate:
    problems: list[FieldProblem] = []
    service_id = form_uuid(form, "service_id", problems)
    employee_id = form_uuid(form, "employee_id", problems)
    start = _local_start(form, problems)
    duration = form_int(form, "duration_minutes", problems)
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
        allow_past=checkbox(form.get("allow_past")),
    )


@router.post("/bookings", dependencies=[Allowed(Permission.MANAGE_BOOKINGS), Csrf])
async def create(request: Request, session: SessionDep) -> Response:
    form, offsets = await read_form(request)
    try:
        view = await bookings.create_booking(session, _booking_input(form, offsets))
    except (ValidationError, FormProblem, DomainError) as exc:
        await session.rollback()
        error, errors = form_problems(exc)
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


@router.get(
    "/bookings/{booking_id}",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_BOOKINGS)],
)
async def booking_page(request: Request, session: SessionDep, booking_id: str) -> Response:
    return await _booking_page(request, session, parse_id(booking_id, "booking"))


async def _update(
    request: Request, session: AsyncSession, booking_id: str, build: Any, done: str
) -> Response:
    bid = parse_id(booking_id, "booking")
    form, _ = await read_form(request)
    try:
        await bookings.update_booking(session, bid, build(form))
    except (ValidationError, FormProblem, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        error, errors = form_problems(exc)
        return await _booking_page(
            request, session, bid, status_code=422, form=form, error=error, errors=errors
        )
    flash(request, done)
    return redirect(f"/bookings/{bid}")


def _reschedule_input(form: dict[str, str]) -> BookingUpdate:
    problems: list[FieldProblem] = []
    start = _local_start(form, problems)
    duration = form_int(form, "duration_minutes", problems)
    if problems:
        raise FormProblem(problems)
    return BookingUpdate(
        start_at=start,
        timezone=form.get("timezone", "").strip() or DEFAULT_TIMEZONE,
        duration_minutes=duration,
    )


def _reassign_input(form: dict[str, str]) -> BookingUpdate:
    problems: list[FieldProblem] = []
    employee_id = form_uuid(form, "employee_id", problems)
    if employee_id is None and not problems:
        problems.append(FieldProblem("employee_id", "Pick an employee."))
    if problems:
        raise FormProblem(problems)
    return BookingUpdate(employee_id=employee_id)


@router.post(
    "/bookings/{booking_id}/reschedule", dependencies=[Allowed(Permission.MANAGE_BOOKINGS), Csrf]
)
async def reschedule(request: Request, session: SessionDep, booking_id: str) -> Response:
    done = "Booking moved; its Zoom meeting is being moved and both are told."
    return await _update(request, session, booking_id, _reschedule_input, done)


@router.post(
    "/bookings/{booking_id}/reassign", dependencies=[Allowed(Permission.MANAGE_BOOKINGS), Csrf]
)
async def reassign(request: Request, session: SessionDep, booking_id: str) -> Response:
    done = "Booking reassigned; its Zoom meeting moves to the new host."
    return await _update(request, session, booking_id, _reassign_input, done)


@router.post(
    "/bookings/{booking_id}/cancel", dependencies=[Allowed(Permission.MANAGE_BOOKINGS), Csrf]
)
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


@router.post(
    "/bookings/{booking_id}/sync", dependencies=[Allowed(Permission.MANAGE_BOOKINGS), Csrf]
)
async def sync_now(request: Request, session: SessionDep, booking_id: str) -> Response:
    bid = parse_id(booking_id, "booking")
    await bookings.request_sync(session, bid)
    flash(request, "Sync requested: the meeting is retried now.")
    return redirect(f"/bookings/{bid}")
