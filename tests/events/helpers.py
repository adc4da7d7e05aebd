"""Helpers for the events and connections API tests.

Rows the worker would write (fetched hosts, meeting choices, what Zoom confirmed) are inserted
directly: the services under test only read them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.connections.factories import CLIENT_SECRET, WEBHOOK_SECRET_TOKEN
from zoombridge.connections.models import ZoomConnection, ZoomHost, ZoomMeetingChoice
from zoombridge.db.base import Base
from zoombridge.events.models import Event, EventSession, MeetingLink

FETCHED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def connection_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Main account",
        "account_id": "AbCdEfGhIjKlMnOp",
        "client_id": "client-id-123",
        "client_secret": CLIENT_SECRET,
        "webhook_secret_token": WEBHOOK_SECRET_TOKEN,
        "plan": "business",
        "webinar_addon": True,
    }
    body.update(overrides)
    return body


async def create_connection(http: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await http.post("/api/v1/connections", json=connection_body(**overrides))
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def add_host(
    maker: async_sessionmaker[AsyncSession],
    connection_id: str,
    zoom_user_id: str = "host-user-1",
    email: str = "Host.One@example.com",
) -> uuid.UUID:
    async with maker() as session:
        host = ZoomHost(
            connection_id=uuid.UUID(connection_id),
            zoom_user_id=zoom_user_id,
            email=email,
            first_name="Host",
            last_name="One",
            user_type=2,
            status="active",
            fetched_at=FETCHED,
        )
        session.add(host)
        await session.commit()
        return host.id


async def add_choice(
    maker: async_sessionmaker[AsyncSession],
    connection_id: str,
    zoom_meeting_id: int,
    *,
    kind: str = "meeting",
    topic: str = "Existing meeting",
    start: datetime | None = datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
    duration: int = 60,
    zoom_type: int = 2,
) -> None:
    async with maker() as session:
        session.add(
            ZoomMeetingChoice(
                connection_id=uuid.UUID(connection_id),
                zoom_user_id="host-user-1",
                kind=kind,
                zoom_meeting_id=zoom_meeting_id,
                zoom_type=zoom_type,
                topic=topic,
                start_time=start,
                duration=duration,
                timezone="Europe/Helsinki",
                fetched_at=FETCHED,
            )
        )
        await session.commit()


async def count(maker: async_sessionmaker[AsyncSession], model: type[Base]) -> int:
    async with maker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def row_counts(maker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Counts of every table a bad request might write to."""
    models: list[type[Base]] = [ZoomConnection, ZoomHost, Event, EventSession, MeetingLink]
    return {m.__tablename__: await count(maker, m) for m in models}


async def set_link_fields(
    maker: async_sessionmaker[AsyncSession], link_id: str, **fields: Any
) -> None:
    """Record on a link what the worker would have read back from Zoom."""
    async with maker() as session:
        link = await session.get(MeetingLink, uuid.UUID(link_id))
        assert link is not None
        for name, value in fields.items():
            setattr(link, name, value)
        await session.commit()
