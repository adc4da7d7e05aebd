"""Services and staff (B2, B3): services with their meeting templates and reminders, staff with
their Zoom users. Every form goes through `zoombridge.bookings.service`, as the REST API does.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.permissions import Permission
from zoombridge.bookings import service as bookings
from zoombridge.bookings.models import (
    DEFAULT_DESCRIPTION_TEMPLATE,
    DEFAULT_TOPIC_TEMPLATE,
    Service,
)
from zoombridge.bookings.schemas import (
    EmployeeCreate,
    EmployeeOut,
    EmployeeUpdate,
    ServiceCreate,
    ServiceUpdate,
)
from zoombridge.bookings.values import BOOKING_FIELDS
from zoombridge.connections import service as connections
from zoombridge.errors import DomainError, FieldProblem, NotFoundError
from zoombridge.kit.http import SessionDep
from zoombridge.web.auth_session import Allowed, Csrf, flash
from zoombridge.web.views.bookings import (
    OFFSET_LABELS,
    form_int,
    form_problems,
    form_uuid,
    read_form,
)
from zoombridge.web.views.common import checkbox, parse_id, redirect, render, ui_router
from zoombridge.web.views.forms import FormProblem

router = ui_router()


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
        "duration_minutes": form_int(form, "duration_minutes", problems),
        "zoom_enabled": checkbox(form.get("zoom_enabled")),
        "connection_id": form_uuid(form, "connection_id", problems),
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


@router.get(
    "/services", response_class=HTMLResponse, dependencies=[Allowed(Permission.MANAGE_BOOKINGS)]
)
async def services_page(request: Request, session: SessionDep) -> Response:
    conns = {c.id: c.name for c in await connections.list_connections(session)}
    return render(
        request,
        "services.html",
        services=await bookings.list_services(session),
        connection_names=conns,
        offsets=OFFSET_LABELS,
    )


@router.get(
    "/services/new", response_class=HTMLResponse, dependencies=[Allowed(Permission.MANAGE_BOOKINGS)]
)
async def new_service_page(request: Request, session: SessionDep) -> Response:
    return await _service_page(request, session, None, _service_form(None), [])


@router.post("/services", dependencies=[Allowed(Permission.MANAGE_BOOKINGS), Csrf])
async def create_service(request: Request, session: SessionDep) -> Response:
    form, offsets = await read_form(request)
    try:
        service = await bookings.create_service(
            session, ServiceCreate(**_service_values(form, offsets))
        )
    except (ValidationError, FormProblem, DomainError) as exc:
        await session.rollback()
        error, errors = form_problems(exc)
        return await _service_page(
            request, session, None, form, offsets, status_code=422, error=error, errors=errors
        )
    flash(request, f"Service {service.name} created.")
    return redirect("/services")


@router.get(
    "/services/{service_id}/edit",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_BOOKINGS)],
)
async def edit_service_page(request: Request, session: SessionDep, service_id: str) -> Response:
    service = await bookings.get_service(session, parse_id(service_id, "service"))
    form = _service_form(service)
    return await _service_page(request, session, service, form, list(service.reminder_offsets))


@router.post(
    "/services/{service_id}/edit", dependencies=[Allowed(Permission.MANAGE_BOOKINGS), Csrf]
)
async def update_service(request: Request, session: SessionDep, service_id: str) -> Response:
    sid = parse_id(service_id, "service")
    service = await bookings.get_service(session, sid)
    form, offsets = await read_form(request)
    try:
        values = _service_values(form, offsets)
        values["active"] = checkbox(form.get("active"))
        # connection_id is sent explicitly, so choosing "none" clears it.
        await bookings.update_service(session, sid, ServiceUpdate(**values))
    except (ValidationError, FormProblem, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        error, errors = form_problems(exc)
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


@router.get(
    "/staff", response_class=HTMLResponse, dependencies=[Allowed(Permission.MANAGE_BOOKINGS)]
)
async def staff_page(request: Request, session: SessionDep) -> Response:
    conns = {c.id: c.name for c in await connections.list_connections(session)}
    return render(
        request,
        "staff.html",
        employees=await bookings.list_employees(session),
        connection_names=conns,
    )


@router.get(
    "/staff/new", response_class=HTMLResponse, dependencies=[Allowed(Permission.MANAGE_BOOKINGS)]
)
async def new_staff_page(request: Request, session: SessionDep) -> Response:
    conns = list(await connections.list_connections(session))
    form = {"connection_id": str(conns[0].id) if conns else ""}
    return await _staff_page(request, session, None, form)


def _staff_values(form: dict[str, str]) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    values: dict[str, Any] = {
        "name": form.get("name", ""),
        "email": form.get("email", "").strip(),
        "connection_id": form_uuid(form, "connection_id", problems),
        # "" = match the connection's Zoom users by the employee's email.
        "zoom_user_id": form.get("zoom_user_id", "").strip() or None,
    }
    if problems:
        raise FormProblem(problems)
    return values


@router.post("/staff", dependencies=[Allowed(Permission.MANAGE_BOOKINGS), Csrf])
async def create_staff(request: Request, session: SessionDep) -> Response:
    form, _ = await read_form(request)
    try:
        employee = await bookings.create_employee(session, EmployeeCreate(**_staff_values(form)))
    except (ValidationError, FormProblem, DomainError) as exc:
        await session.rollback()
        error, errors = form_problems(exc)
        return await _staff_page(
            request, session, None, form, status_code=422, error=error, errors=errors
        )
    if employee.zoom_problem:
        flash(request, f"{employee.name} added. {employee.zoom_problem}", "warn")
    else:
        flash(request, f"{employee.name} added.")
    return redirect("/staff")


@router.get(
    "/staff/{employee_id}/edit",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_BOOKINGS)],
)
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


@router.post("/staff/{employee_id}/edit", dependencies=[Allowed(Permission.MANAGE_BOOKINGS), Csrf])
async def update_staff(request: Request, session: SessionDep, employee_id: str) -> Response:
    eid = parse_id(employee_id, "employee")
    employee = await bookings.get_employee(session, eid)
    form, _ = await read_form(request)
    try:
        values = _staff_values(form)
        values["active"] = checkbox(form.get("active"))
        updated = await bookings.update_employee(session, eid, EmployeeUpdate(**values))
    except (ValidationError, FormProblem, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        error, errors = form_problems(exc)
        return await _staff_page(
            request, session, employee, form, status_code=422, error=error, errors=errors
        )
    if updated.zoom_problem:
        flash(request, f"Saved. {updated.zoom_problem}", "warn")
    else:
        flash(request, "Saved.")
    return redirect("/staff")
