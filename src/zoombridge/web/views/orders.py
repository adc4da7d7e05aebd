"""Orders and attendees of an event: create, change status, cancel one attendee, tickets."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from zoombridge.accounts.permissions import Permission
from zoombridge.errors import DomainError, FieldProblem, InvalidInput, NotFoundError
from zoombridge.kit.http import SessionDep
from zoombridge.orders import listing
from zoombridge.orders import service as orders
from zoombridge.orders.ics import ticket_ics as ticket_ics_body
from zoombridge.orders.models import OrderStatus, RegistrationState
from zoombridge.orders.schemas import AttendeeIn, CustomerIn, OrderCreate, OrderOut
from zoombridge.web.auth_session import Allowed, Csrf, flash
from zoombridge.web.views import lists
from zoombridge.web.views.common import parse_id, redirect, render, ui_router
from zoombridge.web.views.forms import pydantic_problems

router = ui_router()

ATTENDEE_ROWS = 5
WAITING = {RegistrationState.PENDING}


def _pending(views: list[OrderOut]) -> bool:
    """True while the worker still has registration work to do that it can do now."""
    return any(
        r.state in WAITING and r.not_before is None
        for order in views
        for a in order.attendees
        for r in a.registrations
    )


async def _orders_page(
    request: Request,
    session: SessionDep,
    event_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    rows: int = ATTENDEE_ROWS,
) -> Response:
    event = await orders.get_event(session, parse_id(event_id, "event"))
    filters = listing.OrderFilters(
        status=lists.choice(request, "status", OrderStatus),
        q=lists.text(request, "q"),
        created_from=lists.a_day(request, "created_from"),
        created_to=lists.a_day(request, "created_to"),
    )
    page, pager = await lists.one_page(
        request,
        lambda cursor, limit: listing.list_orders(
            session, event.id, filters, cursor=cursor, limit=limit
        ),
    )
    views = page.items
    return render(
        request,
        "orders.html",
        status_code=status_code,
        event=event,
        orders=views,
        pager=pager,
        filters=lists.form_values(filters.as_dict()),
        filtered=lists.any_set(filters.as_dict()),
        statuses=list(OrderStatus),
        rows=range(rows),
        errors=errors or {},
        error=error,
        form=form or {},
        refresh=_pending(views) and status_code == 200,
    )


@router.get(
    "/events/{event_id}/orders",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_ORDERS)],
)
async def orders_page(
    request: Request, session: SessionDep, event_id: str, rows: int = 5
) -> Response:
    return await _orders_page(request, session, event_id, rows=max(1, min(rows, 200)))


def _attendees_from_form(form: dict[str, str]) -> tuple[list[AttendeeIn], list[FieldProblem]]:
    attendees: list[AttendeeIn] = []
    problems: list[FieldProblem] = []
    index = 0
    while f"email_{index}" in form:
        email = form.get(f"email_{index}", "").strip()
        first = form.get(f"first_name_{index}", "")
        last = form.get(f"last_name_{index}", "")
        if email or first.strip() or last.strip():
            try:
                attendees.append(AttendeeIn(email=email, first_name=first, last_name=last))
            except ValidationError as exc:
                problems += pydantic_problems(exc, prefix=f"attendees[{len(attendees)}]")
                # Keep positions aligned with the rows shown, for the service's field names too.
                attendees.append(AttendeeIn.model_construct(email=email, first_name=first))
        index += 1
    return attendees, problems


@router.post("/events/{event_id}/orders", dependencies=[Allowed(Permission.MANAGE_ORDERS), Csrf])
async def create_order(request: Request, session: SessionDep, event_id: str) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    rows = sum(1 for key in form if key.startswith("email_"))
    attendees, problems = _attendees_from_form(form)
    try:
        if problems:
            raise InvalidInput("Some attendees are not valid.", field_errors=problems)
        if not attendees:
            raise InvalidInput(
                "Add at least one attendee.",
                field_errors=[FieldProblem("attendees", "Add at least one attendee.")],
            )
        data = OrderCreate(
            attendees=attendees,
            status=OrderStatus(form.get("status", OrderStatus.PENDING.value)),
            reference=form.get("reference", "").strip() or None,
            customer=_customer(form),
            paid=form.get("paid") == "on",
        )
        order = await orders.create_order(session, parse_id(event_id, "event"), data)
    except ValidationError as exc:
        return await _orders_page(
            request,
            session,
            event_id,
            status_code=422,
            error="The order has invalid fields.",
            errors=_errors(pydantic_problems(exc)),
            form=form,
            rows=rows,
        )
    except DomainError as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        return await _orders_page(
            request,
            session,
            event_id,
            status_code=exc.status,
            error=exc.detail,
            errors=_errors(exc.field_errors),
            form=form,
            rows=rows,
        )
    flash(request, f"Order created ({order.status.value}).")
    return redirect(f"/orders/{order.id}")


def _customer(form: dict[str, str]) -> CustomerIn | None:
    email = form.get("customer_email", "").strip()
    name = form.get("customer_name", "").strip()
    return CustomerIn(email=email or None, name=name or None) if email or name else None


def _errors(problems: list[FieldProblem]) -> dict[str, str]:
    return {p.field: p.message for p in problems}


@router.get(
    "/orders/{order_id}",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_ORDERS)],
)
async def order_page(request: Request, session: SessionDep, order_id: str) -> Response:
    view = await orders.get_order_view(session, parse_id(order_id, "order"))
    event = await orders.get_event(session, view.event_id)
    return render(
        request,
        "order.html",
        order=view,
        event=event,
        statuses=list(OrderStatus),
        refresh=_pending([view]),
    )


@router.post("/orders/{order_id}/status", dependencies=[Allowed(Permission.MANAGE_ORDERS), Csrf])
async def set_status(
    request: Request,
    session: SessionDep,
    order_id: str,
    status: Annotated[OrderStatus, Form()],
) -> Response:
    oid = parse_id(order_id, "order")
    try:
        await orders.set_order_status(session, oid, status)
    except DomainError as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        flash(request, exc.detail, "error")
        return redirect(f"/orders/{oid}")
    flash(request, f"Order is now {status.value}.")
    return redirect(f"/orders/{oid}")


@router.post(
    "/orders/{order_id}/attendees/{attendee_id}/cancel",
    dependencies=[Allowed(Permission.MANAGE_ORDERS), Csrf],
)
async def cancel_attendee(
    request: Request, session: SessionDep, order_id: str, attendee_id: str
) -> Response:
    oid = parse_id(order_id, "order")
    attendee = await orders.cancel_attendee(session, parse_id(attendee_id, "attendee"), oid)
    flash(request, f"{attendee.email} is cancelled; their Zoom registration will be cancelled.")
    return redirect(f"/orders/{oid}")


@router.get(
    "/attendees/{attendee_id}/ticket",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_ORDERS)],
)
async def ticket_page(request: Request, session: SessionDep, attendee_id: str) -> Response:
    ticket = await orders.ticket_view(session, parse_id(attendee_id, "attendee"))
    waiting = ticket.valid and any(
        m.registration_state in WAITING or m.meeting_id is None for m in ticket.meetings
    )
    return render(request, "ticket.html", ticket=ticket, refresh=waiting)


@router.get("/attendees/{attendee_id}/ticket.ics", dependencies=[Allowed(Permission.MANAGE_ORDERS)])
async def ticket_ics(session: SessionDep, attendee_id: str) -> Response:
    body = await ticket_ics_body(session, parse_id(attendee_id, "attendee"))
    return Response(
        body,
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="ticket-{attendee_id}.ics"'},
    )
