"""The bookings list: soonest first, filtered by status, day range, employee and service,
searched by the customer's name or email (or the service's or employee's name), a page at a
time (see `zoombridge.kit.pages`)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Booking, BookingStatus, Employee, Service
from zoombridge.bookings.schemas import BookingOut
from zoombridge.bookings.service.views import booking_out
from zoombridge.kit.filtering import in_days, matches, search_words
from zoombridge.kit.pages import Page, paginate


@dataclass(frozen=True)
class BookingFilters:
    """Every field optional. Days are whole UTC days, inclusive; `upcoming` keeps the confirmed
    bookings that have not ended yet."""

    status: BookingStatus | None = None
    q: str | None = None
    start_from: date | None = None
    start_to: date | None = None
    employee_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    upcoming: bool = False

    def as_dict(self) -> dict[str, object]:
        return {k: (v or None) if k == "upcoming" else v for k, v in asdict(self).items()}


async def list_bookings(
    session: AsyncSession,
    filters: BookingFilters | None = None,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[BookingOut]:
    """Bookings, soonest first, with their service, employee and meeting state."""
    filters = filters or BookingFilters()
    statement = select(Booking)
    if filters.status is not None:
        statement = statement.where(Booking.status == filters.status)
    if filters.upcoming:
        statement = statement.where(
            Booking.status == BookingStatus.CONFIRMED, Booking.end_at >= datetime.now(UTC)
        )
    if filters.employee_id is not None:
        statement = statement.where(Booking.employee_id == filters.employee_id)
    if filters.service_id is not None:
        statement = statement.where(Booking.service_id == filters.service_id)
    if text := search_words(filters.q):
        statement = statement.where(
            or_(
                matches(
                    text,
                    Booking.customer_email,
                    Booking.customer_first_name,
                    Booking.customer_last_name,
                    Booking.customer_first_name + " " + Booking.customer_last_name,
                ),
                exists().where(Service.id == Booking.service_id, matches(text, Service.name)),
                exists().where(Employee.id == Booking.employee_id, matches(text, Employee.name)),
            )
        )
    statement = statement.where(*in_days(Booking.start_at, filters.start_from, filters.start_to))
    rows, next_cursor, total = await paginate(
        session,
        statement,
        (Booking.start_at, Booking.id),
        cursor=cursor,
        limit=limit,
        filters=filters.as_dict(),
    )
    services = {
        s.id: s
        for s in await session.scalars(
            select(Service).where(Service.id.in_({b.service_id for b in rows}))
        )
    }
    employees = {
        e.id: e
        for e in await session.scalars(
            select(Employee).where(Employee.id.in_({b.employee_id for b in rows}))
        )
    }
    items = [booking_out(b, services[b.service_id], employees[b.employee_id]) for b in rows]
    return Page(items=items, next_cursor=next_cursor, total=total)
