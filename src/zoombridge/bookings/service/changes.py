"""Making, changing and cancelling bookings (B1, B4). Everything is checked before anything is
written (a refused request changes nothing); the booking is its meeting's desired state, and
each change is announced (bookings.signals) so notifications emails both sides in the same
transaction. A booking stores what it resolved on the employee row, so the worker hosts the
meeting with the user the booking was checked against."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Booking, BookingStatus, Employee, Service
from zoombridge.bookings.schemas import (
    BookingCreate,
    BookingOut,
    BookingUpdate,
)
from zoombridge.bookings.service.employees import HostMapping, employee_mapping, get_employee_row
from zoombridge.bookings.service.services import field_error, get_service, invalid_field
from zoombridge.bookings.service.views import booking_out, booking_view, get_booking_row
from zoombridge.bookings.signals import (
    BookingCancelled,
    BookingChanged,
    BookingMade,
    booking_cancelled,
    booking_changed,
    booking_made,
)
from zoombridge.connections.models import ZoomConnection
from zoombridge.db.base import utc_now
from zoombridge.errors import Conflict, FieldProblem, InvalidInput
from zoombridge.events.models import LinkState, LinkWant
from zoombridge.kit import shortcodes
from zoombridge.kit.reminder_offsets import check_offsets
from zoombridge.kit.zones import zone_or_utc

# Customer fields the meeting topic/description may show: a change of one the templates use
# must reach Zoom.
_CUSTOMER_SHORTCODES: dict[str, tuple[str, ...]] = {
    "customer_first_name": ("customer_first_name", "customer_name"),
    "customer_last_name": ("customer_last_name", "customer_name"),
    "customer_email": ("customer_email",),
    "customer_phone": ("customer_phone",),
    "notes": ("booking_notes",),
}


async def _lock_employee(session: AsyncSession, employee_id: uuid.UUID) -> Employee | None:
    """The employee row, locked until the transaction ends (PostgreSQL), so two requests
    booking the same employee run their overlap checks one after the other. SQLite takes the
    write lock at BEGIN IMMEDIATE already (and ignores FOR UPDATE)."""
    return await session.scalar(
        select(Employee)
        .where(Employee.id == employee_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _local_span(booking: Booking) -> str:
    zone = zone_or_utc(booking.timezone)
    start = booking.start_at.astimezone(zone)
    end = booking.end_at.astimezone(zone)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{end_text} ({booking.timezone})"


async def _check_free(
    session: AsyncSession,
    employee: Employee,
    start: datetime,
    end: datetime,
    exclude: uuid.UUID | None,
) -> None:
    """Conflict when a confirmed booking of the employee overlaps [start, end); back-to-back
    bookings (one ends as the other starts) do not overlap."""
    query = (
        select(Booking)
        .where(
            Booking.employee_id == employee.id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.start_at < end,
            Booking.end_at > start,
        )
        .order_by(Booking.start_at)
        .limit(1)
    )
    if exclude is not None:
        query = query.where(Booking.id != exclude)
    other = await session.scalar(query)
    if other is not None:
        raise field_error(
            Conflict,
            "start_at",
            f"{employee.name} already has a booking at {_local_span(other)}; choose a time "
            "that does not overlap it.",
        )


async def _check_host(session: AsyncSession, service: Service, employee: Employee) -> HostMapping:
    """The employee's Zoom user for a Zoom-enabled service; InvalidInput on `employee_id`."""
    mapping, connection = await employee_mapping(session, employee)
    if mapping.status != "mapped":
        raise invalid_field(
            "employee_id",
            f"{service.name} creates a Zoom meeting hosted by the employee, but "
            f"{employee.name} has no Zoom user: {mapping.problem}",
        )
    if connection is None or connection.id != service.connection_id:
        wanted = (
            await session.get(ZoomConnection, service.connection_id)
            if service.connection_id is not None
            else None
        )
        wanted_name = wanted.name if wanted is not None else "its connection"
        raise invalid_field(
            "employee_id",
            f"{service.name} creates its meetings with {wanted_name}, but {employee.name} is "
            f"a Zoom user of another connection; map {employee.name} to a Zoom user of "
            f"{wanted_name}.",
        )
    return mapping


def _store_mapping(employee: Employee, mapping: HostMapping) -> None:
    # The booking was checked against this user: the worker must host with the same one.
    employee.zoom_user_id = mapping.zoom_user_id
    employee.zoom_user_email = mapping.zoom_user_email


def _mark_meeting_changed(booking: Booking) -> None:
    """Zoom must see the booking's new state: due at once, from a clean slate."""
    booking.desired_version += 1
    booking.meeting_state = LinkState.PENDING
    booking.not_before = None
    # A create may be in flight (attempts > 0, no meeting id yet): keep the count so the
    # worker looks for that meeting before making another one.
    if booking.zoom_meeting_id is not None:
        booking.attempts = 0


def _check_not_past(start: datetime, now: datetime, allowed: bool) -> None:
    """A booking is made for a time ahead; one in the past only when asked for explicitly."""
    if start < now and not allowed:
        message = (
            f"This start ({start:%Y-%m-%d %H:%M} UTC) has already passed: choose a time ahead, "
            "or send allow_past: true to record a booking that happened (no emails are sent)."
        )
        raise InvalidInput(message, field_errors=[FieldProblem("start_at", message)])


async def create_booking(
    session: AsyncSession, data: BookingCreate, *, now: datetime | None = None
) -> BookingOut:
    now = now or utc_now()
    service = await session.get(Service, data.service_id)
    if service is None:
        raise invalid_field("service_id", "No service with this id.")
    if not service.active:
        raise invalid_field("service_id", f"{service.name} is inactive and cannot be booked.")
    employee = await _lock_employee(session, data.employee_id)
    if employee is None:
        raise invalid_field("employee_id", "No employee with this id.")
    if not employee.active:
        raise invalid_field("employee_id", f"{employee.name} is inactive and cannot be booked.")
    offsets = check_offsets(
        data.reminder_offsets if data.reminder_offsets is not None else service.reminder_offsets
    )
    duration = data.duration_minutes or service.duration_minutes
    start = data.start_at.astimezone(UTC)
    _check_not_past(start, now, data.allow_past)
    end = start + timedelta(minutes=duration)
    mapping = await _check_host(session, service, employee) if service.zoom_enabled else None
    await _check_free(session, employee, start, end, None)

    booking = Booking(
        service_id=service.id,
        employee_id=employee.id,
        status=BookingStatus.CONFIRMED,
        customer_first_name=data.customer_first_name,
        customer_last_name=data.customer_last_name,
        customer_email=data.customer_email.lower(),
        customer_phone=data.customer_phone,
        notes=data.notes,
        start_at=start,
        end_at=end,
        timezone=data.timezone,
        duration_minutes=duration,
        reminder_offsets=offsets,
        version=1,
        desired_version=1,
        synced_version=0,
        attempts=0,
    )
    if mapping is not None:
        _store_mapping(employee, mapping)
        booking.meeting_want = LinkWant.PRESENT
        booking.meeting_state = LinkState.PENDING
        booking.passcode = await _new_passcode(session, service)
    session.add(booking)
    await session.flush()

    await booking_made.send(session, BookingMade(booking, employee, now))
    await session.flush()
    return booking_out(booking, service, employee)


async def _new_passcode(session: AsyncSession, service: Service) -> str | None:
    """B4: 8 cryptographically random digits, unless switched off for the service or for
    the connection's bookings."""
    if not service.passcode_enabled:
        return None
    connection = (
        await session.get(ZoomConnection, service.connection_id)
        if service.connection_id is not None
        else None
    )
    if connection is not None and not connection.booking_passcodes:
        return None
    return f"{secrets.randbelow(10**8):08d}"


def _templates_use(service: Service, changed: set[str]) -> bool:
    used = set(shortcodes.names_in(service.topic_template))
    used |= set(shortcodes.names_in(service.description_template))
    return any(used & set(_CUSTOMER_SHORTCODES[field]) for field in changed)


async def update_booking(
    session: AsyncSession,
    booking_id: uuid.UUID,
    data: BookingUpdate,
    *,
    now: datetime | None = None,
) -> BookingOut:
    """Reschedule (start, duration, time zone), reassign (employee_id) or correct details."""
    now = now or utc_now()
    booking = await get_booking_row(session, booking_id)
    if booking.status is BookingStatus.CANCELLED:
        raise Conflict("This booking is cancelled; make a new booking instead of changing it.")
    service = await get_service(session, booking.service_id)
    old_employee = await get_employee_row(session, booking.employee_id)

    start = data.start_at.astimezone(UTC) if data.start_at is not None else booking.start_at
    if data.start_at is not None and start != booking.start_at:
        _check_not_past(start, now, data.allow_past)
    duration = data.duration_minutes or booking.duration_minutes
    timezone = data.timezone or booking.timezone
    end = start + timedelta(minutes=duration)
    rescheduled = (start, duration, timezone) != (
        booking.start_at,
        booking.duration_minutes,
        booking.timezone,
    )
    reassigned = data.employee_id is not None and data.employee_id != booking.employee_id
    offsets = (
        check_offsets(data.reminder_offsets)
        if data.reminder_offsets is not None
        else list(booking.reminder_offsets)
    )

    employee = old_employee
    mapping: HostMapping | None = None
    if reassigned:
        assert data.employee_id is not None
        found = await _lock_employee(session, data.employee_id)
        if found is None:
            raise invalid_field("employee_id", "No employee with this id.")
        if not found.active:
            raise invalid_field("employee_id", f"{found.name} is inactive and cannot be booked.")
        employee = found
    if reassigned and booking.meeting_want is LinkWant.PRESENT:
        # The meeting moves to the new employee's Zoom user: they must have one.
        mapping = await _check_host(session, service, employee)
    if reassigned or rescheduled:
        if not reassigned:
            await _lock_employee(session, employee.id)
        await _check_free(session, employee, start, end, booking.id)

    # Everything is checked: write.
    changed_customer = {
        field
        for field in _CUSTOMER_SHORTCODES
        if (value := getattr(data, field)) is not None
        and (value.lower() if field == "customer_email" else value) != getattr(booking, field)
    }
    old_customer_email = booking.customer_email
    for field in changed_customer:
        value = getattr(data, field)
        setattr(booking, field, value.lower() if field == "customer_email" else value)
    if rescheduled or reassigned:
        booking.start_at = start
        booking.end_at = end
        booking.duration_minutes = duration
        booking.timezone = timezone
        booking.employee_id = employee.id
        booking.version += 1
    if booking.meeting_want is LinkWant.PRESENT and (
        rescheduled or reassigned or _templates_use(service, changed_customer)
    ):
        if mapping is not None:
            _store_mapping(employee, mapping)
        _mark_meeting_changed(booking)
    offsets_changed = offsets != list(booking.reminder_offsets)
    booking.reminder_offsets = offsets
    await session.flush()

    await booking_changed.send(
        session,
        BookingChanged(
            booking,
            previous_employee=old_employee,
            employee=employee,
            rescheduled=rescheduled,
            reassigned=reassigned,
            previous_customer_email=old_customer_email,
            reminder_offsets_changed=offsets_changed,
            now=now,
        ),
    )
    await session.flush()
    return booking_out(booking, service, employee)


async def cancel_booking(
    session: AsyncSession, booking_id: uuid.UUID, *, now: datetime | None = None
) -> BookingOut:
    """Cancel (delete) a booking: its meeting is to be deleted, both sides are told, its
    unsent emails and planned reminders are dropped. The row stays, as history."""
    booking = await get_booking_row(session, booking_id)
    if booking.status is BookingStatus.CANCELLED:
        raise Conflict("This booking is cancelled already.")
    service = await get_service(session, booking.service_id)
    employee = await get_employee_row(session, booking.employee_id)
    booking.status = BookingStatus.CANCELLED
    if booking.meeting_want is not None:
        booking.meeting_want = LinkWant.ABSENT
        _mark_meeting_changed(booking)
    await session.flush()
    await booking_cancelled.send(session, BookingCancelled(booking, employee))
    await session.flush()
    return booking_out(booking, service, employee)


async def request_sync(session: AsyncSession, booking_id: uuid.UUID) -> BookingOut:
    """ "Sync now": a pending or failed meeting is due at once (a failed one is tried again)."""
    booking = await get_booking_row(session, booking_id)
    if booking.meeting_state in (LinkState.PENDING, LinkState.FAILED):
        booking.meeting_state = LinkState.PENDING
        booking.not_before = None
        booking.attempts = 0
        await session.flush()
    return await booking_view(session, booking)
