"""REST API for staff users, custom roles and departments (L1), `GET /api/v1/me`, and the
caller's API tokens."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response

from zoombridge.accounts.deps import ActorDep, TokenDep, requires
from zoombridge.accounts.permissions import EVENT_READERS, Actor, Permission
from zoombridge.accounts.schemas import (
    ApiTokenCreated,
    ApiTokenIn,
    ApiTokenOut,
    CustomRoleIn,
    CustomRoleOut,
    DepartmentIn,
    DepartmentOut,
    DepartmentUpdate,
    MeOut,
    UserIn,
    UserOut,
    UserUpdate,
)
from zoombridge.accounts.service import people, tokens
from zoombridge.kit.http import SessionDep
from zoombridge.kit.pages import SHORT_LIST_LIMIT, CursorQuery, Page, ShortLimitQuery, page_of

router = APIRouter(prefix="/api/v1", tags=["users and roles"])

UserManager = Annotated[Actor, requires(Permission.MANAGE_USERS)]
MANAGE_USERS = [requires(Permission.MANAGE_USERS)]


@router.get("/me", summary="Who this token acts as: role, permissions and departments")
async def me(actor: ActorDep) -> MeOut:
    return MeOut(
        user_id=actor.user_id,
        email=actor.email,
        role=actor.role,
        permissions=sorted(actor.permissions),
        department_ids=sorted(actor.department_ids) if actor.department_ids is not None else None,
    )


# --- API tokens: any token manages its user's own; `manage_users` everyone's ----------------


@router.get("/tokens", summary="API tokens: the caller's own (everyone's with manage_users)")
async def list_tokens(
    session: SessionDep,
    actor: ActorDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[ApiTokenOut]:
    return page_of(await tokens.list_tokens(session, actor), cursor=cursor, limit=limit)


@router.post(
    "/tokens",
    status_code=201,
    summary="Create an API token (its value is in this answer only)",
)
async def create_token(
    body: ApiTokenIn, session: SessionDep, actor: ActorDep, caller: TokenDep
) -> ApiTokenCreated:
    return await tokens.issue_token(session, actor, body, made_with=caller)


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    summary="Revoke an API token: refused (401) from its next request on",
)
async def revoke_token(token_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    await tokens.revoke_token(session, actor, token_id)
    return Response(status_code=204)


# --- users ----------------------------------------------------------------------------------


@router.get("/users", dependencies=MANAGE_USERS)
async def list_users(
    session: SessionDep, cursor: CursorQuery = None, limit: ShortLimitQuery = SHORT_LIST_LIMIT
) -> Page[UserOut]:
    page = page_of(await people.list_users(session), cursor=cursor, limit=limit)
    return Page(
        items=[await people.user_out(session, u) for u in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.post("/users", status_code=201)
async def add_user(body: UserIn, session: SessionDep, actor: UserManager) -> UserOut:
    return await people.user_out(session, await people.add_user(session, actor, body))


@router.get("/users/{user_id}", dependencies=MANAGE_USERS)
async def get_user(user_id: uuid.UUID, session: SessionDep) -> UserOut:
    return await people.user_out(session, await people.get_user(session, user_id))


@router.patch("/users/{user_id}")
async def change_user(
    user_id: uuid.UUID, body: UserUpdate, session: SessionDep, actor: UserManager
) -> UserOut:
    return await people.user_out(session, await people.change_user(session, actor, user_id, body))


@router.delete("/users/{user_id}", status_code=204)
async def remove_user(user_id: uuid.UUID, session: SessionDep, actor: UserManager) -> Response:
    await people.remove_user(session, actor, user_id)
    return Response(status_code=204)


# --- custom roles ---------------------------------------------------------------------------


@router.get("/roles", dependencies=MANAGE_USERS)
async def list_roles(
    session: SessionDep, cursor: CursorQuery = None, limit: ShortLimitQuery = SHORT_LIST_LIMIT
) -> Page[CustomRoleOut]:
    roles = [people.role_out(r) for r in await people.list_roles(session)]
    return page_of(roles, cursor=cursor, limit=limit)


@router.post("/roles", status_code=201, dependencies=MANAGE_USERS)
async def create_role(body: CustomRoleIn, session: SessionDep) -> CustomRoleOut:
    return people.role_out(await people.create_role(session, body))


@router.put("/roles/{role_id}", dependencies=MANAGE_USERS)
async def update_role(role_id: uuid.UUID, body: CustomRoleIn, session: SessionDep) -> CustomRoleOut:
    return people.role_out(await people.update_role(session, role_id, body))


@router.delete("/roles/{role_id}", status_code=204, dependencies=MANAGE_USERS)
async def delete_role(role_id: uuid.UUID, session: SessionDep) -> Response:
    await people.delete_role(session, role_id)
    return Response(status_code=204)


# --- departments ----------------------------------------------------------------------------


@router.get("/departments")
async def list_departments(
    session: SessionDep,
    actor: Annotated[Actor, requires(Permission.MANAGE_USERS, *EVENT_READERS)],
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[DepartmentOut]:
    """The department tree (a department admin sees its own part of it)."""
    return page_of(await people.list_departments(session, actor), cursor=cursor, limit=limit)


@router.post("/departments", status_code=201)
async def create_department(
    body: DepartmentIn, session: SessionDep, actor: UserManager
) -> DepartmentOut:
    row = await people.create_department(session, body)
    return next(d for d in await people.list_departments(session, actor) if d.id == row.id)


@router.patch("/departments/{department_id}")
async def update_department(
    department_id: uuid.UUID, body: DepartmentUpdate, session: SessionDep, actor: UserManager
) -> DepartmentOut:
    row = await people.update_department(session, department_id, body)
    return next(d for d in await people.list_departments(session, actor) if d.id == row.id)


@router.delete(
    "/departments/{department_id}",
    status_code=204,
    dependencies=MANAGE_USERS,
)
async def delete_department(department_id: uuid.UUID, session: SessionDep) -> Response:
    await people.delete_department(session, department_id)
    return Response(status_code=204)
