"""Rows the services would write (bookings, settings), and readers of the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.bookings.models import Booking, BookingStatus, Employee, Service
from zoombridge.events.models import LinkState, LinkWant
from zoombridge.notifications.models import (
    OutboundEmail,
    Reminder,
    SmtpSecurity,
    SmtpSettings,
)

FROM = "desk@zoombridge.test"


async def smtp_settings(
    maker: async_sessionmaker[AsyncSession], port: int, **overrides: Any
) -> uuid.UUID:
    fields: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": SmtpSecurity.NONE,
        "from_address": FROM,
        "from_name": "Zoombridge Desk",
        "timeout_seconds": 5,
    }
    fields.update(overrides)
    async with maker() as session:
        row = SmtpSettings(**fields)
        session.add(row)
        await session.commit()
        return row.id


async def booking(
    maker: async_sessionmaker[AsyncSession],
    start: datetime,
    *,
    connection_id: uuid.UUID | None = None,
    zoom_meeting_id: int | None = None,
    join_url: str | None = None,
    passcode: str | None = None,
    reminder_offsets: list[str] | None = None,
) -> Booking:
    """A confirmed booking; with a meeting id, as the worker leaves it once Zoom has it."""
    async with maker() as session:
        service = Service(
            name=f"Consultation {uuid.uuid4().hex[:6]}",
            duration_minutes=30,
            zoom_enabled=connection_id is not None,
            connection_id=connection_id,
        )
        employee = Employee(
            name="Erin Expert",
            email=f"erin-{uuid.uuid4().hex[:6]}@example.com",
            connection_id=connection_id,
            zoom_user_id="me" if connection_id else None,
        )
        session.add_all([service, employee])
        await session.flush()
        row = Booking(
            service_id=service.id,
            employee_id=employee.id,
            status=BookingStatus.CONFIRMED,
            customer_first_name="Cora",
            customer_last_name="Customer",
            customer_email="cora@example.com",
            start_at=start,
            end_at=start + timedelta(minutes=30),
            timezone="Europe/Helsinki",
            duration_minutes=30,
            reminder_offsets=reminder_offsets or [],
            version=1,
            desired_version=1,
            synced_version=1 if zoom_meeting_id else 0,
            meeting_want=LinkWant.PRESENT if zoom_meeting_id else None,
            meeting_state=LinkState.SYNCED if zoom_meeting_id else None,
            zoom_meeting_id=zoom_meeting_id,
            join_url=join_url,
            passcode=passcode,
        )
        session.add(row)
        await session.commit()
        return row


async def employee_email(maker: async_sessionmaker[AsyncSession], booking: Booking) -> str:
    async with maker() as session:
        employee = await session.get(Employee, booking.employee_id)
        assert employee is not None
        return employee.email


async def emails(maker: async_sessionmaker[AsyncSession]) -> list[OutboundEmail]:
    async with maker() as session:
        rows = await session.scalars(select(OutboundEmail).order_by(OutboundEmail.created_at))
        return list(rows)


async def reminders(maker: async_sessionmaker[AsyncSession]) -> list[Reminder]:
    async with maker() as session:
        return list(await session.scalars(select(Reminder).order_by(Reminder.due_at)))
