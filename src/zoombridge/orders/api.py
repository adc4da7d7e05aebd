"""REST API for orders, attendees, tickets and CSV (O1–O9), under `/api/v1`.

POSTs that create orders (and the CSV bulk import) honour `Idempotency-Key`: a retry with the
same key and body gets the first answer again; see `zoombridge.accounts.idempotency`.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from zoombridge.accounts import idempotency
from zoombridge.accounts.deps import TokenDep, requires
from zoombridge.accounts.idempotent import IdempotencyKey, answer_once
from zoombridge.accounts.permissions import Permission
from zoombridge.errors import FieldProblem, InvalidInput
from zoombridge.kit.http import SessionDep, writes_late
from zoombridge.kit.pages import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from zoombridge.orders import bulk, intake, listing, service
from zoombridge.orders.csv_io import export_attendees_csv, import_attendees_csv
from zoombridge.orders.ics import ticket_ics
from zoombridge.orders.models import OrderStatus, RegistrationState
from zoombridge.orders.reach import api_order_in_reach
from zoombridge.orders.schemas import (
    AttendeeListItem,
    AttendeeStatus,
    BulkOrdersIn,
    BulkOrdersOut,
    ImportResult,
    OrderCreate,
    OrderOut,
    OrderStatusUpdate,
    TicketOut,
)
from zoombridge.orders.tickets import find_attendee

# A department admin reaches the orders, attendees and tickets of its departments' events only.
router = APIRouter(prefix="/api/v1", tags=["orders"], dependencies=[Depends(api_order_in_reach)])


@router.post(
    "/events/{event_id}/orders",
    status_code=201,
    response_model=OrderOut,
    summary="Create an order (only `completed` registers its attendees on Zoom)",
    dependencies=[requires(Permission.MANAGE_ORDERS)],
)
@writes_late
async def create_order(
    event_id: uuid.UUID,
    data: OrderCreate,
    request: Request,
    session: SessionDep,
    token: TokenDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    # The parsed body, not its bytes: a retry that formats the same JSON differently matches.
    request_hash = idempotency.fingerprint(
        "POST", request.url.path, data.model_dump_json().encode()
    )

    async def work() -> tuple[int, Any]:
        _, view = await intake.create_order(session, event_id, data)
        return 201, view.model_dump(mode="json")

    return await answer_once(session, token, idempotency_key, request_hash, work)


_BULK_DESCRIPTION = (
    "Up to 1,000 orders (10,000 attendees) in one request, stored in one transaction, with a "
    "result per order: `created`, `replayed` (its `idempotency_key` was answered before) or "
    "`refused` with its field errors. Each order is judged on its own, by the same rules as a "
    "single order; one bad order never holds up the others. The way a shop or a migration "
    "sends many orders."
)


@router.post(
    "/orders/bulk",
    response_model=BulkOrdersOut,
    summary="Create many orders at once, across events (each order names its event_id)",
    description=_BULK_DESCRIPTION,
    dependencies=[requires(Permission.MANAGE_ORDERS)],
)
@writes_late
async def create_orders_in_bulk(
    data: BulkOrdersIn, session: SessionDep, token: TokenDep
) -> Response:
    return _bulk_answer(await bulk.create_orders(session, token.id, data.orders))


@router.post(
    "/events/{event_id}/orders/bulk",
    response_model=BulkOrdersOut,
    summary="Create many orders of one event at once",
    description=_BULK_DESCRIPTION,
    dependencies=[requires(Permission.MANAGE_ORDERS)],
)
@writes_late
async def create_event_orders_in_bulk(
    event_id: uuid.UUID, data: BulkOrdersIn, session: SessionDep, token: TokenDep
) -> Response:
    answer = await bulk.create_orders(session, token.id, data.orders, default_event=event_id)
    return _bulk_answer(answer)


def _bulk_answer(answer: BulkOrdersOut) -> Response:
    # Serialised by pydantic in one go: the generic path (to a dict, then json.dumps) costs
    # several milliseconds for a thousand orders. The response model still documents it.
    return Response(answer.model_dump_json(), media_type="application/json")


@router.get(
    "/events/{event_id}/orders",
    dependencies=[requires(Permission.MANAGE_ORDERS)],
)
async def list_orders(
    event_id: uuid.UUID,
    session: SessionDep,
    _: TokenDep,
    status: OrderStatus | None = None,
    q: Annotated[
        str | None,
        Query(max_length=255, description="reference, or a customer's or attendee's name or email"),
    ] = None,
    created_from: Annotated[date | None, Query(description="created on or after (UTC day)")] = None,
    created_to: Annotated[date | None, Query(description="created on or before (UTC day)")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[OrderOut]:
    """The event's orders, newest first, with attendees and their registrations."""
    filters = listing.OrderFilters(status, q, created_from, created_to)
    return await listing.list_orders(session, event_id, filters, cursor=cursor, limit=limit)


@router.get(
    "/events/{event_id}/attendees",
    dependencies=[requires(Permission.MANAGE_ORDERS)],
)
async def list_attendees(
    event_id: uuid.UUID,
    session: SessionDep,
    _: TokenDep,
    status: AttendeeStatus | None = None,
    q: Annotated[
        str | None, Query(max_length=255, description="name, email or ticket code")
    ] = None,
    registration: Annotated[
        RegistrationState | None, Query(description="with a registration in this state")
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[AttendeeListItem]:
    """The event's attendees by email, each with their order and registrations."""
    filters = listing.AttendeeFilters(status, q, registration)
    return await listing.list_attendees(session, event_id, filters, cursor=cursor, limit=limit)


@router.get(
    "/orders/{order_id}", response_model=OrderOut, dependencies=[requires(Permission.MANAGE_ORDERS)]
)
async def get_order(order_id: uuid.UUID, session: SessionDep, _: TokenDep) -> OrderOut:
    return await service.get_order_view(session, order_id)


@router.patch(
    "/orders/{order_id}",
    response_model=OrderOut,
    summary="Change an order's status (completed registers; cancelled/refunded cancel)",
    dependencies=[requires(Permission.MANAGE_ORDERS)],
)
async def update_order(
    order_id: uuid.UUID, data: OrderStatusUpdate, session: SessionDep, _: TokenDep
) -> OrderOut:
    await service.set_order_status(session, order_id, data.status)
    return await service.get_order_view(session, order_id)


@router.post(
    "/orders/{order_id}/attendees/{attendee_id}/cancel",
    response_model=OrderOut,
    summary="Cancel one attendee alone (their Zoom registrations are cancelled)",
    dependencies=[requires(Permission.MANAGE_ORDERS)],
)
async def cancel_attendee(
    order_id: uuid.UUID, attendee_id: uuid.UUID, session: SessionDep, _: TokenDep
) -> OrderOut:
    await service.cancel_attendee(session, attendee_id, order_id)
    return await service.get_order_view(session, order_id)


@router.get(
    "/attendees/{attendee}/ticket",
    response_model=TicketOut,
    summary="The ticket (by attendee id or ticket code): meeting details and own join link",
    dependencies=[requires(Permission.MANAGE_ORDERS)],
)
async def get_ticket(attendee: str, session: SessionDep, _: TokenDep) -> TicketOut:
    found = await find_attendee(session, attendee)
    return await service.ticket_view(session, found.id)


@router.get(
    "/attendees/{attendee}/ticket.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
    summary="The ticket as an iCalendar file with reminders 1 week, 1 day and 1 hour before",
    dependencies=[requires(Permission.MANAGE_ORDERS)],
)
async def get_ticket_ics(attendee: str, session: SessionDep, _: TokenDep) -> Response:
    found = await find_attendee(session, attendee)
    return Response(
        await ticket_ics(session, found.id),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ticket-{found.ticket_code}.ics"'},
    )


@router.get(
    "/events/{event_id}/attendees.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Export attendees as CSV",
    dependencies=[requires(Permission.MANAGE_ORDERS)],
)
async def export_attendees(
    event_id: uuid.UUID,
    session: SessionDep,
    _: TokenDep,
    include_unpaid: Annotated[
        bool, Query(description="also attendees of pending, processing and on-hold orders")
    ] = False,
    include_billing: Annotated[
        bool, Query(description="add paid, customer and billing_* columns")
    ] = False,
) -> Response:
    text = await export_attendees_csv(
        session, event_id, include_unpaid=include_unpaid, include_billing=include_billing
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="attendees-{event_id}.csv"'},
    )


@router.post(
    "/events/{event_id}/attendees.csv",
    response_model=ImportResult,
    summary="Bulk registration: a CSV of attendees becomes one completed order",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "email,first_name,last_name\nada@example.com,Ada,Lovelace\n",
                }
            },
        }
    },
    dependencies=[requires(Permission.MANAGE_ORDERS)],
)
async def import_attendees(
    event_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    token: TokenDep,
    reference: Annotated[
        str | None, Query(max_length=100, description="order reference for the upload")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        message = "The file must be UTF-8 text (save the spreadsheet as 'CSV UTF-8')."
        raise InvalidInput(message, field_errors=[FieldProblem("file", message)]) from None
    request_hash = idempotency.fingerprint("POST", str(request.url.path) + f"?{reference}", raw)

    async def work() -> tuple[int, Any]:
        result = await import_attendees_csv(session, event_id, text, reference=reference)
        return 200, result.model_dump(mode="json")

    return await answer_once(session, token, idempotency_key, request_hash, work)
