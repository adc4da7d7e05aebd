"""Helpers for the bookings API tests.

Rows the worker or a host fetch would write (connections' fetched hosts, emails marked sent)
are written directly: the services under test only read them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.connections.factories import make_connection
from zoombridge.bookings.models import Booking, Employee, Service
from zoombridge.connections.models import ZoomHost
from zoombridge.db.base import Base
from zoombridge.notifications.models import EmailState, OutboundEmail, Reminder

FETCHED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
# Far enough ahead of the real clock that every reminder of these bookings is still ahead.
START = datetime(2031, 3, 3, 10, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def add_connection(
    maker: async_sessionmaker[AsyncSession],
    *,
    name: str = "Main account",
    booking_passcodes: bool = True,
    hosts: dict[str, str] | None = None,
) -> str:
    """A connection with fetched hosts (Zoom user id → email); its id."""
    async with maker() as session:
        connection = make_connection(name=name, booking_passcodes=booking_passcodes)
        session.add(connection)
        await session.flush()
        for zoom_user_id, email in (hosts or {}).items():
            session.add(host_row(connection.id, zoom_user_id, email))
        await session.commit()
        return str(connection.id)


def host_row(connection_id: uuid.UUID, zoom_user_id: str, email: str) -> ZoomHost:
    return ZoomHost(
        connection_id=connection_id,
        zoom_user_id=zoom_user_id,
        email=email,
        first_name="Zoom",
        last_name="User",
        user_type=2,
        status="active",
        fetched_at=FETCHED,
    )


async def add_host(
    maker: async_sessionmaker[AsyncSession], connection_id: str, zoom_user_id: str, email: str
) -> None:
    async with maker() as session:
        session.add(host_row(uuid.UUID(connection_id), zoom_user_id, email))
        await session.commit()


async def remove_host(maker: async_sessionmaker[AsyncSession], zoom_user_id: str) -> None:
    async with maker() as session:
        host = await session.scalar(select(ZoomHost).where(ZoomHost.zoom_user_id == zoom_user_id))
        assert host is not None
        await session.delete(host)
        await session.commit()


async def post(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(path, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def create_service(
    http: httpx.AsyncClient, connection_id: str | None, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Consultation",
        "duration_minutes": 60,
        "zoom_enabled": connection_id is not None,
        "connection_id": connection_id,
        "reminder_offsets": ["1d", "1h"],
    }
    body.update(overrides)
    return await post(http, "/api/v1/services", body)


async def create_employee(
    http: httpx.AsyncClient,
    connection_id: str | None,
    name: str = "Ada Lovelace",
    email: str = "ada@example.com",
    **overrides: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "email": email, "connection_id": connection_id}
    body.update(overrides)
    return await post(http, "/api/v1/employees", body)


def booking_body(service_id: str, employee_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_id": service_id,
        "employee_id": employee_id,
        "customer_first_name": "Grace",
        "customer_last_name": "Hopper",
        "customer_email": "Grace@Example.com",
        "start_at": iso(START),
        "timezone": "Europe/Helsinki",
    }
    body.update(overrides)
    return body


def at(minutes: int) -> str:
    """START shifted by `minutes`, as the API takes it."""
    return iso(START + timedelta(minutes=minutes))


def _row(obj: Base) -> dict[str, Any]:
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


async def snapshot(maker: async_sessionmaker[AsyncSession]) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table a booking request writes, to show a refusal changed nothing."""
    models: list[type[Base]] = [Service, Employee, Booking, OutboundEmail, Reminder]
    out: dict[str, list[dict[str, Any]]] = {}
    async with maker() as session:
        for model in models:
            rows = [_row(r) for r in await session.scalars(select(model))]
            out[model.__tablename__] = sorted(rows, key=lambda r: str(r["id"]))
    return out


async def booking_row(maker: async_sessionmaker[AsyncSession], booking_id: str) -> Booking:
    async with maker() as session:
        booking = await session.get(Booking, uuid.UUID(booking_id))
        assert booking is not None
        return booking


async def emails(maker: async_sessionmaker[AsyncSession], booking_id: str) -> list[OutboundEmail]:
    async with maker() as session:
        rows = await session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.booking_id == uuid.UUID(booking_id))
            .order_by(OutboundEmail.created_at, OutboundEmail.template_key)
        )
        return list(rows)


def pending(rows: list[OutboundEmail]) -> list[tuple[str, str]]:
    """(template key, recipient) of the unsent emails, sorted."""
    return sorted((e.template_key, e.to_address) for e in rows if e.state is EmailState.PENDING)


async def mark_sent(maker: async_sessionmaker[AsyncSession], booking_id: str) -> None:
    """What the worker does once the emails left."""
    async with maker() as session:
        for email in await session.scalars(
            select(OutboundEmail).where(
                OutboundEmail.booking_id == uuid.UUID(booking_id),
                OutboundEmail.state == EmailState.PENDING,
            )
        ):
            email.state = EmailState.SENT
            email.sent_at = FETCHED
        await session.commit()


async def reminders_of(maker: async_sessionmaker[AsyncSession], booking_id: str) -> list[Reminder]:
    async with maker() as session:
        rows = await session.scalars(
            select(Reminder)
            .where(Reminder.booking_id == uuid.UUID(booking_id))
            .order_by(Reminder.due_at)
        )
        return list(rows)


async def set_booking_fields(
    maker: async_sessionmaker[AsyncSession], booking_id: str, **fields: Any
) -> None:
    async with maker() as session:
        booking = await session.get(Booking, uuid.UUID(booking_id))
        assert booking is not None
        for name, value in fields.items():
            setattr(booking, name, value)
        await session.commit()
