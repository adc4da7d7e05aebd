"""Set-up the benches share: a connection to a running simulator and one auto-created webinar."""

from __future__ import annotations

from datetime import datetime

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection, ZoomPlan
from zoombridge.events.models import Event, LinkMode, MeetingLink, ZoomKind
from zoombridge.simulator import SimulatorServer


async def add_simulated_webinar(
    session: AsyncSession,
    sim: SimulatorServer,
    *,
    name: str,
    start: datetime,
    duration_minutes: int,
) -> tuple[Event, MeetingLink]:
    """A connection to `sim`'s default account, a webinar event and its pending link."""
    connection = ZoomConnection(
        name=name,
        account_id=sim.config.account_id,
        client_id=sim.config.client_id,
        client_secret=SecretStr(sim.config.client_secret),
        plan=ZoomPlan(sim.config.plan),
        webinar_addon=True,
        api_url=sim.api_url,
        oauth_url=sim.oauth_url,
    )
    session.add(connection)
    await session.flush()
    event = Event(
        connection_id=connection.id,
        kind=ZoomKind.WEBINAR,
        topic=f"{name} webinar",
        start_at=start,
        timezone="UTC",
        duration_minutes=duration_minutes,
    )
    session.add(event)
    await session.flush()
    link = MeetingLink(
        event_id=event.id,
        connection_id=connection.id,
        kind=ZoomKind.WEBINAR,
        mode=LinkMode.CREATED,
        desired_version=event.version,
    )
    session.add(link)
    await session.flush()
    return event, link
