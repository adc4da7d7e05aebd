"""Employees and their Zoom users (B2). An employee's Zoom user is worked out when read, from the
connection's fetched hosts as they are now (a later fetch may add or remove the user): an
explicit pick must still be among them; with none, the host whose email is the employee's."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Employee
from zoombridge.bookings.schemas import (
    EmployeeCreate,
    EmployeeOut,
    EmployeeUpdate,
    ZoomStatus,
)
from zoombridge.bookings.service.services import field_error, invalid_field
from zoombridge.connections.models import ZoomConnection, ZoomHost
from zoombridge.errors import Conflict, NotFoundError


@dataclass(frozen=True)
class HostMapping:
    status: ZoomStatus
    zoom_user_id: str | None
    zoom_user_email: str | None
    problem: str | None


async def connection_hosts(session: AsyncSession, connection_id: uuid.UUID) -> list[ZoomHost]:
    return list(
        await session.scalars(
            select(ZoomHost)
            .where(ZoomHost.connection_id == connection_id)
            .order_by(ZoomHost.email, ZoomHost.zoom_user_id)
        )
    )


def match_zoom_user(
    name: str,
    email: str,
    zoom_user_id: str | None,
    connection: ZoomConnection | None,
    hosts: Sequence[ZoomHost],
) -> HostMapping:
    """The Zoom user of an employee as the fetched hosts are now."""
    if connection is None:
        return HostMapping(
            "no_connection",
            None,
            None,
            f"{name} has no Zoom connection: choose one to let them host Zoom meetings.",
        )
    if zoom_user_id is not None:
        for host in hosts:
            if host.zoom_user_id == zoom_user_id:
                return HostMapping("mapped", host.zoom_user_id, host.email.lower(), None)
        return HostMapping(
            "unmapped",
            None,
            None,
            f"The Zoom user {zoom_user_id} is no longer among the fetched hosts of "
            f"{connection.name}; fetch hosts again or pick another Zoom user.",
        )
    for host in hosts:
        if host.email.lower() == email.lower():
            return HostMapping("mapped", host.zoom_user_id, host.email.lower(), None)
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
    return HostMapping("unmapped", None, None, problem)


async def employee_mapping(
    session: AsyncSession, employee: Employee
) -> tuple[HostMapping, ZoomConnection | None]:
    connection = (
        await session.get(ZoomConnection, employee.connection_id)
        if employee.connection_id is not None
        else None
    )
    hosts = await connection_hosts(session, connection.id) if connection is not None else []
    found = match_zoom_user(employee.name, employee.email, employee.zoom_user_id, connection, hosts)
    return found, connection


def _employee_out(employee: Employee, mapping: HostMapping) -> EmployeeOut:
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


async def get_employee_row(session: AsyncSession, employee_id: uuid.UUID) -> Employee:
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
        mapping = match_zoom_user(
            employee.name,
            employee.email,
            employee.zoom_user_id,
            connection,
            hosts.get(connection.id, []) if connection is not None else [],
        )
        out.append(_employee_out(employee, mapping))
    return out


async def get_employee(session: AsyncSession, employee_id: uuid.UUID) -> EmployeeOut:
    employee = await get_employee_row(session, employee_id)
    mapping, _ = await employee_mapping(session, employee)
    return _employee_out(employee, mapping)


async def _pick_zoom_user(
    session: AsyncSession,
    name: str,
    email: str,
    connection_id: uuid.UUID | None,
    zoom_user_id: str | None,
) -> HostMapping:
    """The mapping to store for these fields; InvalidInput for an unknown connection or user."""
    if connection_id is None:
        if zoom_user_id is not None:
            raise invalid_field(
                "zoom_user_id", "Choose the Zoom connection first, then one of its Zoom users."
            )
        return match_zoom_user(name, email, None, None, [])
    connection = await session.get(ZoomConnection, connection_id)
    if connection is None:
        raise invalid_field("connection_id", "No Zoom connection with this id.")
    hosts = await connection_hosts(session, connection.id)
    mapping = match_zoom_user(name, email, zoom_user_id, connection, hosts)
    if zoom_user_id is not None and mapping.status != "mapped":
        raise invalid_field(
            "zoom_user_id",
            f"{zoom_user_id} is not among the fetched Zoom users of {connection.name}; fetch "
            "hosts and pick one of them.",
        )
    return mapping


async def _check_email_free(
    session: AsyncSession, email: str, employee_id: uuid.UUID | None
) -> None:
    query = select(Employee.id).where(Employee.email == email)
    if employee_id is not None:
        query = query.where(Employee.id != employee_id)
    if await session.scalar(query) is not None:
        raise field_error(
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
    employee = await get_employee_row(session, employee_id)
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
    mapping, _ = await employee_mapping(session, employee)
    return _employee_out(employee, mapping)


async def zoom_user_choices(session: AsyncSession, connection_id: uuid.UUID) -> list[ZoomHost]:
    """The connection's fetched hosts, which an employee can be mapped to."""
    if await session.get(ZoomConnection, connection_id) is None:
        raise NotFoundError(f"No Zoom connection with id {connection_id}.")
    return await connection_hosts(session, connection_id)
