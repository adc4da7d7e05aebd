"""Which order changes wait for each other on PostgreSQL (O4 and the seat count stay race-free,
the rest runs side by side)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.orders.factories import create_event
from tests.orders.helpers import registrations
from zoombridge.connections.models import ZoomKind
from zoombridge.db.session import transaction
from zoombridge.orders.models import OrderStatus
from zoombridge.orders.schemas import AttendeeIn, OrderCreate
from zoombridge.orders.service import create_order


def _order(*emails: str) -> OrderCreate:
    return OrderCreate(
        status=OrderStatus.COMPLETED,
        attendees=[AttendeeIn(email=e, first_name="Ada", last_name="Tester") for e in emails],
    )


async def test_completed_orders_of_one_event_take_turns_and_nothing_else_waits(
    database_url: str, db_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Each completed order raises its event's seat count, so completed orders of one event
    take turns (each holds the event from its first read to its commit, a few statements);
    pending orders and orders of other events never wait for them."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers itself; the row locks are PostgreSQL's")
    event = await create_event(db_sessionmaker, kind=ZoomKind.WEBINAR)  # no seat limit
    other = await create_event(db_sessionmaker, kind=ZoomKind.WEBINAR)

    async def order_without_waiting(event_id: object, order: OrderCreate) -> None:
        async with transaction(db_sessionmaker) as session:
            # Any lock wait fails at once instead of waiting for the holder below.
            await session.execute(text("SET LOCAL lock_timeout = '500ms'"))
            await create_order(session, event_id, order)  # type: ignore[arg-type]

    async with db_sessionmaker() as holder:
        await create_order(holder, event.event_id, _order("ada@example.com"))  # not committed
        await order_without_waiting(other.event_id, _order("bob@example.com"))
        pending = _order("cy@example.com").model_copy(update={"status": OrderStatus.PENDING})
        await order_without_waiting(event.event_id, pending)
        with pytest.raises(DBAPIError, match="lock timeout"):
            await order_without_waiting(event.event_id, _order("dee@example.com"))
        await holder.commit()
    await order_without_waiting(event.event_id, _order("ada@example.com"))  # free again

    rows = await registrations(db_sessionmaker)
    assert sorted(email for _, email in rows) == ["ada@example.com", "bob@example.com"]


async def test_an_event_with_a_capacity_still_takes_orders_one_at_a_time(
    database_url: str, db_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers itself; the row locks are PostgreSQL's")
    event = await create_event(db_sessionmaker, kind=ZoomKind.WEBINAR, capacity=10)
    async with db_sessionmaker() as holder:
        await create_order(holder, event.event_id, _order("ada@example.com"))
        async with transaction(db_sessionmaker) as session:
            await session.execute(text("SET LOCAL lock_timeout = '500ms'"))
            with pytest.raises(DBAPIError, match="lock timeout"):
                await create_order(session, event.event_id, _order("bob@example.com"))
        await holder.commit()
