"""Services, employees and bookings (B1–B5): validation, Zoom desired state, emails, reminders.

Nothing here calls Zoom. A booking of a Zoom-enabled service is its meeting's desired state
(see `bookings.models`): each change Zoom must see bumps `desired_version` and makes the row due;
the worker creates, updates, moves or deletes the meeting. Emails and reminders are written in
the same transaction as the change they announce, and every refusal happens before anything is
written, so a refused request changes nothing.

An employee's Zoom user is worked out when read, from the connection's fetched hosts as they are
now (a later fetch may add or remove the user): an explicit pick must still be among them; with
none, the host whose email is the employee's. A booking stores what it resolved on the employee
row, so the worker hosts the meeting with the user the booking was checked against.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Booking, BookingStatus, Employee, Service
from zoombridge.bookings.schemas import (
    BookingCreate,
    BookingMeetingOut,
    BookingOut,
    BookingUpdate,
    EmployeeCreate,
    EmployeeOut,
    EmployeeUpdate,
    ServiceCreate,
    ServiceUpdate,
    ZoomStatus,
)
from zoombridge.connections.models import ZoomConnection, ZoomHost
from zoombridge.db.base import utc_now
from zoombridge.errors import Conflict, DomainError, FieldProblem, InvalidInput, NotFoundError
from zoombridge.events.models import LinkState, LinkWant
from zoombridge.notifications import outbox, reminders, shortcodes
from zoombridge.notifications.defaults import BOOKING_MEETING
from zoombridge.notifications.models import Audience, EmailState, OutboundEmail

# Customer fields the meeting topic/description may show: a change of one the templates use
# must reach Zoom.
_CUSTOMER_SHORTCODES: dict[str, tuple[str, ...]] = {
    "customer_first_name": ("customer_first_name", "customer_name"),
    "customer_last_name": ("customer_last_name", "customer_name"),
    "customer_email": ("customer_email",),
    "customer_phone": ("customer_phone",),
    "notes": ("booking_notes",),
}


def _field_error(exc_type: type[DomainError], field: str, message: str) -> DomainError:
    return exc_type(message, field_errors=[FieldProblem(field, message)])


# ---------------------------------------------------------------------------------------------
# Services


async def list_services(session: AsyncSession) -> list[Service]:
    return list(await session.scalars(select(Service).order_by(Service.name)))


async def get_service(session: AsyncSession, service_id: uuid.UUID) -> Service:
    service = await session.get(Service, service_id)
    if service is None:
        raise NotFoundError(f"No service with id {service_id}.")
    return service


@dataclass
class _ServiceFields:
    name: str
    zoom_enabled: bool
    connection_id: uuid.UUID | None
    topic_template: str
    description_template: str
    reminder_offsets: list[str]


async def _check_service(
    session: AsyncSession, fields: _ServiceFields, service_id: uuid.UUID | None
) -> list[str]:
    """Every problem of the service's fields at once; the canonical reminder offsets."""
    problems: list[FieldProblem] = []
    taken = await session.scalar(
        select(Service.id).where(Service.name == fields.name, Service.id != service_id)
        if service_id is not None
        else select(Service.id).where(Service.name == fields.name)
    )
    if taken is not None:
        raise _field_error(
            Conflict, "name", f"A service named {fields.name!r} exists already; choose another."
        )
    if fields.connection_id is not None:
        if await session.get(ZoomConnection, fields.connection_id) is None:
            problems.append(FieldProblem("connection_id", "No Zoom connection with this id."))
    elif fields.zoom_enabled:
        problems.append(
            FieldProblem(
                "connection_id",
                "A Zoom-enabled service needs a Zoom connection to create its meetings with.",
            )
        )
    offsets: list[str] = []
    try:
        shortcodes.check(
            {
                "topic_template": (fields.topic_template, BOOKING_MEETING),
                "description_template": (fields.description_template, BOOKING_MEETING),
            }
        )
    except InvalidInput as exc:
        problems.extend(exc.field_errors)
    try:
        offsets = reminders.check_offsets(fields.reminder_offsets)
    except InvalidInput as exc:
        problems.extend(exc.field_errors)
    if problems:
        raise InvalidInput(" ".join(p.message for p in problems), field_errors=problems)
    return offsets


async def create_service(session: AsyncSession, data: ServiceCreate) -> Service:
    offsets = await _check_service(
        session,
        _ServiceFields(
            data.name,
            data.zoom_enabled,
            data.connection_id,
            data.topic_template,
            data.description_template,
            data.reminder_offsets,
        ),
        None,
    )
    service = Service(
        name=data.name,
        description=data.description,
        duration_minutes=data.duration_minutes,
        zoom_enabled=data.zoom_enabled,
        connection_id=data.connection_id,
        topic_template=data.topic_template,
        description_template=data.description_template,
        passcode_enabled=data.passcode_enabled,
        reminder_offsets=offsets,
        active=True,
    )
    session.add(service)
    await session.flush()
    return service


async def update_service(
    session: AsyncSession, service_id: uuid.UUID, data: ServiceUpdate
) -> Service:
    """Change a service; existing bookings keep their duration, reminders and meeting."""
    service = await get_service(session, service_id)
    connection_id = (
        data.connection_id if "connection_id" in data.model_fields_set else service.connection_id
    )
    fields = _ServiceFields(
        data.name if data.name is not None else service.name,
        data.zoom_enabled if data.zoom_enabled is not None else service.zoom_enabled,
        connection_id,
        data.topic_template if data.topic_template is not None else service.topic_template,
        data.description_template
        if data.description_template is not None
        else service.description_template,
        data.reminder_offsets if data.reminder_offsets is not None else service.reminder_offsets,
    )
    offsets = await _check_service(session, fields, service.id)
    service.name = fields.name
    service.zoom_enabled = fields.zoom_enabled
    service.connection_id = fields.connection_id
    service.topic_template = fields.topic_template
    service.description_template = fields.description_template
    service.reminder_offsets = offsets
    if data.description is not None:
        service.description = data.description
    if data.duration_minutes is not None:
        service.duration_minutes = data.duration_minutes
    if data.passcode_enabled is not None:
        service.passcode_enabled = data.passcode_enabled
    if data.active is not None:
        service.active = data.active
    await session.flush()
    return service


# ---------------------------------------------------------------------------------------------
# Employees and their Zoom users


@dataclass(frozen=True)
class _Mapping:
    status: ZoomStatus
    zoom_user_id: str | None
    zoom_user_email: str | None
    problem: str | None


async def _hosts(session: AsyncSession, connection_id: uuid.UUID) -> list[ZoomHost]:
    return list(
        await session.scalars(
            select(ZoomHost)
            .where(ZoomHost.connection_id == connection_id)
            .order_by(ZoomHost.email, ZoomHost.zoom_user_id)
        )
    )


def _match(
    name: str,
    email: str,
    zoom_user_id: str | None,
    connection: ZoomConnection | None,
    hosts: Sequence[ZoomHost],
) -> _Mapping:
    """The Zoom user of an employee as the fetched hosts are now."""
    if connection is None:
        return _Mapping(
            "no_connection",
            None,
            None,
            f"{name} has no Zoom connection: choose one to let them host Zoom meetings.",
        )
    if zoom_user_id is not None:
        for host in hosts:
            if host.zoom_user_id == zoom_user_id:
                return _Mapping("mapped", host.zoom_user_id, host.email.lower(), None)
        return _Mapping(
            "unmapped",
            None,
            None,
            f"The Zoom user {zoom_user_id} is no longer among the fetched hosts of "
            f"{connection.name}; fetch hosts again or pick another Zoom user.",
        )
    for host in hosts:
        if host.email.lower() == email.lower():
            return _Mapping("mapped", host.zoom_user_id, host.email.lower(), None)
    if not hosts:
        problem = (
            f"The Zoom users of {connection.name} have not been fetched yet; fetch hosts, then "
            f"pick a Zoom user for {name}."
        )
    else:
        problem = (
            f"No Zoom user of {connection.name} has the email {email}; fetch hosts or pick a "
            "Zoom user."
        )
    return _Mapping("unmapped", None, None, problem)


async def _mapping(
    session: AsyncSession, employee: Employee
) -> tuple[_Mapping, ZoomConnection | None]:
    connection = (
        await session.get(ZoomConnection, employee.connection_id)
        if employee.connection_id is not None
        else None
    )
    hosts = await _hosts(session, connection.id) if connection is not None else []
    found = _match(employee.name, employee.email, employee.zoom_user_id, connection, hosts)
    return found, connection


def _employee_out(employee: Employee, mapping: _Mapping) -> EmployeeOut:
    return EmployeeOut(
        id=employee.id,
        name=employee.name,
        email=employee.email,
        connection_id=employee.connection_id,
        zoom_user_id=mapping.zoom_user_id or employee.zoom_user_id,
        zoom_user_email=mapping.zoom_user_email or employee.zoom_user_email,
        active=employee.active,
        zoom_status=mapping.status,
        zoom_problem=mapping.problem,
    )


async def _get_employee_row(session: AsyncSession, employee_id: uuid.UUID) -> Employee:
    employee = await session.get(Employee, employee_id)
    if employee is None:
        raise NotFoundError(f"No employee with id {employee_id}.")
    return employee


async def list_employees(session: AsyncSession) -> list[EmployeeOut]:
    employees = list(await session.scalars(select(Employee).order_by(Employee.name)))
    connections = {c.id: c for c in await session.scalars(select(ZoomConnection))}
    hosts: dict[uuid.UUID, list[ZoomHost]] = {}
    for host in await session.scalars(select(ZoomHost).order_by(ZoomHost.email)):
        hosts.setdefault(host.connection_id, []).append(host)
    out: list[EmployeeOut] = []
    for employee in employees:
        connection = connections.get(employee.connection_id) if employee.connection_id else None
        mapping = _match(
            employee.name,
            employee.email,
            employee.zoom_user_id,
            connection,
            hosts.get(connection.id, []) if connection is not None else [],
        )
        out.append(_employee_out(employee, mapping))
    return out


async def get_employee(session: AsyncSession, employee_id: uuid.UUID) -> EmployeeOut:
    employee = await _get_employee_row(session, employee_id)
    mapping, _ = await _mapping(session, employee)
    return _employee_out(employee, mapping)


async def _pick_zoom_user(
    session: AsyncSession,
    name: str,
    email: str,
    connection_id: uuid.UUID | None,
    zoom_user_id: str | None,
) -> _Mapping:
    """The mapping to store for these fields; InvalidInput for an unknown connection or user."""
    if connection_id is None:
        if zoom_user_id is not None:
            raise invalid_field(
                "zoom_user_id", "Choose the Zoom connection first, then one of its Zoom users."
            )
        return _match(name, email, None, None, [])
    connection = await session.get(ZoomConnection, connection_id)
    if connection is None:
        raise invalid_field("connection_id", "No Zoom connection with this id.")
    hosts = await _hosts(session, connection.id)
    mapping = _match(name, email, zoom_user_id, connection, hosts)
    if zoom_user_id is not None and mapping.status != "mapped":
        raise invalid_field(
            "zoom_user_id",
            f"{zoom_user_id} is not among the fetched Zoom users of {connection.name}; fetch "
            "hosts and pick one of them.",
        )
    return mapping


def invalid_field(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, field_errors=[FieldProblem(field, message)])


async def _check_email_free(
    session: AsyncSession, email: str, employee_id: uuid.UUID | None
) -> None:
    query = select(Employee.id).where(Employee.email == email)
    if employee_id is not None:
        query = query.where(Employee.id != employee_id)
    if await session.scalar(query) is not None:
        raise _field_error(
            Conflict, "email", f"Another employee has the email {email}; emails must be unique."
        )


async def create_employee(session: AsyncSession, data: EmployeeCreate) -> EmployeeOut:
    email = data.email.lower()
    await _check_email_free(session, email, None)
    mapping = await _pick_zoom_user(
        session, data.name, email, data.connection_id, data.zoom_user_id
    )
    employee = Employee(
        name=data.name,
        email=email,
        connection_id=data.connection_id,
        # An explicit pick is stored; an email match is stored too (as matched now) so the
        # worker knows the host; an unmatched employee stays unmapped and is flagged.
        zoom_user_id=mapping.zoom_user_id,
        zoom_user_email=mapping.zoom_user_email,
        active=True,
    )
    session.add(employee)
    await session.flush()
    return _employee_out(employee, mapping)


async def update_employee(
    session: AsyncSession, employee_id: uuid.UUID, data: EmployeeUpdate
) -> EmployeeOut:
    employee = await _get_employee_row(session, employee_id)
    name = data.name if data.name is not None else employee.name
    email = data.email.lower() if data.email is not None else employee.email
    if email != employee.email:
        await _check_email_free(session, email, employee.id)
    sent = data.model_fields_set
    connection_id = data.connection_id if "connection_id" in sent else employee.connection_id
    remap = (
        "zoom_user_id" in sent
        or connection_id != employee.connection_id
        # A user matched by the old email follows the email; an explicit pick stays.
        or (email != employee.email and employee.zoom_user_email == employee.email)
        or employee.zoom_user_id is None
    )
    if remap:
        wanted = data.zoom_user_id if "zoom_user_id" in sent else None
        mapping = await _pick_zoom_user(session, name, email, connection_id, wanted)
        employee.zoom_user_id = mapping.zoom_user_id
        employee.zoom_user_email = mapping.zoom_user_email
    employee.name = name
    employee.email = email
    employee.connection_id = connection_id
    if data.active is not None:
        employee.active = data.active
    await session.flush()
    mapping, _ = await _mapping(session, employee)
    return _employee_out(employee, mapping)


async def zoom_user_choices(session: AsyncSession, connection_id: uuid.UUID) -> list[ZoomHost]:
    """The connection's fetched hosts, which an employee can be mapped to."""
    if await session.get(ZoomConnection, connection_id) is None:
        raise NotFoundError(f"No Zoom connection with id {connection_id}.")
    return await _hosts(session, connection_id)


# ---------------------------------------------------------------------------------------------
# Bookings: views


def _meeting_out(booking: Booking) -> BookingMeetingOut | None:
    if booking.meeting_want is None or booking.meeting_state is None:
        return None
    return BookingMeetingOut(
        want=booking.meeting_want,
        state=booking.meeting_state,
        zoom_meeting_id=booking.zoom_meeting_id,
        zoom_host_id=booking.zoom_host_id,
        join_url=booking.join_url,
        passcode=booking.passcode,
        last_error=booking.last_error,
        synced=booking.synced_version >= booking.desired_version,
    )


def _booking_out(booking: Booking, service: Service, employee: Employee) -> BookingOut:
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
        meeting=_meeting_out(booking),
        created_at=booking.created_at,
        updated_at=booking.updated_at,
    )


async def _get_booking_row(session: AsyncSession, booking_id: uuid.UUID) -> Booking:
    booking = await session.get(Booking, booking_id)
    if booking is None:
        raise NotFoundError(f"No booking with id {booking_id}.")
    return booking


async def _view(session: AsyncSession, booking: Booking) -> BookingOut:
    service = await get_service(session, booking.service_id)
    employee = await _get_employee_row(session, booking.employee_id)
    return _booking_out(booking, service, employee)


async def list_bookings(
    session: AsyncSession,
    *,
    employee_id: uuid.UUID | None = None,
    service_id: uuid.UUID | None = None,
    status: BookingStatus | None = None,
    limit: int = 200,
) -> list[BookingOut]:
    """Bookings, soonest first."""
    query = select(Booking).order_by(Booking.start_at, Booking.created_at).limit(limit)
    if employee_id is not None:
        query = query.where(Booking.employee_id == employee_id)
    if service_id is not None:
        query = query.where(Booking.service_id == service_id)
    if status is not None:
        query = query.where(Booking.status == status)
    bookings = list(await session.scalars(query))
    services = {
        s.id: s
        for s in await session.scalars(
            select(Service).where(Service.id.in_({b.service_id for b in bookings}))
        )
    }
    employees = {
        e.id: e
        for e in await session.scalars(
            select(Employee).where(Employee.id.in_({b.employee_id for b in bookings}))
        )
    }
    return [_booking_out(b, services[b.service_id], employees[b.employee_id]) for b in bookings]


async def get_booking(session: AsyncSession, booking_id: uuid.UUID) -> BookingOut:
    return await _view(session, await _get_booking_row(session, booking_id))


# ---------------------------------------------------------------------------------------------
# Bookings: checks shared by create and update


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
    zone = ZoneInfo(booking.timezone)
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
        raise _field_error(
            Conflict,
            "start_at",
            f"{employee.name} already has a booking at {_local_span(other)}; choose a time "
            "that does not overlap it.",
        )


async def _check_host(session: AsyncSession, service: Service, employee: Employee) -> _Mapping:
    """The employee's Zoom user for a Zoom-enabled service; InvalidInput on `employee_id`."""
    mapping, connection = await _mapping(session, employee)
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


def _store_mapping(employee: Employee, mapping: _Mapping) -> None:
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


def _wait_for(booking: Booking) -> int | None:
    return booking.desired_version if booking.meeting_want is LinkWant.PRESENT else None


async def _plan_reminders(session: AsyncSession, booking: Booking, now: datetime) -> None:
    await reminders.plan(
        session,
        reminders.booking_target(booking.id),
        [booking.start_at],
        booking.reminder_offsets,
        now,
        booking_id=booking.id,
    )


async def _pending_emails(
    session: AsyncSession, booking_id: uuid.UUID, audience: Audience, to_address: str | None
) -> list[OutboundEmail]:
    query = select(OutboundEmail).where(
        OutboundEmail.booking_id == booking_id,
        OutboundEmail.state == EmailState.PENDING,
        OutboundEmail.audience == audience,
    )
    if to_address is not None:
        query = query.where(OutboundEmail.to_address == to_address)
    return list(await session.scalars(query))


async def _announce_change(
    session: AsyncSession,
    booking: Booking,
    audience: Audience,
    to_address: str,
    to_name: str,
) -> None:
    """The `*_rescheduled_*` email for one recipient, unless one of theirs announcing this
    booking is still unsent: rendered at send time, it will show the new details (it then
    waits for Zoom to reflect them too)."""
    suffix = "customer" if audience is Audience.CUSTOMER else "staff"
    announcing = {f"booking_confirmed_{suffix}", f"booking_rescheduled_{suffix}"}
    unsent = [
        e
        for e in await _pending_emails(session, booking.id, audience, to_address)
        if e.template_key in announcing
    ]
    wait = _wait_for(booking)
    if unsent:
        for email in unsent:
            email.wait_for_version = wait
        return
    await outbox.enqueue(
        session,
        f"booking_rescheduled_{suffix}",
        to_address,
        to_name=to_name,
        booking_id=booking.id,
        wait_for_version=wait,
    )


# ---------------------------------------------------------------------------------------------
# Bookings: changes


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
    offsets = reminders.check_offsets(
        data.reminder_offsets if data.reminder_offsets is not None else service.reminder_offsets
    )
    duration = data.duration_minutes or service.duration_minutes
    start = data.start_at.astimezone(UTC)
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

    wait = _wait_for(booking)
    await outbox.enqueue(
        session,
        "booking_confirmed_customer",
        booking.customer_email,
        to_name=booking.customer_name,
        booking_id=booking.id,
        wait_for_version=wait,
    )
    await outbox.enqueue(
        session,
        "booking_confirmed_staff",
        employee.email,
        to_name=employee.name,
        booking_id=booking.id,
        wait_for_version=wait,
    )
    await _plan_reminders(session, booking, now)
    await session.flush()
    return _booking_out(booking, service, employee)


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
    booking = await _get_booking_row(session, booking_id)
    if booking.status is BookingStatus.CANCELLED:
        raise Conflict("This booking is cancelled; make a new booking instead of changing it.")
    service = await get_service(session, booking.service_id)
    old_employee = await _get_employee_row(session, booking.employee_id)

    start = data.start_at.astimezone(UTC) if data.start_at is not None else booking.start_at
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
        reminders.check_offsets(data.reminder_offsets)
        if data.reminder_offsets is not None
        else list(booking.reminder_offsets)
    )

    employee = old_employee
    mapping: _Mapping | None = None
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
    if "customer_email" in changed_customer:
        # Unsent customer emails go to the corrected address.
        for email in await _pending_emails(
            session, booking.id, Audience.CUSTOMER, old_customer_email
        ):
            email.to_address = booking.customer_email
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

    if rescheduled or reassigned:
        await _announce_change(
            session, booking, Audience.CUSTOMER, booking.customer_email, booking.customer_name
        )
    if reassigned:
        await _reassigned_emails(session, booking, old_employee, employee)
    elif rescheduled:
        await _announce_change(session, booking, Audience.STAFF, employee.email, employee.name)
    if rescheduled or offsets_changed:
        await _plan_reminders(session, booking, now)
    await session.flush()
    return _booking_out(booking, service, employee)


async def _reassigned_emails(
    session: AsyncSession, booking: Booking, old: Employee, new: Employee
) -> None:
    """The previous employee is told it is no longer theirs (their unsent emails of it are
    dropped); the new one gets a confirmation."""
    for email in await _pending_emails(session, booking.id, Audience.STAFF, old.email):
        email.state = EmailState.CANCELLED
        email.last_error = "No longer relevant: the booking moved to another employee."
    await outbox.enqueue(
        session,
        "booking_cancelled_staff",
        old.email,
        to_name=old.name,
        booking_id=booking.id,
        context={"employee_name": old.name, "employee_email": old.email},
    )
    await outbox.enqueue(
        session,
        "booking_confirmed_staff",
        new.email,
        to_name=new.name,
        booking_id=booking.id,
        wait_for_version=_wait_for(booking),
    )


async def cancel_booking(
    session: AsyncSession, booking_id: uuid.UUID, *, now: datetime | None = None
) -> BookingOut:
    """Cancel (delete) a booking: its meeting is to be deleted, both sides are told, its
    unsent emails and planned reminders are dropped. The row stays, as history."""
    booking = await _get_booking_row(session, booking_id)
    if booking.status is BookingStatus.CANCELLED:
        raise Conflict("This booking is cancelled already.")
    service = await get_service(session, booking.service_id)
    employee = await _get_employee_row(session, booking.employee_id)
    booking.status = BookingStatus.CANCELLED
    if booking.meeting_want is not None:
        booking.meeting_want = LinkWant.ABSENT
        _mark_meeting_changed(booking)
    await session.flush()
    await outbox.cancel_pending(session, booking_id=booking.id)
    await outbox.enqueue(
        session,
        "booking_cancelled_customer",
        booking.customer_email,
        to_name=booking.customer_name,
        booking_id=booking.id,
    )
    await outbox.enqueue(
        session,
        "booking_cancelled_staff",
        employee.email,
        to_name=employee.name,
        booking_id=booking.id,
    )
    await reminders.cancel(
        session, reminders.booking_target(booking.id), "The booking was cancelled."
    )
    await session.flush()
    return _booking_out(booking, service, employee)


async def request_sync(session: AsyncSession, booking_id: uuid.UUID) -> BookingOut:
    """ "Sync now": a pending or failed meeting is due at once (a failed one is tried again)."""
    booking = await _get_booking_row(session, booking_id)
    if booking.meeting_state in (LinkState.PENDING, LinkState.FAILED):
        booking.meeting_state = LinkState.PENDING
        booking.not_before = None
        booking.attempts = 0
        await session.flush()
    return await _view(session, booking)


__all__: Sequence[str] = (
    "cancel_booking",
    "create_booking",
    "create_employee",
    "create_service",
    "get_booking",
    "get_employee",
    "get_service",
    "list_bookings",
    "list_employees",
    "list_services",
    "request_sync",
    "update_booking",
    "update_employee",
    "update_service",
    "zoom_user_choices",
)
