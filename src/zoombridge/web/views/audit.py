"""The audit log page: every outside call the worker made, newest first, a page at a time,
filtered by event, order, attendee, booking or connection — each found and shown by name —
and by outcome and day."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from zoombridge.accounts.permissions import AUDIT_READERS
from zoombridge.engine.models import Outcome
from zoombridge.events.models import Event
from zoombridge.kit.http import SessionDep
from zoombridge.orders.models import Attendee, Order
from zoombridge.web.audit_log import (
    AuditFilters,
    Subject,
    find_subjects,
    list_entries,
    subject_names,
)
from zoombridge.web.auth_session import Allowed
from zoombridge.web.views import lists
from zoombridge.web.views.common import render, ui_router

router = ui_router()

SUBJECT_KINDS = ("event", "order", "attendee", "booking", "connection")
# An event's orders and attendees are offered in a list up to this many; beyond, by the search.
CHOICES_MAX = 200


def _url(request: Request, drop: set[str], add: dict[str, str] | None = None) -> str:
    """This page with some query parameters dropped or set (the page start always dropped)."""
    kept = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in drop | {"cursor", "start", "find", *(add or {})}
    ]
    kept += list((add or {}).items())
    return request.url.path + ("?" + urlencode(kept) if kept else "")


async def _choices(session: SessionDep, event: Event) -> tuple[list[Order], list[Attendee]]:
    """The event's orders and attendees for the two lists, unless there are too many."""
    orders: list[Order] = []
    attendees: list[Attendee] = []
    count = select(func.count()).select_from(Order).where(Order.event_id == event.id)
    if int(await session.scalar(count) or 0) <= CHOICES_MAX:
        orders = list(
            await session.scalars(
                select(Order).where(Order.event_id == event.id).order_by(Order.created_at)
            )
        )
    count = select(func.count()).select_from(Attendee).where(Attendee.event_id == event.id)
    if int(await session.scalar(count) or 0) <= CHOICES_MAX:
        attendees = list(
            await session.scalars(
                select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.email)
            )
        )
    return orders, attendees


@router.get(
    "/audit",
    response_class=HTMLResponse,
    dependencies=[Allowed(*AUDIT_READERS)],
)
async def audit_page(request: Request, session: SessionDep) -> Response:
    ids = {kind: lists.an_id(request, f"{kind}_id") for kind in SUBJECT_KINDS}
    filters = AuditFilters(
        event_id=ids["event"],
        order_id=ids["order"],
        attendee_id=ids["attendee"],
        booking_id=ids["booking"],
        connection_id=ids["connection"],
        outcome=lists.choice(request, "outcome", Outcome),
        at_from=lists.a_day(request, "at_from"),
        at_to=lists.a_day(request, "at_to"),
        q=lists.text(request, "q"),
    )
    page, pager = await lists.one_page(
        request,
        lambda cursor, limit: list_entries(session, filters, cursor=cursor, limit=limit),
    )
    picked = [(kind, value) for kind, value in ids.items() if value is not None]
    names = await subject_names(session, picked)
    chosen = [
        {
            "kind": kind,
            "name": names.get((kind, value), "(no longer exists)"),
            "remove_url": _url(request, {f"{kind}_id"}),
        }
        for kind, value in picked
    ]
    event = await session.get(Event, ids["event"]) if ids["event"] else None
    orders, attendees = await _choices(session, event) if event else ([], [])
    find = lists.text(request, "find")
    found: list[Subject] = (
        await find_subjects(session, find, event_id=event.id if event else None) if find else []
    )
    return render(
        request,
        "audit.html",
        entries=page.items,
        pager=pager,
        event=event,
        orders=orders,
        attendees=attendees,
        chosen=chosen,
        find=find or "",
        found=[
            {
                "kind": s.kind,
                "name": s.name,
                "url": _url(request, set(), {f"{s.kind}_id": str(s.id)}),
            }
            for s in found
        ],
        filters=lists.form_values(filters.as_dict()),
        filtered=lists.any_set(filters.as_dict()),
        outcomes=list(Outcome),
        # Chosen subjects the form has no field for ride along as hidden fields.
        hidden={
            f"{kind}_id": str(value)
            for kind, value in picked
            if not (kind == "order" and orders) and not (kind == "attendee" and attendees)
        },
    )
