"""The actor a request acts as: a user's role, permissions and departments resolved once."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import CustomRole, Department, User, UserDepartment
from zoombridge.accounts.permissions import (
    ALL,
    DEPARTMENT_ADMIN_PERMISSIONS,
    Actor,
    Permission,
    RoleKind,
)


async def department_tree(session: AsyncSession) -> dict[uuid.UUID, uuid.UUID | None]:
    """Every department's parent (a small table: read whole)."""
    rows = await session.execute(select(Department.id, Department.parent_id))
    return {row[0]: row[1] for row in rows}


def below(tree: dict[uuid.UUID, uuid.UUID | None], roots: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """`roots` and every department under them."""
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    for child, parent in tree.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[uuid.UUID] = set()
    todo = [r for r in roots if r in tree]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, ()))
    return found


async def user_departments(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(UserDepartment.department_id).where(UserDepartment.user_id == user_id)
    )
    return list(rows)


async def actor_for(session: AsyncSession, user: User | None) -> Actor:
    """What `user` may do; a token without a user acts as an owner (see permissions)."""
    if user is None:
        return Actor.owner()
    if user.role in (RoleKind.OWNER, RoleKind.ADMIN):
        return Actor(user_id=user.id, email=user.email, role=user.role, permissions=ALL)
    own = await user_departments(session, user.id)
    reach = frozenset(below(await department_tree(session), own))
    if user.role is RoleKind.DEPARTMENT_ADMIN:
        return Actor(
            user_id=user.id,
            email=user.email,
            role=user.role,
            permissions=DEPARTMENT_ADMIN_PERMISSIONS,
            department_ids=reach,
        )
    role = await session.get(CustomRole, user.custom_role_id) if user.custom_role_id else None
    known = {p.value for p in Permission}
    permissions = frozenset(Permission(p) for p in (role.permissions if role else []) if p in known)
    return Actor(
        user_id=user.id,
        email=user.email,
        role=RoleKind.CUSTOM,
        permissions=permissions,
        department_ids=reach if own else None,
    )
