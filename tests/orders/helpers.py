"""Small readers of what the orders API stored, for assertions."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.orders.models import Attendee, Order, Registration


def people(*names: str, domain: str = "example.com") -> list[dict[str, Any]]:
    """Attendee bodies: "ada" -> ada@example.com, Ada Tester."""
    return [
        {"email": f"{name}@{domain}", "first_name": name.capitalize(), "last_name": "Tester"}
        for name in names
    ]


async def row_counts(maker: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    """(orders, attendees, registrations) stored."""
    async with maker() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (Order, Attendee, Registration)
        ]
    return counts[0] or 0, counts[1] or 0, counts[2] or 0


async def registrations(
    maker: async_sessionmaker[AsyncSession],
) -> dict[tuple[uuid.UUID, str], Registration]:
    async with maker() as session:
        rows = await session.scalars(select(Registration))
        return {(r.link_id, r.email): r for r in rows}


def wants(rows: dict[tuple[uuid.UUID, str], Registration]) -> dict[str, set[tuple[str, str]]]:
    """email -> {(want, state)} over the event's links."""
    result: dict[str, set[tuple[str, str]]] = {}
    for (_, email), r in rows.items():
        result.setdefault(email, set()).add((r.want.value, r.state.value))
    return result
