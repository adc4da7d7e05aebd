"""Two requests booking the same employee at once: the employee row lock makes the second
overlap check wait for the first booking, so only one of two overlapping bookings is stored."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.bookings.helpers import START, add_connection
from zoombridge.bookings import service
from zoombridge.bookings.models import Booking
from zoombridge.bookings.schemas import BookingCreate, EmployeeCreate, ServiceCreate
from zoombridge.errors import Conflict


async def _waiting_on_a_lock(maker: async_sessionmaker[AsyncSession]) -> bool:
    async with maker() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return bool(waiting)


async def test_concurrent_overlapping_bookings_one_wins(
    db_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    maker = db_sessionmaker
    bind = maker.kw["bind"]
    if bind.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers at BEGIN IMMEDIATE; the row lock is PostgreSQL's")
    connection_id = await add_connection(maker, hosts={"zu-ada": "ada@example.com"})
    async with maker() as session:
        consultation = await service.create_service(
            session,
            ServiceCreate(
                name="Consultation",
                duration_minutes=60,
                zoom_enabled=True,
                connection_id=uuid.UUID(connection_id),
            ),
        )
        ada = await service.create_employee(
            session,
            EmployeeCreate(
                name="Ada",
                email="ada@example.com",
                connection_id=uuid.UUID(connection_id),
            ),
        )
        await session.commit()

    def data(minutes: int) -> BookingCreate:
        return BookingCreate(
            service_id=consultation.id,
            employee_id=ada.id,
            customer_first_name="Grace",
            customer_email="grace@example.com",
            start_at=START.replace(minute=minutes),
            timezone="UTC",
        )

    async with maker() as first, maker() as second:
        await service.create_booking(first, data(0))  # holds the employee's row lock
        later = asyncio.create_task(service.create_booking(second, data(30)))
        # Let the second request reach the lock (it must wait there, not run past it).
        for _ in range(500):
            if await _waiting_on_a_lock(maker):
                break
            await asyncio.sleep(0.01)
        else:
            later.cancel()
            pytest.fail("the second booking never waited for the employee's row lock")
        await first.commit()
        with pytest.raises(Conflict):
            await later
        await second.rollback()

    async with maker() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1
