"""The audit log: every Zoom call the worker made, per event, filterable by order or attendee."""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from zoombridge.accounts.permissions import AUDIT_READERS
from zoombridge.engine import audit
from zoombridge.engine.models import AuditEntry
from zoombridge.events.models import Event
from zoombridge.kit.http import SessionDep
from zoombridge.orders.models import Attendee, Order
from zoombridge.web.auth_session import Allowed
from zoombridge.web.views.common import render, ui_router

router = ui_router()

PAGE_SIZE = 200


def _uuid(raw: str | None) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


@router.get(
    "/audit",
    response_class=HTMLResponse,
    dependencies=[Allowed(*AUDIT_READERS)],
)
async def audit_page(
    request: Request,
    session: SessionDep,
    event_id: str | None = None,
    order_id: str | None = None,
    attendee_id: str | None = None,
    connection_id: str | None = None,
) -> Response:
    filters = {
        "event_id": _uuid(event_id),
        "order_id": _uuid(order_id),
        "attendee_id": _uuid(attendee_id),
        "connection_id": _uuid(connection_id),
    }
    query = select(AuditEntry).order_by(AuditEntry.at.desc()).limit(PAGE_SIZE)
    for name, value in filters.items():
        if value is not None:
            query = query.where(audit.about(name.removesuffix("_id"), value))
    entries = (await session.scalars(query)).all()
    event = await session.get(Event, filters["event_id"]) if filters["event_id"] else None
    orders: list[Order] = []
    attendees: list[Attendee] = []
    if event is not None:
        orders = list(
            await session.scalars(
                select(Order).where(Order.event_id == event.id).order_by(Order.created_at)
            )
        )
        attendees = list(
            await session.scalars(
                select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.email)
            )
        )
    return render(
        request,
        "audit.html",
        entries=entries,
        event=event,
        orders=orders,
        attendees=attendees,
        filters={k: (str(v) if v else "") for k, v in filters.items()},
        page_size=PAGE_SIZE,
    )
