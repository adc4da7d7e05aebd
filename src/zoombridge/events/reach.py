"""Department admins reach only the events of their departments (and those below them).

Every route addressed by `{event_id}` — the event itself, its orders, attendance and emails, in
the API and the UI — goes through `require_event_in_reach` before it runs, so no route can
forget it; the events lists leave other departments' events out; a new event of a limited actor
must name one of its departments. Actors not limited to departments (owner, admin, most custom
roles) are not affected."""

from __future__ import annotations

import uuid

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.deps import ActorDep
from zoombridge.accounts.permissions import Actor
from zoombridge.errors import FieldProblem, Forbidden
from zoombridge.events.models import Event
from zoombridge.kit.http import SessionDep

OUTSIDE = (
    "This event belongs to a department outside yours: a department admin acts only on the "
    "events of its own departments."
)


async def require_event_in_reach(session: AsyncSession, actor: Actor, raw_event_id: object) -> None:
    """Forbidden when `raw_event_id` names an existing event outside the actor's departments.

    An id that is not a UUID or names no event is left to the route (its 422 or 404)."""
    if not actor.limited or raw_event_id is None:
        return
    try:
        event_id = uuid.UUID(str(raw_event_id))
    except ValueError:
        return
    found = (
        await session.execute(select(Event.id, Event.department_id).where(Event.id == event_id))
    ).first()
    if found is not None and not actor.sees(found.department_id):
        raise Forbidden(OUTSIDE)


def check_department_of_new_event(actor: Actor, department_id: uuid.UUID | None) -> None:
    """A limited actor's new (or moved) event must be in one of its departments."""
    if not actor.limited:
        return
    if department_id is None:
        message = "Choose one of your departments: a department admin's events belong to one."
    elif not actor.sees(department_id):
        message = "This department is outside yours."
    else:
        return
    raise Forbidden(
        f"Nothing was saved: department_id: {message}",
        field_errors=[FieldProblem("department_id", message)],
    )


async def api_event_in_reach(request: Request, session: SessionDep, actor: ActorDep) -> None:
    """Router dependency of the API routers with `{event_id}` routes."""
    await require_event_in_reach(session, actor, request.path_params.get("event_id"))
