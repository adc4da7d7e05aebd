"""REST API for services, employees and bookings (B1–B5), under `/api/v1`.

Nothing here waits for Zoom: a booking's meeting is desired state the worker applies; answers
show what Zoom last confirmed (`meeting.synced`). POST /bookings honours `Idempotency-Key` as
order creation does: a retry with the same key and body gets the first answer again.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from zoombridge.accounts import idempotency
from zoombridge.accounts.deps import TokenDep, requires
from zoombridge.accounts.idempotent import IdempotencyKey, answer_once
from zoombridge.accounts.permissions import Permission
from zoombridge.bookings import service
from zoombridge.bookings.models import BookingStatus
from zoombridge.bookings.schemas import (
    BookingCreate,
    BookingOut,
    BookingUpdate,
    EmployeeCreate,
    EmployeeOut,
    EmployeeUpdate,
    ServiceCreate,
    ServiceOut,
    ServiceUpdate,
)
from zoombridge.connections.schemas import ZoomHostRead
from zoombridge.kit.http import SessionDep
from zoombridge.kit.pages import (
    DEFAULT_LIMIT,
    SHORT_LIST_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    ShortLimitQuery,
    page_of,
)

router = APIRouter(prefix="/api/v1", tags=["bookings"])


# Services


@router.get(
    "/services",
    summary="List the services customers can book",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def list_services(
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[ServiceOut]:
    rows = [ServiceOut.model_validate(s) for s in await service.list_services(session)]
    return page_of(rows, cursor=cursor, limit=limit)


@router.post(
    "/services",
    status_code=201,
    summary="Create a service (Zoom-enabled ones create a meeting per booking)",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def create_service(data: ServiceCreate, session: SessionDep, _: TokenDep) -> ServiceOut:
    return ServiceOut.model_validate(await service.create_service(session, data))


@router.get(
    "/services/{service_id}",
    summary="One service",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def get_service(service_id: uuid.UUID, session: SessionDep, _: TokenDep) -> ServiceOut:
    return ServiceOut.model_validate(await service.get_service(session, service_id))


@router.patch(
    "/services/{service_id}",
    summary="Change a service (templates are checked)",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def update_service(
    service_id: uuid.UUID, data: ServiceUpdate, session: SessionDep, _: TokenDep
) -> ServiceOut:
    return ServiceOut.model_validate(await service.update_service(session, service_id, data))


# Employees


@router.get(
    "/employees",
    summary="List employees with their Zoom user mapping",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def list_employees(
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[EmployeeOut]:
    return page_of(await service.list_employees(session), cursor=cursor, limit=limit)


@router.post(
    "/employees",
    status_code=201,
    summary="Add an employee (mapped to the Zoom user with their email unless one is picked)",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def create_employee(data: EmployeeCreate, session: SessionDep, _: TokenDep) -> EmployeeOut:
    return await service.create_employee(session, data)


@router.get(
    "/employees/zoom-users",
    summary="The Zoom users (fetched hosts) of a connection an employee can be mapped to",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def zoom_users(
    connection_id: Annotated[uuid.UUID, Query()],
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[ZoomHostRead]:
    hosts = await service.zoom_user_choices(session, connection_id)
    return page_of(
        [ZoomHostRead.from_model(h) for h in hosts],
        cursor=cursor,
        limit=limit,
        filters={"connection": connection_id},
    )


@router.get(
    "/employees/{employee_id}",
    summary="One employee",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def get_employee(employee_id: uuid.UUID, session: SessionDep, _: TokenDep) -> EmployeeOut:
    return await service.get_employee(session, employee_id)


@router.patch(
    "/employees/{employee_id}",
    summary="Change an employee or their Zoom user",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def update_employee(
    employee_id: uuid.UUID, data: EmployeeUpdate, session: SessionDep, _: TokenDep
) -> EmployeeOut:
    return await service.update_employee(session, employee_id, data)


# Bookings


@router.get(
    "/bookings",
    summary="List bookings, soonest first",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def list_bookings(
    session: SessionDep,
    _: TokenDep,
    status: BookingStatus | None = None,
    q: Annotated[
        str | None,
        Query(max_length=255, description="the customer's name or email, a service or employee"),
    ] = None,
    start_from: Annotated[date | None, Query(description="starting on or after (UTC day)")] = None,
    start_to: Annotated[date | None, Query(description="starting on or before (UTC day)")] = None,
    employee_id: uuid.UUID | None = None,
    service_id: uuid.UUID | None = None,
    upcoming: Annotated[bool, Query(description="only confirmed ones not ended yet")] = False,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[BookingOut]:
    filters = service.BookingFilters(
        status, q, start_from, start_to, employee_id, service_id, upcoming
    )
    return await service.list_bookings(session, filters, cursor=cursor, limit=limit)


@router.post(
    "/bookings",
    status_code=201,
    response_model=BookingOut,
    summary="Book a service with an employee (a Zoom-enabled service gets its own meeting)",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def create_booking(
    data: BookingCreate,
    request: Request,
    session: SessionDep,
    token: TokenDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def work() -> tuple[int, Any]:
        booking = await service.create_booking(session, data)
        return 201, booking.model_dump(mode="json")

    # The parsed body, not its bytes: a retry that formats the same JSON differently matches.
    request_hash = idempotency.fingerprint(
        "POST", request.url.path, data.model_dump_json().encode()
    )
    return await answer_once(session, token, idempotency_key, request_hash, work)


@router.get(
    "/bookings/{booking_id}",
    summary="One booking with its meeting's state",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def get_booking(booking_id: uuid.UUID, session: SessionDep, _: TokenDep) -> BookingOut:
    return await service.get_booking(session, booking_id)


@router.patch(
    "/bookings/{booking_id}",
    summary="Reschedule, reassign to another employee, or correct a booking's details",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def update_booking(
    booking_id: uuid.UUID, data: BookingUpdate, session: SessionDep, _: TokenDep
) -> BookingOut:
    return await service.update_booking(session, booking_id, data)


@router.delete(
    "/bookings/{booking_id}",
    summary="Cancel a booking (its meeting is deleted; both sides are told); answers the booking",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def cancel_booking(booking_id: uuid.UUID, session: SessionDep, _: TokenDep) -> BookingOut:
    return await service.cancel_booking(session, booking_id)


@router.post(
    "/bookings/{booking_id}/sync",
    status_code=202,
    summary="Sync now: the booking's pending or failed meeting is tried at once",
    dependencies=[requires(Permission.MANAGE_BOOKINGS)],
)
async def sync_booking(booking_id: uuid.UUID, session: SessionDep, _: TokenDep) -> BookingOut:
    return await service.request_sync(session, booking_id)
