"""`refresh_registrations` (the desired-state contract) and capacity under concurrency."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.orders.factories import create_event, make_event, make_link
from tests.orders.helpers import registrations
from zoombridge.connections.models import ZoomKind
from zoombridge.db.session import transaction
from zoombridge.errors import CapacityExceeded
from zoombridge.events.models import Event, LinkWant
from zoombridge.orders.desired import refresh_registrations
from zoombridge.orders.models import (
    OrderStatus,
    Registration,
    RegistrationState,
    RegistrationWant,
)
from zoombridge.orders.schemas import AttendeeIn, OrderCreate
from zoombridge.orders.service import (
    ZOOM_MEETING_REGISTRANT_LIMIT,
    cancel_attendee,
    create_order,
    seat_limit,
    set_order_status,
)


def attendee(email: str, first: str = "Ada", last: str = "Tester") -> AttendeeIn:
    return AttendeeIn(email=email, first_name=first, last_name=last)


async def test_a_link_added_later_gets_everyone_with_the_newest_names(
    db_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    event = await create_event(db_sessionmaker, links=0)
    async with transaction(db_sessionmaker) as session:
        for first in ("Old", "New"):
            await create_order(
                session,
                event.event_id,
                OrderCreate(
                    attendees=[attendee("ada@example.com", first)], status=OrderStatus.COMPLETED
                ),
            )
        await create_order(
            session, event.event_id, OrderCreate(attendees=[attendee("bob@example.com")])
        )  # pending: not wanted
        stored = await session.get(Event, event.event_id)
        assert stored is not None
        present, absent = make_link(stored), make_link(stored, want=LinkWant.ABSENT)
        session.add_all([present, absent])
        await session.flush()

        await refresh_registrations(session, event.event_id)

    rows = await registrations(db_sessionmaker)
    assert list(rows) == [(present.id, "ada@example.com")]
    row = rows[(present.id, "ada@example.com")]
    assert (row.first_name, row.want, row.state) == (
        "New",
        RegistrationWant.REGISTERED,
        RegistrationState.PENDING,
    )


async def test_a_change_of_want_starts_the_work_afresh(
    db_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    event = await create_event(db_sessionmaker)
    async with transaction(db_sessionmaker) as session:
        order = await create_order(
            session,
            event.event_id,
            OrderCreate(attendees=[attendee("ada@example.com")], status=OrderStatus.COMPLETED),
        )
    async with transaction(db_sessionmaker) as session:
        row = await session.scalar(select(Registration))
        assert row is not None
        row.state, row.attempts = RegistrationState.FAILED, 4
        row.last_error, row.not_before = "Zoom refused it", datetime(2031, 1, 1, tzinfo=UTC)
    async with transaction(db_sessionmaker) as session:
        await cancel_attendee(session, order.attendees[0].id)

    (row,) = (await registrations(db_sessionmaker)).values()
    assert (row.want, row.state, row.attempts, row.last_error, row.not_before) == (
        RegistrationWant.CANCELLED,
        RegistrationState.PENDING,
        0,
        None,
        None,
    )


async def test_refresh_of_some_emails_leaves_the_others(
    db_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    event = await create_event(db_sessionmaker)
    async with transaction(db_sessionmaker) as session:
        await create_order(
            session,
            event.event_id,
            OrderCreate(
                attendees=[attendee("ada@example.com"), attendee("bob@example.com")],
                status=OrderStatus.COMPLETED,
            ),
        )
        await session.execute(
            Registration.__table__.delete().where(
                Registration.email.in_(["ada@example.com", "bob@example.com"])
            )
        )
        await refresh_registrations(session, event.event_id, {"ADA@example.com"})
    assert [email for _, email in await registrations(db_sessionmaker)] == ["ada@example.com"]


def test_zoom_limits_registrants_per_meeting_and_the_lower_limit_wins() -> None:
    meeting = make_event(uuid.uuid4(), kind=ZoomKind.MEETING, registration_enabled=True)
    links = [make_link(meeting)]
    assert seat_limit(meeting, links)[0] == ZOOM_MEETING_REGISTRANT_LIMIT == 4_999
    meeting.capacity = 50
    assert seat_limit(meeting, links) == (50, "the event's capacity of 50")
    meeting.capacity = 9_000
    assert seat_limit(meeting, links)[0] == 4_999
    assert seat_limit(meeting, [])[0] == 9_000  # not on Zoom: only the event's own capacity
    webinar = make_event(uuid.uuid4(), kind=ZoomKind.WEBINAR, registration_enabled=True)
    assert seat_limit(webinar, [make_link(webinar)]) == (None, "unlimited")


async def test_two_completions_racing_for_the_last_seat_sell_it_once(
    database_url: str, db_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers itself; the row lock is PostgreSQL's")
    event = await create_event(db_sessionmaker, capacity=1)
    async with transaction(db_sessionmaker) as session:
        first, second = [
            (
                await create_order(
                    session, event.event_id, OrderCreate(attendees=[attendee(f"{n}@example.com")])
                )
            ).id
            for n in ("ada", "bob")
        ]

    async def complete(order_id: uuid.UUID) -> None:
        async with transaction(db_sessionmaker) as session:
            await set_order_status(session, order_id, OrderStatus.COMPLETED)

    async with db_sessionmaker() as holder:
        await set_order_status(holder, first, OrderStatus.COMPLETED)  # holds the event lock
        rival = asyncio.create_task(complete(second))
        await asyncio.sleep(0.2)  # let the rival reach the lock (correct with or without)
        await holder.commit()
    with pytest.raises(CapacityExceeded):
        await rival

    rows = await registrations(db_sessionmaker)
    assert [email for _, email in rows] == ["ada@example.com"]
