"""Users, roles and departments (L1): who may sign in, with which role, in which departments.
Every form goes through `zoombridge.accounts.service.people`, as the REST API does."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.permissions import LABELS, ROLE_LABELS, Actor, Permission, RoleKind
from zoombridge.accounts.schemas import (
    CustomRoleIn,
    DepartmentIn,
    DepartmentUpdate,
    UserIn,
    UserUpdate,
)
from zoombridge.accounts.service import people
from zoombridge.errors import DomainError, NotFoundError
from zoombridge.kit.http import SessionDep
from zoombridge.web.auth_session import Allowed, Csrf, CurrentActor, flash, keep_signed_in
from zoombridge.web.views.common import field_errors, parse_id, redirect, render, ui_router
from zoombridge.web.views.forms import pydantic_problems

router = ui_router()
Managing = [Allowed(Permission.MANAGE_USERS)]
Posting = [Allowed(Permission.MANAGE_USERS), Csrf]


async def _form(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    raw = await request.form()
    single = {k: v for k, v in raw.items() if isinstance(v, str)}
    multi = {k: [v for v in raw.getlist(k) if isinstance(v, str)] for k in raw}
    return single, multi


def _problems(exc: Exception) -> tuple[str, dict[str, str]]:
    if isinstance(exc, ValidationError):
        problems = pydantic_problems(exc)
        return "Some fields need attention.", {p.field: p.message for p in problems}
    assert isinstance(exc, DomainError)
    return exc.detail, field_errors(exc)


def _ids(values: list[str]) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    for value in values:
        try:
            out.append(uuid.UUID(value))
        except ValueError:
            continue
    return out


# --- users ----------------------------------------------------------------------------------


async def _users_page(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    users = [await people.user_out(session, u) for u in await people.list_users(session)]
    departments = await people.list_departments(session, actor)
    return render(
        request,
        "users.html",
        status_code=status_code,
        users=users,
        roles=await people.list_roles(session),
        departments=departments,
        department_paths={d.id: d.path for d in departments},
        role_labels=ROLE_LABELS,
        role_kinds=list(RoleKind),
        form=form or {"role": RoleKind.ADMIN.value},
        error=error,
        errors=errors or {},
    )


@router.get("/users", response_class=HTMLResponse, dependencies=Managing)
async def users_page(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return await _users_page(request, session, actor)


@router.post("/users", dependencies=Posting)
async def add_user(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    form, multi = await _form(request)
    try:
        data = UserIn.model_validate(
            {
                "email": form.get("email", ""),
                "name": form.get("name", ""),
                "password": form.get("password", ""),
                "role": form.get("role", RoleKind.ADMIN.value),
                "custom_role_id": form.get("custom_role_id") or None,
                "department_ids": _ids(multi.get("department_ids", [])),
            }
        )
        user = await people.add_user(session, actor, data)
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        error, errors = _problems(exc)
        echo: dict[str, Any] = {k: v for k, v in form.items() if k != "password"}
        echo["department_ids"] = multi.get("department_ids", [])
        return await _users_page(
            request, session, actor, form=echo, error=error, errors=errors, status_code=422
        )
    flash(request, f"{user.email} can now sign in as {ROLE_LABELS[user.role].lower()}.")
    return redirect("/users")


@router.get("/users/{user_id}", response_class=HTMLResponse, dependencies=Managing)
async def user_page(
    request: Request, session: SessionDep, actor: CurrentActor, user_id: str
) -> Response:
    user = await people.get_user(session, parse_id(user_id, "user"))
    view = await people.user_out(session, user)
    return render(
        request,
        "user_form.html",
        user=view,
        roles=await people.list_roles(session),
        departments=await people.list_departments(session, actor),
        role_labels=ROLE_LABELS,
        role_kinds=list(RoleKind),
        permission_labels=LABELS,
        errors={},
        error=None,
    )


@router.post("/users/{user_id}", dependencies=Posting)
async def change_user(
    request: Request, session: SessionDep, actor: CurrentActor, user_id: str
) -> Response:
    uid = parse_id(user_id, "user")
    form, multi = await _form(request)
    try:
        data = UserUpdate.model_validate(
            {
                "name": form.get("name"),
                "role": form.get("role") or None,
                "custom_role_id": form.get("custom_role_id") or None,
                "department_ids": _ids(multi.get("department_ids", [])),
                "password": form.get("password") or None,
            }
        )
        user = await people.change_user(session, actor, uid, data)
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        error, errors = _problems(exc)
        view = await people.user_out(session, await people.get_user(session, uid))
        return render(
            request,
            "user_form.html",
            status_code=422,
            user=view,
            roles=await people.list_roles(session),
            departments=await people.list_departments(session, actor),
            role_labels=ROLE_LABELS,
            role_kinds=list(RoleKind),
            permission_labels=LABELS,
            errors=errors,
            error=error,
        )
    # A new password ended the user's sessions; when it is the signed-in user's own, this one
    # (where it was just typed) goes on.
    keep_signed_in(request, user)
    flash(request, f"{user.email} is saved.")
    return redirect(f"/users/{user.id}")


@router.post("/users/{user_id}/delete", dependencies=Posting)
async def remove_user(
    request: Request, session: SessionDep, actor: CurrentActor, user_id: str
) -> Response:
    user = await people.get_user(session, parse_id(user_id, "user"))
    await people.remove_user(session, actor, user.id)
    flash(request, f"{user.email} can no longer sign in.")
    return redirect("/users")


# --- custom roles ---------------------------------------------------------------------------


async def _roles_page(
    request: Request,
    session: AsyncSession,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "roles.html",
        status_code=status_code,
        roles=[people.role_out(r) for r in await people.list_roles(session)],
        permission_labels=LABELS,
        form=form or {"permissions": []},
        error=error,
        errors=errors or {},
    )


@router.get("/roles", response_class=HTMLResponse, dependencies=Managing)
async def roles_page(request: Request, session: SessionDep) -> Response:
    return await _roles_page(request, session)


def _role_input(form: dict[str, str], multi: dict[str, list[str]]) -> CustomRoleIn:
    return CustomRoleIn.model_validate(
        {"name": form.get("name", ""), "permissions": multi.get("permissions", [])}
    )


@router.post("/roles", dependencies=Posting)
async def create_role(request: Request, session: SessionDep) -> Response:
    form, multi = await _form(request)
    try:
        role = await people.create_role(session, _role_input(form, multi))
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        error, errors = _problems(exc)
        echo = {"name": form.get("name", ""), "permissions": multi.get("permissions", [])}
        return await _roles_page(
            request, session, form=echo, error=error, errors=errors, status_code=422
        )
    flash(request, f"The role {role.name} is created.")
    return redirect("/roles")


@router.post("/roles/{role_id}", dependencies=Posting)
async def update_role(request: Request, session: SessionDep, role_id: str) -> Response:
    rid = parse_id(role_id, "role")
    form, multi = await _form(request)
    try:
        role = await people.update_role(session, rid, _role_input(form, multi))
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        error, errors = _problems(exc)
        return await _roles_page(request, session, error=error, errors=errors, status_code=422)
    flash(request, f"The role {role.name} is saved.")
    return redirect("/roles")


@router.post("/roles/{role_id}/delete", dependencies=Posting)
async def delete_role(request: Request, session: SessionDep, role_id: str) -> Response:
    await people.delete_role(session, parse_id(role_id, "role"))
    flash(request, "The role is deleted.")
    return redirect("/roles")


# --- departments ----------------------------------------------------------------------------


@router.get("/departments", response_class=HTMLResponse, dependencies=Managing)
async def departments_page(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return render(
        request,
        "departments.html",
        departments=await people.list_departments(session, actor),
        errors={},
        error=None,
    )


@router.post("/departments", dependencies=Posting)
async def create_department(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    form, _ = await _form(request)
    try:
        parent = _ids([form.get("parent_id", "")])
        row = await people.create_department(
            session,
            DepartmentIn(name=form.get("name", ""), parent_id=parent[0] if parent else None),
        )
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        error, errors = _problems(exc)
        return render(
            request,
            "departments.html",
            status_code=422,
            departments=await people.list_departments(session, actor),
            errors=errors,
            error=error,
        )
    flash(request, f"{row.name} is created.")
    return redirect("/departments")


@router.post("/departments/{department_id}", dependencies=Posting)
async def update_department(request: Request, session: SessionDep, department_id: str) -> Response:
    did = parse_id(department_id, "department")
    form, _ = await _form(request)
    parent = _ids([form.get("parent_id", "")])
    try:
        await people.update_department(
            session,
            did,
            DepartmentUpdate(
                name=form.get("name") or None, parent_id=parent[0] if parent else None
            ),
        )
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        flash(request, _problems(exc)[0], "error")
        return redirect("/departments")
    flash(request, "The department is saved.")
    return redirect("/departments")


@router.post("/departments/{department_id}/delete", dependencies=Posting)
async def delete_department(request: Request, session: SessionDep, department_id: str) -> Response:
    await people.delete_department(session, parse_id(department_id, "department"))
    flash(request, "The department is deleted.")
    return redirect("/departments")
