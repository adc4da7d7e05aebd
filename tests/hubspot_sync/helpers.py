"""Rows as the contacts domain leaves them after syncing a webinar, and waiting for the worker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.connections.models import ZoomConnection, ZoomPlan
from zoombridge.contacts.models import (
    Contact,
    ContactAttendance,
    ContactRegistration,
    ContactWebinar,
    RegistrationHow,
    RegistrationStatus,
)
from zoombridge.contacts.service.properties import recompute
from zoombridge.hubspot import Tier
from zoombridge.hubspot_simulator import HubSpotSimulatorServer
from zoombridge.hubspot_sync.models import HubSpotConnection
from zoombridge.worker import Worker

START = datetime(2030, 5, 6, 14, 0, tzinfo=UTC)


async def until(worker: Worker, done: Callable[[], Awaitable[bool]], passes: int = 80) -> None:
    for _ in range(passes):
        await worker.run_once()
        if await done():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the worker did not get there")


async def settle(worker: Worker, passes: int = 200) -> None:
    """Passes until one handles nothing (backoff waits are short in tests)."""
    for _ in range(passes):
        if await worker.run_once() == 0:
            await asyncio.sleep(0.06)
            if await worker.run_once() == 0:
                return
    raise AssertionError("the worker kept finding work")


class CrmWorld:
    def __init__(
        self, maker: async_sessionmaker[AsyncSession], sim: HubSpotSimulatorServer
    ) -> None:
        self.maker = maker
        self.sim = sim
        self.zoom: ZoomConnection | None = None

    async def connect_hubspot(self, **fields: Any) -> HubSpotConnection:
        values: dict[str, Any] = {
            "name": "Simulated HubSpot",
            "hub_id": str(self.sim.config.hub_id),
            "access_token": SecretStr(self.sim.config.token),
            "tier": Tier.FREE,
            "api_url": self.sim.url,
            "workflow_app_secret": SecretStr(self.sim.config.app_secret),
            "missing_scopes": {},
            "test_requested_at": datetime.now(UTC),
            "setup_requested_at": datetime.now(UTC),
        }
        values.update(fields)
        async with self.maker() as session:
            row = HubSpotConnection(**values)
            session.add(row)
            await session.commit()
        return row

    async def webinar(
        self,
        topic: str = "Launch webinar",
        *,
        zoom_id: int = 81234567890,
        ended: bool = True,
        host_email: str = "host@example.com",
    ) -> ContactWebinar:
        async with self.maker() as session:
            if self.zoom is None:
                self.zoom = ZoomConnection(
                    name="Zoom",
                    account_id="acct",
                    client_id="cid",
                    client_secret=SecretStr("secret"),
                    plan=ZoomPlan.PRO,
                    webinar_addon=True,
                )
                session.add(self.zoom)
                await session.flush()
            webinar = ContactWebinar(
                connection_id=self.zoom.id,
                zoom_webinar_id=zoom_id,
                topic=topic,
                start_at=START,
                duration_minutes=60,
                timezone="UTC",
                join_url=f"https://zoom.example/j/{zoom_id}",
                registration_url=f"https://zoom.example/webinar/register/{zoom_id}",
                host_email=host_email,
                ended=ended,
                synced_at=datetime.now(UTC),
            )
            session.add(webinar)
            await session.commit()
        return webinar

    async def people(
        self,
        webinar: ContactWebinar,
        registered: list[str],
        *,
        attended: dict[str, int] | None = None,
        cancelled: list[str] = (),  # type: ignore[assignment]
        guests: int = 0,
    ) -> dict[str, uuid.UUID]:
        """Contacts registered (and some cancelled), attendance minutes per email, and guests
        without email; the contacts' properties worked out as the contacts domain does."""
        attended = attended or {}
        ids: dict[str, uuid.UUID] = {}
        async with self.maker() as session:
            existing = {
                c.email: c
                for c in await session.scalars(
                    select(Contact).where(Contact.email.in_([*registered, *attended]))
                )
            }
            for email in dict.fromkeys([*registered, *attended]):
                contact = existing.get(email)
                if contact is None:
                    local = email.partition("@")[0]
                    contact = Contact(email=email, first_name=local.title(), last_name="Tester")
                    session.add(contact)
                    await session.flush()
                ids[email] = contact.id
            for email in registered:
                cancelled_now = email in cancelled
                session.add(
                    ContactRegistration(
                        webinar_id=webinar.id,
                        contact_id=ids[email],
                        email=email,
                        status=RegistrationStatus.CANCELLED
                        if cancelled_now
                        else RegistrationStatus.REGISTERED,
                        how=RegistrationHow.ZOOM_FORM,
                        registered_at=START - timedelta(days=3),
                        cancelled_at=START - timedelta(days=1) if cancelled_now else None,
                    )
                )
            for email, minutes in attended.items():
                joined = START + timedelta(minutes=2)
                session.add(
                    ContactAttendance(
                        webinar_id=webinar.id,
                        instance_uuid="inst-1",
                        person_key=email,
                        contact_id=ids[email],
                        email=email,
                        name=email,
                        joins=1,
                        first_join=joined,
                        last_leave=joined + timedelta(minutes=minutes),
                        attended_seconds=minutes * 60,
                        percent=round(100 * minutes / 60, 1),
                    )
                )
            for n in range(guests):
                session.add(
                    ContactAttendance(
                        webinar_id=webinar.id,
                        instance_uuid="inst-1",
                        person_key=f"guest-{n}",
                        name=f"Guest {n}",
                        joins=1,
                        first_join=START,
                        last_leave=START + timedelta(minutes=30),
                        attended_seconds=1800,
                        percent=50.0,
                        not_synced="no email",
                    )
                )
            await session.flush()
            await recompute(session, ids.values())
            await session.commit()
        return ids

    async def resynced(self, webinar: ContactWebinar) -> None:
        """The contacts domain synced the webinar again."""
        async with self.maker() as session:
            row = await session.get(ContactWebinar, webinar.id)
            assert row is not None
            row.synced_at = datetime.now(UTC)
            await session.commit()

    async def get(self, model: Any, row_id: Any) -> Any:
        async with self.maker() as session:
            return await session.get(model, row_id)

    async def all(self, query: Any) -> list[Any]:
        async with self.maker() as session:
            return list(await session.scalars(query))
