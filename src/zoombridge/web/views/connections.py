"""Zoom connections: list, create, edit (secrets never shown), test access, hosts and picker."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import SecretStr, ValidationError

from zoombridge.accounts.permissions import Permission
from zoombridge.connections import listing
from zoombridge.connections import service as connections
from zoombridge.connections.models import ZoomConnection, ZoomPlan
from zoombridge.connections.schemas import (
    WEBINAR_SEAT_SIZES,
    PickerUpdate,
    ZoomConnectionCreate,
    ZoomConnectionRead,
    ZoomConnectionUpdate,
)
from zoombridge.errors import DomainError, FieldProblem, NotFoundError
from zoombridge.kit.http import SessionDep
from zoombridge.web.auth_session import Allowed, Csrf, flash
from zoombridge.web.views.common import parse_id, redirect, render, ui_router
from zoombridge.web.views.forms import pydantic_problems

router = ui_router()

# Form fields that map one to one onto the connection schemas. The secrets are write-only:
# the forms never show them, and an empty secret field on edit means "keep the stored one".
TEXT_FIELDS = ("name", "account_id", "client_id", "api_url", "oauth_url")
SECRET_FIELDS = ("client_secret", "webhook_secret_token")


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _values(form: dict[str, str], *, editing: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in TEXT_FIELDS:
        value = form.get(field, "").strip()
        if value or (editing and field in ("api_url", "oauth_url")):
            values[field] = value or None
    for field in SECRET_FIELDS:
        if form.get(field):
            values[field] = SecretStr(form[field])
    if editing and form.get("remove_webhook_secret_token"):
        values["webhook_secret_token"] = None
    values["plan"] = form.get("plan") or ZoomPlan.PRO.value
    values["webinar_addon"] = bool(form.get("webinar_addon"))
    seats = form.get("webinar_seats", "").strip()
    if seats or editing:
        values["webinar_seats"] = int(seats) if seats.isdigit() else (seats or None)
    return values


def _form_echo(form: dict[str, str]) -> dict[str, str]:
    # What goes back into the form after an error: never the secrets.
    return {k: v for k, v in form.items() if k not in SECRET_FIELDS}


def _errors(problems: list[FieldProblem]) -> dict[str, str]:
    return {p.field: p.message for p in problems}


@router.get(
    "/connections",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_CONNECTIONS)],
)
async def list_page(request: Request, session: SessionDep) -> Response:
    rows = [ZoomConnectionRead.from_model(c) for c in await connections.list_connections(session)]
    return render(request, "connections.html", connections=rows)


@router.get(
    "/connections/new",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_CONNECTIONS)],
)
async def new_page(request: Request) -> Response:
    return render(
        request,
        "connection_form.html",
        connection=None,
        form={},
        errors={},
        error=None,
        plans=list(ZoomPlan),
        seat_sizes=WEBINAR_SEAT_SIZES,
    )


@router.post("/connections", dependencies=[Allowed(Permission.MANAGE_CONNECTIONS), Csrf])
async def create(request: Request, session: SessionDep) -> Response:
    form = await _form(request)
    try:
        data = ZoomConnectionCreate(**_values(form, editing=False))
        connection = await connections.create_connection(session, data)
    except (ValidationError, DomainError) as exc:
        problems = pydantic_problems(exc) if isinstance(exc, ValidationError) else exc.field_errors
        detail = "Some fields need fixing." if isinstance(exc, ValidationError) else exc.detail
        return render(
            request,
            "connection_form.html",
            status_code=422,
            connection=None,
            form=_form_echo(form),
            errors=_errors(problems),
            error=detail,
            plans=list(ZoomPlan),
            seat_sizes=WEBINAR_SEAT_SIZES,
        )
    # A new connection is tested at once: the organiser's next question is "does it work?".
    await connections.request_test(session, connection.id)
    flash(request, f"Connection {connection.name} saved; testing access…")
    return redirect(f"/connections/{connection.id}")


async def _connection(session: SessionDep, connection_id: str) -> ZoomConnection:
    return await connections.get_connection(session, parse_id(connection_id, "connection"))


@router.get(
    "/connections/{connection_id}",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_CONNECTIONS)],
)
async def detail_page(request: Request, session: SessionDep, connection_id: str) -> Response:
    connection = await _connection(session, connection_id)
    hosts = await connections.list_hosts(session, connection.id)
    choices = await connections.list_meeting_choices(session, connection.id)
    failed_webhooks = (
        await listing.list_webhook_events(session, connection.id, state="failed", limit=50)
    ).items
    view = ZoomConnectionRead.from_model(connection)
    return render(
        request,
        "connection.html",
        connection=view,
        hosts=hosts,
        choices=choices,
        failed_webhooks=failed_webhooks,
        webhook_url=str(request.base_url).rstrip("/") + f"/webhooks/zoom/{connection.id}",
        refresh=bool(view.test_requested_at or view.hosts_requested_at),
    )


@router.get(
    "/connections/{connection_id}/edit",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_CONNECTIONS)],
)
async def edit_page(request: Request, session: SessionDep, connection_id: str) -> Response:
    connection = await _connection(session, connection_id)
    form = {field: getattr(connection, field) or "" for field in TEXT_FIELDS}
    form["plan"] = connection.plan.value
    form["webinar_addon"] = "on" if connection.webinar_addon else ""
    form["webinar_seats"] = str(connection.webinar_seats or "")
    return render(
        request,
        "connection_form.html",
        connection=ZoomConnectionRead.from_model(connection),
        form=form,
        errors={},
        error=None,
        plans=list(ZoomPlan),
        seat_sizes=WEBINAR_SEAT_SIZES,
    )


@router.post(
    "/connections/{connection_id}/edit", dependencies=[Allowed(Permission.MANAGE_CONNECTIONS), Csrf]
)
async def update(request: Request, session: SessionDep, connection_id: str) -> Response:
    connection = await _connection(session, connection_id)
    form = await _form(request)
    try:
        data = ZoomConnectionUpdate(**_values(form, editing=True))
        await connections.update_connection(session, connection.id, data)
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        problems = pydantic_problems(exc) if isinstance(exc, ValidationError) else exc.field_errors
        detail = "Some fields need fixing." if isinstance(exc, ValidationError) else exc.detail
        connection = await _connection(session, connection_id)
        return render(
            request,
            "connection_form.html",
            status_code=422,
            connection=ZoomConnectionRead.from_model(connection),
            form=_form_echo(form),
            errors=_errors(problems),
            error=detail,
            plans=list(ZoomPlan),
            seat_sizes=WEBINAR_SEAT_SIZES,
        )
    flash(request, "Connection saved.")
    return redirect(f"/connections/{connection.id}")


@router.post(
    "/connections/{connection_id}/test", dependencies=[Allowed(Permission.MANAGE_CONNECTIONS), Csrf]
)
async def test_access(request: Request, session: SessionDep, connection_id: str) -> Response:
    connection = await connections.request_test(session, parse_id(connection_id, "connection"))
    flash(request, "Testing access; the result appears here in a moment.")
    return redirect(f"/connections/{connection.id}")


@router.post(
    "/connections/{connection_id}/hosts",
    dependencies=[Allowed(Permission.MANAGE_CONNECTIONS), Csrf],
)
async def fetch_hosts(request: Request, session: SessionDep, connection_id: str) -> Response:
    connection = await connections.request_hosts(session, parse_id(connection_id, "connection"))
    flash(request, "Fetching hosts from Zoom…")
    return redirect(f"/connections/{connection.id}")


@router.post(
    "/connections/{connection_id}/picker",
    dependencies=[Allowed(Permission.MANAGE_CONNECTIONS), Csrf],
)
async def set_picker(request: Request, session: SessionDep, connection_id: str) -> Response:
    cid = parse_id(connection_id, "connection")
    form = await request.form()
    host_ids = [v for v in form.getlist("host_ids") if isinstance(v, str)]
    mode = form.get("mode")
    try:
        data = PickerUpdate(mode=mode, host_ids=host_ids)
        await connections.set_picker(session, cid, data)
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        problems = pydantic_problems(exc) if isinstance(exc, ValidationError) else exc.field_errors
        flash(request, "; ".join(p.message for p in problems) or str(exc), "error")
        return redirect(f"/connections/{cid}")
    flash(request, "Picker hosts saved.")
    return redirect(f"/connections/{cid}")


@router.post(
    "/connections/{connection_id}/delete",
    dependencies=[Allowed(Permission.MANAGE_CONNECTIONS), Csrf],
)
async def delete(request: Request, session: SessionDep, connection_id: str) -> Response:
    cid = parse_id(connection_id, "connection")
    try:
        await connections.delete_connection(session, cid)
    except DomainError as exc:
        if isinstance(exc, NotFoundError):
            raise
        flash(request, exc.detail, "error")
        return redirect(f"/connections/{cid}")
    flash(request, "Connection deleted.")
    return redirect("/connections")
