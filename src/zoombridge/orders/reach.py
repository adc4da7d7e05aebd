"""The event a request addressed by an order, attendee or ticket id is about, so that a
department admin's reach (`events.reach`) holds on those routes as on `{event_id}` ones."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.deps import ActorDep
from zoombridge.events.reach import require_event_in_reach
from zoombridge.kit.http import SessionDep
from zoombridge.orders.models import Attendee, Order

# Path parameters through which a route is about one event.
EVENT_PATH_PARAMS = frozenset({"event_id", "order_id", "attendee_id", "attendee"})


def _uuid(raw: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


async def event_of_path(session: AsyncSession, params: Mapping[str, Any]) -> object:
    """The event id named by the path: directly, or through its order or attendee (by id or
    ticket code). None when the path names none, or names something that does not exist."""
    if "event_id" in params:
        return params["event_id"]
    if (order_id := _uuid(params.get("order_id"))) is not None:
        return await session.scalar(select(Order.event_id).where(Order.id == order_id))
    for name in ("attendee_id", "attendee"):
        raw = params.get(name)
        if raw is None:
            continue
        attendee_id = _uuid(raw)
        where = (
            Attendee.id == attendee_id
            if attendee_id is not None
            else Attendee.ticket_code == str(raw).strip().upper()
        )
        return await session.scalar(select(Attendee.event_id).where(where))
    return None


async def api_order_in_reach(request: Request, session: SessionDep, actor: ActorDep) -> None:
    """Router dependency of the orders API: the order's event must be within reach."""
    if actor.limited:
        await require_event_in_reach(
            session, actor, await event_of_path(session, request.path_params)
        )
