"""HubSpot pages: connections (the token and secrets write-only), test access, the Zoom
properties, each synced webinar's push with "Sync now", tombstones, and the workflow URL."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import SecretStr, ValidationError

from zoombridge.accounts.permissions import Permission
from zoombridge.errors import DomainError, FieldProblem
from zoombridge.hubspot import Tier
from zoombridge.hubspot_sync import service
from zoombridge.hubspot_sync.schemas import (
    HubSpotConnectionCreate,
    HubSpotConnectionOut,
    HubSpotConnectionUpdate,
)
from zoombridge.kit.http import SessionDep
from zoombridge.web.auth_session import Allowed, Csrf, flash
from zoombridge.web.views.common import checkbox, parse_id, redirect, render, ui_router
from zoombridge.web.views.forms import pydantic_problems

router = ui_router()
CRM = [Allowed(Permission.MANAGE_CONTACTS)]
FORM = [Allowed(Permission.MANAGE_CONTACTS), Csrf]

TEXT_FIELDS = (
    "name",
    "hub_id",
    "time_zone",
    "api_url",
    "external_account_id",
    "workflow_api_key_name",
    "workflow_webinar_field",
)
SECRET_FIELDS = ("access_token", "workflow_app_secret", "workflow_api_key")


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _values(form: dict[str, str], *, editing: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in TEXT_FIELDS:
        value = form.get(field, "").strip()
        if value:
            values[field] = value
        elif editing and field in ("api_url", "workflow_api_key_name"):
            values[field] = None
    for field in SECRET_FIELDS:
        if form.get(field):
            values[field] = SecretStr(form[field])
        elif editing and form.get(f"remove_{field}"):
            values[field] = SecretStr("")
    values["tier"] = form.get("tier") or Tier.FREE.value
    values["api_limit_pack"] = checkbox(form.get("api_limit_pack"))
    values["push_enabled"] = checkbox(form.get("push_enabled")) if editing else True
    return values


def _errors(exc: ValidationError | DomainError) -> tuple[str, dict[str, str]]:
    problems: list[FieldProblem] = (
        pydantic_problems(exc) if isinstance(exc, ValidationError) else exc.field_errors
    )
    detail = "Some fields need fixing." if isinstance(exc, ValidationError) else exc.detail
    return detail, {p.field: p.message for p in problems}


def _echo(form: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if k not in SECRET_FIELDS}  # never the secrets


def _workflow_url(request: Request, connection_id: object) -> str:
    return str(request.base_url).rstrip("/") + f"/webhooks/hubspot/{connection_id}/register"


@router.get("/hubspot", response_class=HTMLResponse, dependencies=CRM)
async def hubspot_page(request: Request, session: SessionDep) -> Response:
    rows = [HubSpotConnectionOut.of(r) for r in await service.list_connections(session)]
    return render(
        request,
        "hubspot.html",
        connections=rows,
        connection=None,
        form={},
        errors={},
        error=None,
        tiers=list(Tier),
    )


@router.post("/hubspot", dependencies=FORM)
async def create_hubspot(request: Request, session: SessionDep) -> Response:
    form = await _form(request)
    try:
        data = HubSpotConnectionCreate(**_values(form, editing=False))
        row = await service.create_connection(session, data)
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        detail, errors = _errors(exc)
        rows = [HubSpotConnectionOut.of(r) for r in await service.list_connections(session)]
        return render(
            request,
            "hubspot.html",
            status_code=422,
            connections=rows,
            connection=None,
            form=_echo(form),
            errors=errors,
            error=detail,
            tiers=list(Tier),
        )
    flash(
        request,
        f"HubSpot connection {row.name} saved; testing access and making the Zoom properties…",
    )
    return redirect(f"/hubspot/{row.id}")


async def _detail(
    request: Request,
    session: SessionDep,
    connection_id: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    row = await service.get_connection(session, parse_id(connection_id, "HubSpot connection"))
    view = HubSpotConnectionOut.of(row)
    pushes = await service.pushes(session, row.id)
    return render(
        request,
        "hubspot_connection.html",
        status_code=status_code,
        connection=view,
        pushes=pushes,
        tombstones=await service.tombstones(session, row.id),
        calls=await service.workflow_calls(session, row.id, limit=20),
        workflow_url=_workflow_url(request, row.id),
        form=form if form is not None else view.model_dump(mode="json"),
        errors=errors or {},
        error=error,
        tiers=list(Tier),
        # While the worker has a request of this connection or a push in hand, follow it.
        refresh=view.test_requested
        or (
            view.setup_done_at is None
            and view.setup_error is None
            and view.last_test_ok is not False
        )
        or (view.push_enabled and any(p.push_due and not p.last_error for p in pushes)),
    )


@router.get("/hubspot/{connection_id}", response_class=HTMLResponse, dependencies=CRM)
async def hubspot_connection_page(
    request: Request, session: SessionDep, connection_id: str
) -> Response:
    return await _detail(request, session, connection_id)


@router.post("/hubspot/{connection_id}/edit", dependencies=FORM)
async def edit_hubspot(request: Request, session: SessionDep, connection_id: str) -> Response:
    form = await _form(request)
    cid = parse_id(connection_id, "HubSpot connection")
    try:
        data = HubSpotConnectionUpdate(**_values(form, editing=True))
        row = await service.update_connection(session, cid, data)
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        detail, errors = _errors(exc)
        return await _detail(
            request,
            session,
            connection_id,
            form=_echo(form),
            errors=errors,
            error=detail,
            status_code=422,
        )
    flash(request, f"Saved {row.name}.")
    return redirect(f"/hubspot/{row.id}")


@router.post("/hubspot/{connection_id}/test", dependencies=FORM)
async def test_hubspot(request: Request, session: SessionDep, connection_id: str) -> Response:
    row = await service.request_test(session, parse_id(connection_id, "HubSpot connection"))
    flash(request, "Testing access… the result shows here in a moment.")
    return redirect(f"/hubspot/{row.id}")


@router.post("/hubspot/{connection_id}/setup", dependencies=FORM)
async def setup_hubspot(request: Request, session: SessionDep, connection_id: str) -> Response:
    row = await service.request_setup(session, parse_id(connection_id, "HubSpot connection"))
    flash(request, "Making the property group and the Zoom properties…")
    return redirect(f"/hubspot/{row.id}")


@router.post("/hubspot/{connection_id}/webinars/{webinar_id}/sync", dependencies=FORM)
async def push_now(
    request: Request, session: SessionDep, connection_id: str, webinar_id: str
) -> Response:
    cid = parse_id(connection_id, "HubSpot connection")
    await service.request_push(session, cid, parse_id(webinar_id, "webinar"))
    flash(request, "Pushing the webinar to HubSpot now: the table shows the outcome in a moment.")
    return redirect(f"/hubspot/{cid}")


@router.post("/hubspot/{connection_id}/delete", dependencies=FORM)
async def delete_hubspot(request: Request, session: SessionDep, connection_id: str) -> Response:
    await service.delete_connection(session, parse_id(connection_id, "HubSpot connection"))
    flash(request, "HubSpot connection removed (HubSpot keeps what it received).")
    return redirect("/hubspot")
