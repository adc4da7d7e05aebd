"""Providers, organisations, groups and learners: lists with an "add" form each, a learner's
page (their events, as they see them) and a bulk import of learners (one per line)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from zoombridge.accounts.permissions import CONNECTION_READERS, Permission
from zoombridge.accounts.service.people import list_departments
from zoombridge.connections import service as connections
from zoombridge.courses.api.structure import STRUCTURE_READERS
from zoombridge.courses.models import LearnerGroup, Organisation
from zoombridge.courses.schemas import (
    GroupIn,
    LearnerBatch,
    LearnerIn,
    OrganisationIn,
    ProviderIn,
    ProviderUpdate,
)
from zoombridge.courses.service import listing, my_events, providers, structure
from zoombridge.errors import DomainError, FieldProblem
from zoombridge.kit.http import SessionDep
from zoombridge.web.auth_session import Allowed, Csrf, CurrentActor, flash
from zoombridge.web.views import lists
from zoombridge.web.views.common import parse_id, redirect, render, ui_router
from zoombridge.web.views.forms import pydantic_problems

router = ui_router()
READ = [Allowed(*STRUCTURE_READERS)]
WRITE = [Allowed(Permission.ENROL_LEARNERS), Csrf]


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _problems(exc: Exception) -> list[FieldProblem]:
    if isinstance(exc, ValidationError):
        return pydantic_problems(exc)
    assert isinstance(exc, DomainError)
    return exc.field_errors or [FieldProblem("form", exc.detail)]


def _say(request: Request, exc: Exception) -> None:
    problems = _problems(exc)
    flash(request, "Not saved: " + "; ".join(f"{p.field}: {p.message}" for p in problems), "error")


def _opt_id(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


# --- providers -------------------------------------------------------------------------------


@router.get("/providers", response_class=HTMLResponse, dependencies=[Allowed(*CONNECTION_READERS)])
async def providers_page(request: Request, session: SessionDep) -> Response:
    rows = [
        await providers.provider_out(session, p) for p in await providers.list_providers(session)
    ]
    return render(
        request,
        "providers.html",
        providers=rows,
        connections=await connections.list_connections(session),
    )


@router.post("/providers", dependencies=[Allowed(Permission.MANAGE_CONNECTIONS), Csrf])
async def add_provider(request: Request, session: SessionDep) -> Response:
    form = await _form(request)
    try:
        data = ProviderIn(
            name=form.get("name", ""),
            connection_id=form.get("connection_id", ""),
            host=form.get("host", ""),
            default_kind=form.get("default_kind") or "meeting",
            webinars_available=bool(form.get("webinars_available")),
        )
        provider = await providers.create_provider(session, data)
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        _say(request, exc)
        return redirect("/providers")
    flash(request, f"Provider {provider.name} saved.")
    return redirect("/providers")


@router.post(
    "/providers/{provider_id}/host", dependencies=[Allowed(Permission.MANAGE_CONNECTIONS), Csrf]
)
async def change_host(request: Request, session: SessionDep, provider_id: str) -> Response:
    form = await _form(request)
    try:
        await providers.update_provider(
            session, parse_id(provider_id, "provider"), ProviderUpdate(host=form.get("host", ""))
        )
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        _say(request, exc)
    return redirect("/providers")


# --- organisations and groups ----------------------------------------------------------------


@router.get("/organisations", response_class=HTMLResponse, dependencies=READ)
async def organisations_page(
    request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    return render(
        request,
        "holders.html",
        title="Organisations",
        path="/organisations",
        rows=await structure.list_holders(session, actor, Organisation),
        departments=await list_departments(session, actor),
        tax=True,
    )


@router.get("/groups", response_class=HTMLResponse, dependencies=READ)
async def groups_page(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return render(
        request,
        "holders.html",
        title="Groups",
        path="/groups",
        rows=await structure.list_holders(session, actor, LearnerGroup),
        departments=await list_departments(session, actor),
        tax=False,
    )


async def _add_holder(
    request: Request, session: Any, actor: Any, model: Any, path: str
) -> Response:
    form = await _form(request)
    try:
        fields: dict[str, Any] = {
            "name": form.get("name", ""),
            "department_id": _opt_id(form.get("department_id")),
        }
        if model is Organisation:
            data: Any = OrganisationIn(tax_number=form.get("tax_number", ""), **fields)
        else:
            data = GroupIn(**fields)
        await structure.save_holder(session, actor, model, data)
    except (ValidationError, DomainError, ValueError) as exc:
        await session.rollback()
        _say(request, exc if not isinstance(exc, ValueError) else DomainError(str(exc)))
        return redirect(path)
    flash(request, f"{form.get('name')} saved.")
    return redirect(path)


@router.post("/organisations", dependencies=WRITE)
async def add_organisation(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return await _add_holder(request, session, actor, Organisation, "/organisations")


@router.post("/groups", dependencies=WRITE)
async def add_group(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return await _add_holder(request, session, actor, LearnerGroup, "/groups")


# --- learners --------------------------------------------------------------------------------


@router.get("/learners", response_class=HTMLResponse, dependencies=READ)
async def learners_page(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    q = lists.text(request, "q")
    filters = listing.LearnerFilters(
        # Named apart from the add-learners form's own organisation and group fields.
        organisation_id=lists.an_id(request, "in_organisation"),
        group_id=lists.an_id(request, "in_group"),
        q=q,
    )
    page, pager = await lists.one_page(
        request,
        lambda cursor, limit: listing.list_learners(
            session, actor, filters, cursor=cursor, limit=limit
        ),
    )
    return render(
        request,
        "learners.html",
        learners=page.items,
        pager=pager,
        filters=lists.form_values(filters.as_dict()),
        organisations=await structure.list_holders(session, actor, Organisation),
        groups=await structure.list_holders(session, actor, LearnerGroup),
        departments=await list_departments(session, actor),
        q=q or "",
    )


def _import_rows(text: str, form: dict[str, str]) -> list[LearnerIn]:
    """One learner a line: email; first name; last name (separated by ; , or tab)."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("\t", ";").replace(",", ";").split(";")]
        parts += [""] * (3 - len(parts))
        rows.append(
            LearnerIn(
                email=parts[0],
                first_name=parts[1],
                last_name=parts[2],
                organisation_id=_opt_id(form.get("organisation_id")),
                department_id=_opt_id(form.get("department_id")),
                group_ids=[uuid.UUID(form["group_id"])] if form.get("group_id") else [],
            )
        )
    return rows


@router.post("/learners/import", dependencies=WRITE)
async def import_learners(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    form = await _form(request)
    try:
        batch = LearnerBatch(learners=_import_rows(form.get("lines", ""), form))
        result = await structure.import_learners(session, actor, batch)
    except (ValidationError, DomainError, ValueError) as exc:
        await session.rollback()
        _say(request, exc if not isinstance(exc, ValueError) else DomainError(str(exc)))
        return redirect("/learners")
    flash(request, f"{result.created} learner(s) added, {result.updated} updated.")
    return redirect("/learners")


@router.get("/learners/{learner_id}", response_class=HTMLResponse, dependencies=READ)
async def learner_page(
    request: Request, session: SessionDep, actor: CurrentActor, learner_id: str
) -> Response:
    learner = await structure.get_learner(session, actor, parse_id(learner_id, "learner"))
    return render(
        request,
        "learner.html",
        learner=learner,
        mine=await my_events.my_events(session, learner),
    )
