"""Migration 0013 fills the new seat count of existing events from their tickets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.orders.factories import create_event
from zoombridge.db import migrate
from zoombridge.events.models import Event
from zoombridge.orders.models import OrderStatus
from zoombridge.orders.schemas import AttendeeIn, OrderCreate
from zoombridge.orders.service import cancel_attendee, create_order


def _backfill_sql() -> str:
    folder = Path(migrate.__file__).parents[1] / "migrations" / "versions"
    spec = importlib.util.spec_from_file_location("intake_0013", folder / "0013_intake.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sql: str = module._BACKFILL
    return sql


def _order(status: OrderStatus, *emails: str) -> OrderCreate:
    return OrderCreate(
        status=status,
        attendees=[AttendeeIn(email=e, first_name="Ada", last_name="Tester") for e in emails],
    )


async def test_the_backfill_counts_distinct_people_with_a_valid_ticket(
    db_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ids = await create_event(db_sessionmaker, links=1)
    other = await create_event(db_sessionmaker, links=0)
    async with db_sessionmaker() as session:
        done = await create_order(
            session, ids.event_id, _order(OrderStatus.COMPLETED, "a@x.org", "b@x.org")
        )
        await create_order(session, ids.event_id, _order(OrderStatus.COMPLETED, "a@x.org"))
        await create_order(session, ids.event_id, _order(OrderStatus.PENDING, "c@x.org"))
        await create_order(session, other.event_id, _order(OrderStatus.COMPLETED, "d@x.org"))
        b = next(a for a in done.attendees if a.email == "b@x.org")
        await cancel_attendee(session, b.id)
        await session.commit()
    async with db_sessionmaker() as session:
        # As before the migration: no count kept.
        await session.execute(update(Event).values(seats_taken=0))
        await session.execute(text(_backfill_sql()))
        await session.commit()
        counts = {
            row[0]: row[1]
            for row in await session.execute(text("SELECT id, seats_taken FROM events"))
        }
    by_event = {str(k).replace("-", ""): v for k, v in counts.items()}
    assert by_event[ids.event_id.hex] == 1  # a (twice), b cancelled, c pending
    assert by_event[other.event_id.hex] == 1
