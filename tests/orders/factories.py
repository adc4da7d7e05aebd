"""Events with Zoom meetings for order tests, written straight to the database.

The events service is built in parallel; these rows follow the desired-state contract (a PRESENT
link per Zoom meeting) so the orders rules can be tested on their own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.connections.factories import make_connection
from zoombridge.connections.models import ZoomKind
from zoombridge.events.models import (
    DayMode,
    Event,
    EventSession,
    LinkMode,
    LinkState,
    MeetingLink,
    SessionKind,
)
from zoombridge.orders.models import Registration, RegistrationState, RegistrationWant

START = datetime(2030, 5, 14, 7, 0, tzinfo=UTC)


@dataclass
class EventIds:
    event_id: uuid.UUID
    link_ids: list[uuid.UUID]
    session_ids: list[uuid.UUID]


def make_event(connection_id: uuid.UUID, **overrides: Any) -> Event:
    fields: dict[str, Any] = {
        "connection_id": connection_id,
        "kind": ZoomKind.WEBINAR,
        "topic": "Quarterly product briefing",
        "agenda": "What is new this quarter.",
        "start_at": START,
        "timezone": "Europe/Helsinki",
        "duration_minutes": 90,
        "capacity": None,
    }
    fields.update(overrides)
    return Event(**fields)


def make_link(event: Event, **overrides: Any) -> MeetingLink:
    fields: dict[str, Any] = {
        "event_id": event.id,
        "connection_id": event.connection_id,
        "kind": event.kind,
        "mode": LinkMode.CREATED,
        "state": LinkState.PENDING,
        "desired_version": event.version or 1,
    }
    fields.update(overrides)
    return MeetingLink(**fields)


async def create_event(
    maker: async_sessionmaker[AsyncSession],
    *,
    links: int = 1,
    days: int = 0,
    day_mode: DayMode = DayMode.SINGLE,
    **overrides: Any,
) -> EventIds:
    """A committed event with `links` Zoom meetings (0 = not on Zoom).

    With `days` and PER_DAY, each day gets its own meeting; with RECURRING, one meeting.
    """
    async with maker() as session:
        connection = make_connection(name=f"Account {uuid.uuid4().hex[:8]}")
        session.add(connection)
        await session.flush()
        event = make_event(connection.id, day_mode=day_mode, version=1, **overrides)
        session.add(event)
        await session.flush()
        sessions = [
            EventSession(
                event_id=event.id,
                kind=SessionKind.DAY,
                label=f"Day {index + 1}",
                start_at=event.start_at + timedelta(days=index),
                duration_minutes=event.duration_minutes,
            )
            for index in range(days)
        ]
        session.add_all(sessions)
        await session.flush()
        if day_mode is DayMode.PER_DAY:
            link_rows = [make_link(event, session_id=s.id) for s in sessions]
        else:
            link_rows = [make_link(event) for _ in range(links)]
        session.add_all(link_rows)
        await session.commit()
        return EventIds(event.id, [link.id for link in link_rows], [s.id for s in sessions])


async def confirm_links(maker: async_sessionmaker[AsyncSession], event_id: uuid.UUID) -> None:
    """What the worker records after creating each meeting on Zoom."""
    async with maker() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        links = list(
            await session.scalars(select(MeetingLink).where(MeetingLink.event_id == event_id))
        )
        for number, link in enumerate(links):
            link.zoom_meeting_id = 85_000_000_000 + number
            link.password = f"pw{number}"
            link.join_url = f"https://zoom.example/j/{link.zoom_meeting_id}"
            link.state = LinkState.SYNCED
            link.synced_version = link.desired_version
            link.confirmed = {
                "topic": event.topic,
                "start_time": event.start_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "duration": event.duration_minutes,
                "timezone": event.timezone,
            }
        await session.commit()


async def confirm_registrations(maker: async_sessionmaker[AsyncSession]) -> None:
    """What the worker records once Zoom agrees with every pending registration."""
    async with maker() as session:
        pending = await session.scalars(
            select(Registration).where(Registration.state == RegistrationState.PENDING)
        )
        for registration in pending:
            if registration.want is RegistrationWant.REGISTERED:
                registration.state = RegistrationState.REGISTERED
                registration.zoom_registrant_id = f"reg-{registration.id.hex[:10]}"
                registration.join_url = f"https://zoom.example/w/{registration.id.hex}"
            else:
                registration.state = RegistrationState.CANCELLED
        await session.commit()
