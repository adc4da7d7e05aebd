"""Bookable services (B2, B3): Zoom enabled or not, the connection, meeting topic and description
templates (checked on save), passcodes, default reminders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Service
from zoombridge.bookings.schemas import (
    ServiceCreate,
    ServiceUpdate,
)
from zoombridge.bookings.values import BOOKING_MEETING
from zoombridge.connections.models import ZoomConnection
from zoombridge.errors import Conflict, DomainError, FieldProblem, InvalidInput, NotFoundError
from zoombridge.kit import shortcodes
from zoombridge.kit.reminder_offsets import check_offsets


def field_error(exc_type: type[DomainError], field: str, message: str) -> DomainError:
    return exc_type(message, field_errors=[FieldProblem(field, message)])


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
        raise field_error(
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
        offsets = check_offsets(fields.reminder_offsets)
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


def invalid_field(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, field_errors=[FieldProblem(field, message)])
