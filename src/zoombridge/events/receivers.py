"""How the events domain reacts to what lower domains announce (connected by
`zoombridge.wiring`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection
from zoombridge.connections.signals import connection_deleting
from zoombridge.errors import Conflict
from zoombridge.events.models import Event


async def refuse_connection_in_use(session: AsyncSession, connection: ZoomConnection) -> None:
    used = await session.scalar(
        select(func.count()).select_from(Event).where(Event.connection_id == connection.id)
    )
    if used:
        raise Conflict(
            f"The connection is used by {used} event(s); delete those events (or move them to "
            "another connection) first."
        )


def connect() -> None:
    connection_deleting.connect(refuse_connection_in_use)
