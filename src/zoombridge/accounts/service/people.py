"""Staff users, custom roles and departments, managed by owners and admins (L1).

The rules: only an owner makes, changes or removes an owner; the last owner stays; a department
admin needs at least one department; a custom role user needs a custom role; a department tree
has no cycles and a department in use is not deleted. Everything is checked before anything is
written, with every problem of a request named at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import CustomRole, Department, User, UserDepartment
from zoombridge.accounts.passwords import hash_password
from zoombridge.accounts.permissions import Actor, RoleKind
from zoombridge.accounts.schemas import (
    CustomRoleIn,
    CustomRoleOut,
    DepartmentIn,
    DepartmentOut,
    DepartmentUpdate,
    UserIn,
    UserOut,
    UserUpdate,
)
from zoombridge.accounts.service.actors import actor_for, department_tree, user_departments
from zoombridge.accounts.service.auth import revoke_tokens_of, set_password
from zoombridge.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFoundError

# --- departments ----------------------------------------------------------------------------


def _paths(departments: Sequence[Department]) -> dict[uuid.UUID, str]:
    by_id = {d.id: d for d in departments}
    paths: dict[uuid.UUID, str] = {}

    def path(d: Department, seen: frozenset[uuid.UUID] = frozenset()) -> str:
        if d.id in paths:
            return paths[d.id]
        parent = by_id.get(d.parent_id) if d.parent_id else None
        text = (
            d.name
            if parent is None or parent.id in seen
            else f"{path(parent, seen | {d.id})} / {d.name}"
        )
        paths[d.id] = text
        return text

    for d in departments:
        path(d)
    return paths


async def list_departments(session: AsyncSession, actor: Actor) -> list[DepartmentOut]:
    """The department tree, by path; a department admin sees its own part of it."""
    rows = list(await session.scalars(select(Department)))
    paths = _paths(rows)
    return sorted(
        (
            DepartmentOut(id=d.id, name=d.name, parent_id=d.parent_id, path=paths[d.id])
            for d in rows
            if actor.sees(d.id)
        ),
        key=lambda d: d.path.lower(),
    )


async def get_department(session: AsyncSession, department_id: uuid.UUID) -> Department:
    found = await session.get(Department, department_id)
    if found is None:
        raise NotFoundError(f"No department with id {department_id}.")
    return found


async def _check_parent(
    session: AsyncSession, department_id: uuid.UUID | None, parent_id: uuid.UUID | None
) -> None:
    if parent_id is None:
        return
    tree = await department_tree(session)
    if parent_id not in tree:
        raise InvalidInput(
            "No department with this id.",
            field_errors=[FieldProblem("parent_id", "No department with this id.")],
        )
    current: uuid.UUID | None = parent_id
    while current is not None:
        if current == department_id:
            message = "A department cannot be placed under itself or one of its own parts."
            raise InvalidInput(message, field_errors=[FieldProblem("parent_id", message)])
        current = tree.get(current)


async def create_department(session: AsyncSession, data: DepartmentIn) -> Department:
    await _check_parent(session, None, data.parent_id)
    row = Department(name=data.name, parent_id=data.parent_id)
    session.add(row)
    await session.flush()
    return row


async def update_department(
    session: AsyncSession, department_id: uuid.UUID, data: DepartmentUpdate
) -> Department:
    row = await get_department(session, department_id)
    if "parent_id" in data.model_fields_set:
        await _check_parent(session, row.id, data.parent_id)
        row.parent_id = data.parent_id
    if data.name is not None:
        row.name = data.name
    await session.flush()
    return row


async def delete_department(session: AsyncSession, department_id: uuid.UUID) -> None:
    """Remove a department with nothing under it and no user in it (people and events of
    other domains refuse through the database's foreign keys)."""
    row = await get_department(session, department_id)
    children = await session.scalar(
        select(func.count()).select_from(Department).where(Department.parent_id == row.id)
    )
    if children:
        raise Conflict(f"{row.name} has {children} department(s) under it; move them first.")
    members = await session.scalar(
        select(func.count())
        .select_from(UserDepartment)
        .where(UserDepartment.department_id == row.id)
    )
    if members:
        raise Conflict(f"{members} user(s) belong to {row.name}; change their departments first.")
    await session.delete(row)
    await session.flush()


# --- custom roles ---------------------------------------------------------------------------


def role_out(row: CustomRole) -> CustomRoleOut:
    return CustomRoleOut(id=row.id, name=row.name, permissions=sorted(row.permissions))


async def list_roles(session: AsyncSession) -> list[CustomRole]:
    return list(await session.scalars(select(CustomRole).order_by(CustomRole.name)))


async def get_role(session: AsyncSession, role_id: uuid.UUID) -> CustomRole:
    found = await session.get(CustomRole, role_id)
    if found is None:
        raise NotFoundError(f"No custom role with id {role_id}.")
    return found


async def _check_role_name(session: AsyncSession, name: str, role_id: uuid.UUID | None) -> None:
    query = select(CustomRole.id).where(func.lower(CustomRole.name) == name.lower())
    if role_id is not None:
        query = query.where(CustomRole.id != role_id)
    if await session.scalar(query) is not None:
        message = f"A role named {name!r} exists already; choose another name."
        raise Conflict(message, field_errors=[FieldProblem("name", message)])


async def create_role(session: AsyncSession, data: CustomRoleIn) -> CustomRole:
    await _check_role_name(session, data.name, None)
    row = CustomRole(name=data.name, permissions=sorted({p.value for p in data.permissions}))
    session.add(row)
    await session.flush()
    return row


async def update_role(session: AsyncSession, role_id: uuid.UUID, data: CustomRoleIn) -> CustomRole:
    row = await get_role(session, role_id)
    await _check_role_name(session, data.name, row.id)
    row.name = data.name
    row.permissions = sorted({p.value for p in data.permissions})
    await session.flush()
    return row


async def delete_role(session: AsyncSession, role_id: uuid.UUID) -> None:
    row = await get_role(session, role_id)
    users = await session.scalar(
        select(func.count()).select_from(User).where(User.custom_role_id == row.id)
    )
    if users:
        raise Conflict(f"{users} user(s) have the role {row.name}; give them another role first.")
    await session.delete(row)
    await session.flush()


# --- users ----------------------------------------------------------------------------------


async def user_out(session: AsyncSession, user: User) -> UserOut:
    actor = await actor_for(session, user)
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        custom_role_id=user.custom_role_id,
        department_ids=sorted(await user_departments(session, user.id)),
        permissions=sorted(actor.permissions),
        created_at=user.created_at,
    )


async def list_users(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.email)))


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    found = await session.get(User, user_id)
    if found is None:
        raise NotFoundError(f"No user with id {user_id}.")
    return found


async def _check_role_fields(
    session: AsyncSession,
    actor: Actor,
    role: RoleKind,
    custom_role_id: uuid.UUID | None,
    department_ids: Sequence[uuid.UUID],
) -> None:
    problems: list[FieldProblem] = []
    if role is RoleKind.OWNER and actor.role is not RoleKind.OWNER:
        raise Forbidden("Only an owner can make someone an owner.")
    if role is RoleKind.CUSTOM:
        if custom_role_id is None:
            problems.append(FieldProblem("custom_role_id", "Choose the custom role."))
        elif await session.get(CustomRole, custom_role_id) is None:
            problems.append(FieldProblem("custom_role_id", "No custom role with this id."))
    elif custom_role_id is not None:
        problems.append(
            FieldProblem("custom_role_id", "Only a user with the role `custom` has a custom role.")
        )
    if role is RoleKind.DEPARTMENT_ADMIN and not department_ids:
        problems.append(
            FieldProblem("department_ids", "A department admin needs at least one department.")
        )
    tree = await department_tree(session)
    unknown = [str(d) for d in department_ids if d not in tree]
    if unknown:
        problems.append(
            FieldProblem("department_ids", f"No such department: {', '.join(unknown)}.")
        )
    if problems:
        raise InvalidInput(" ".join(p.message for p in problems), field_errors=problems)


async def _set_departments(
    session: AsyncSession, user_id: uuid.UUID, department_ids: Sequence[uuid.UUID]
) -> None:
    await session.execute(delete(UserDepartment).where(UserDepartment.user_id == user_id))
    for department_id in dict.fromkeys(department_ids):
        session.add(UserDepartment(user_id=user_id, department_id=department_id))
    await session.flush()


async def add_user(session: AsyncSession, actor: Actor, data: UserIn) -> User:
    email = data.email.strip().lower()
    await _check_role_fields(session, actor, data.role, data.custom_role_id, data.department_ids)
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        message = f"A user with the email {email} already exists."
        raise Conflict(message, field_errors=[FieldProblem("email", message)])
    user = User(
        email=email,
        name=data.name,
        password_hash=hash_password(data.password),
        role=data.role,
        custom_role_id=data.custom_role_id,
    )
    session.add(user)
    await session.flush()
    await _set_departments(session, user.id, data.department_ids)
    return user


async def _owners(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(User).where(User.role == RoleKind.OWNER)
        )
        or 0
    )


async def change_user(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, data: UserUpdate
) -> User:
    user = await get_user(session, user_id)
    if user.role is RoleKind.OWNER and actor.role is not RoleKind.OWNER:
        raise Forbidden("Only an owner can change an owner.")
    role = data.role or user.role
    custom = (
        data.custom_role_id
        if "custom_role_id" in data.model_fields_set
        else (user.custom_role_id if role is RoleKind.CUSTOM else None)
    )
    departments = (
        data.department_ids
        if data.department_ids is not None
        else await user_departments(session, user.id)
    )
    await _check_role_fields(session, actor, role, custom, departments)
    if user.role is RoleKind.OWNER and role is not RoleKind.OWNER and await _owners(session) == 1:
        raise Conflict("This is the last owner: make someone else an owner first.")
    user.role = role
    user.custom_role_id = custom
    if data.name is not None:
        user.name = data.name
    if data.password is not None:
        set_password(user, data.password)  # and the sessions signed in with the old one end
    await session.flush()
    if data.department_ids is not None:
        await _set_departments(session, user.id, data.department_ids)
    return user


async def remove_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> None:
    user = await get_user(session, user_id)
    if user.role is RoleKind.OWNER:
        if actor.role is not RoleKind.OWNER:
            raise Forbidden("Only an owner can remove an owner.")
        if await _owners(session) == 1:
            raise Conflict("This is the last owner: make someone else an owner first.")
    if actor.user_id == user.id:
        raise Conflict("You cannot remove yourself; ask another owner or admin.")
    await revoke_tokens_of(session, user.id)
    await session.delete(user)
    await session.flush()
