"""Reading one booking with its service, its employee and the state of its meeting (the list
is `listing`)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Booking, Employee, Service
from zoombridge.bookings.schemas import (
    BookingMeetingOut,
    BookingOut,
)
from zoombridge.bookings.service.employees import get_employee_row
from zoombridge.bookings.service.services import get_service
from zoombridge.errors import NotFoundError


def _meeting_out(booking: Booking, employee: Employee) -> BookingMeetingOut | None:
    if booking.meeting_want is None or booking.meeting_state is None:
        return None
    return BookingMeetingOut(
        want=booking.meeting_want,
        state=booking.meeting_state,
        zoom_meeting_id=booking.zoom_meeting_id,
        zoom_host_id=booking.zoom_host_id,
        # The host by name and email as the employee's Zoom user is known (not a raw user id).
        zoom_host=f"{employee.name} <{employee.zoom_user_email}>"
        if employee.zoom_user_email
        else employee.name,
        join_url=booking.join_url,
        passcode=booking.passcode,
        last_error=booking.last_error,
        synced=booking.synced_version >= booking.desired_version,
    )


def booking_out(booking: Booking, service: Service, employee: Employee) -> BookingOut:
    return BookingOut(
        id=booking.id,
        service_id=booking.service_id,
        service_name=service.name,
        employee_id=booking.employee_id,
        employee_name=employee.name,
        status=booking.status,
        customer_first_name=booking.customer_first_name,
        customer_last_name=booking.customer_last_name,
        customer_name=booking.customer_name,
        customer_email=booking.customer_email,
        customer_phone=booking.customer_phone,
        notes=booking.notes,
        start_at=booking.start_at,
        end_at=booking.end_at,
        timezone=booking.timezone,
        duration_minutes=booking.duration_minutes,
        reminder_offsets=list(booking.reminder_offsets),
        version=booking.version,
        meeting=_meeting_out(booking, employee),
        created_at=booking.created_at,
        updated_at=booking.updated_at,
    )


async def get_booking_row(session: AsyncSession, booking_id: uuid.UUID) -> Booking:
    booking = await session.get(Booking, booking_id)
    if booking is None:
        raise NotFoundError(f"No booking with id {booking_id}.")
    return booking


async def booking_view(session: AsyncSession, booking: Booking) -> BookingOut:
    service = await get_service(session, booking.service_id)
    employee = await get_employee_row(session, booking.employee_id)
    return booking_out(booking, service, employee)


async def get_booking(session: AsyncSession, booking_id: uuid.UUID) -> BookingOut:
    return await booking_view(session, await get_booking_row(session, booking_id))
