"""Departments as a department admin sees them: what it may list, and refusals (with the field
that named something outside its departments) before anything is written."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, true
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import Department
from zoombridge.accounts.permissions import Actor
from zoombridge.errors import FieldProblem, Forbidden, InvalidInput, NotFoundError


class Problems:
    """Field problems of one request, all named at once."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []
        self.outside: list[FieldProblem] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(FieldProblem(field, message))

    def out_of_reach(self, field: str, what: str) -> None:
        self.outside.append(
            FieldProblem(
                field,
                f"{what} is outside your departments: a department admin acts only on the "
                "people and events of its own departments.",
            )
        )

    def raise_if_any(self, doing: str = "Nothing was saved") -> None:
        if self.outside:
            summary = "; ".join(f"{p.field}: {p.message}" for p in self.outside)
            raise Forbidden(f"{doing}: {summary}", field_errors=self.outside + self.items)
        if self.items:
            summary = "; ".join(f"{p.field}: {p.message}" for p in self.items)
            raise InvalidInput(f"{doing}: {summary}", field_errors=self.items)


def within(actor: Actor, column: Any) -> ColumnElement[bool]:
    """Rows of the actor's departments (all rows for an actor not limited to departments)."""
    if actor.department_ids is None:
        return true()
    return column.in_(list(actor.department_ids))  # type: ignore[no-any-return]


async def check_department(
    session: AsyncSession,
    actor: Actor,
    department_id: uuid.UUID | None,
    problems: Problems,
    field: str = "department_id",
) -> None:
    """The department must exist and be within reach; a department admin must give one."""
    if department_id is not None and await session.get(Department, department_id) is None:
        problems.add(field, f"There is no department with id {department_id}.")
        return
    if actor.limited and department_id is None:
        problems.add(field, "Choose one of your departments.")
    elif not actor.sees(department_id):
        problems.out_of_reach(field, "This department")


async def get_visible(
    session: AsyncSession,
    actor: Actor,
    model: Any,
    row_id: uuid.UUID,
    what: str,
    problems: Problems | None = None,
    field: str = "",
) -> Any:
    """The row, or (with `problems`) a field problem; a NotFound/Forbidden otherwise."""
    row = await session.get(model, row_id)
    if row is None:
        if problems is None:
            raise NotFoundError(f"There is no {what} with id {row_id}.")
        problems.add(field, f"There is no {what} with id {row_id}.")
        return None
    if not actor.sees(getattr(row, "department_id", None)):
        if problems is None:
            actor.require_department(row.department_id, f"This {what}")
        else:
            problems.out_of_reach(field, f"The {what} {getattr(row, 'name', row_id)}")
        return None
    return row
