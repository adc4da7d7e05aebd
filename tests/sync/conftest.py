"""A zoombridge world wired to a loopback simulator, and workers to sync it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.fixtures.simulator import SimAdmin, fetch_token
from zoombridge.connections.models import ZoomConnection, ZoomKind, ZoomPlan
from zoombridge.engine.backoff import Backoff
from zoombridge.events.models import (
    DayMode,
    Event,
    EventSession,
    LinkMode,
    MeetingLink,
    SessionKind,
)
from zoombridge.orders.models import Registration, RegistrationWant
from zoombridge.settings import Settings
from zoombridge.simulator import SimulatorServer
from zoombridge.worker import Worker
from zoombridge.zoom import LimiterRegistry

WEBHOOK_SECRET = "whk-secret-for-tests"
START = datetime(2031, 3, 4, 15, 0, tzinfo=UTC)


class Clock:
    """The worker's clock: real time plus an offset tests move (like the simulator's)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


def connection_for(sim: SimulatorServer, **overrides: Any) -> ZoomConnection:
    fields: dict[str, Any] = {
        "name": "Simulated",
        "account_id": "sim-account",
        "client_id": "sim-client-id",
        "client_secret": SecretStr("sim-client-secret"),
        "webhook_secret_token": SecretStr(WEBHOOK_SECRET),
        "plan": ZoomPlan.PRO,
        "webinar_addon": True,
        "api_url": sim.api_url,
        "oauth_url": sim.oauth_url,
    }
    fields.update(overrides)
    return ZoomConnection(**fields)


class World:
    """Rows written as the services would (desired state), and what the simulator shows."""

    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        sim: SimulatorServer,
        admin: SimAdmin,
    ) -> None:
        self.maker = maker
        self.sim = sim
        self.admin = admin
        self.connection: ZoomConnection | None = None

    async def connect(self, **overrides: Any) -> ZoomConnection:
        async with self.maker() as session:
            connection = connection_for(self.sim, **overrides)
            session.add(connection)
            await session.commit()
        self.connection = connection
        return connection

    async def event(
        self,
        kind: ZoomKind = ZoomKind.WEBINAR,
        *,
        days: int = 0,
        mode: LinkMode = LinkMode.CREATED,
        zoom_meeting_id: int | None = None,
        topic: str = "Launch",
    ) -> tuple[Event, MeetingLink]:
        connection = self.connection or await self.connect()
        async with self.maker() as session:
            event = Event(
                connection_id=connection.id,
                kind=kind,
                topic=topic,
                agenda="",
                start_at=START,
                timezone="Europe/Helsinki",
                duration_minutes=60,
                day_mode=DayMode.RECURRING if days else DayMode.SINGLE,
            )
            session.add(event)
            await session.flush()
            for day in range(days):
                session.add(
                    EventSession(
                        event_id=event.id,
                        kind=SessionKind.DAY,
                        start_at=START + timedelta(days=day),
                        duration_minutes=60,
                    )
                )
            link = MeetingLink(
                event_id=event.id,
                connection_id=connection.id,
                kind=kind,
                mode=mode,
                zoom_meeting_id=zoom_meeting_id,
                desired_version=event.version,
                synced_version=0,
            )
            session.add(link)
            await session.commit()
        return event, link

    async def register(
        self,
        link: MeetingLink,
        emails: list[str],
        want: RegistrationWant = RegistrationWant.REGISTERED,
    ) -> None:
        async with self.maker() as session:
            for email in emails:
                session.add(
                    Registration(
                        link_id=link.id,
                        email=email,
                        first_name="First",
                        last_name="Last",
                        want=want,
                    )
                )
            await session.commit()

    async def get(self, model: Any, row_id: Any) -> Any:
        async with self.maker() as session:
            return await session.get(model, row_id)

    async def all(self, query: Any) -> list[Any]:
        async with self.maker() as session:
            return list(await session.scalars(query))

    def meeting(self, meeting_id: int) -> dict[str, Any]:
        return dict(self.admin.get(f"/meetings/{meeting_id}"))

    def registrants(self, meeting_id: int) -> dict[str, dict[str, Any]]:
        return {r["email"]: r for r in self.meeting(meeting_id)["registrants"]}

    def zoom(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """Call the simulated Zoom API as someone editing in Zoom would (not through us)."""
        token = fetch_token(self.sim)
        return httpx.request(
            method,
            self.sim.api_url + path,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    def meeting_ids(self, kind: str = "webinar") -> list[int]:
        listed = self.zoom("GET", f"/users/me/{kind}s?page_size=300").json()
        return [m["id"] for m in listed[f"{kind}s"]]

    def calls(self, route_fragment: str) -> int:
        """How many requests the simulator answered on routes containing `route_fragment`."""
        stats = self.admin.stats()
        routes: dict[str, Any] = stats.get("routes") or stats.get("by_route") or {}
        total = 0
        for name, value in routes.items():
            if route_fragment in name:
                total += value if isinstance(value, int) else sum(value.values())
        return total


@pytest.fixture
def world(
    db_sessionmaker: async_sessionmaker[AsyncSession],
    simulator: SimulatorServer,
    sim_admin: SimAdmin,
) -> World:
    return World(db_sessionmaker, simulator, sim_admin)


@pytest.fixture
def clock() -> Clock:
    return Clock()


WorkerFactory = Callable[..., Worker]


@pytest.fixture
async def make_worker(
    db_sessionmaker: async_sessionmaker[AsyncSession],
    zoom_transport: httpx.AsyncBaseTransport,
    clock: Clock,
    tmp_path: Path,
) -> AsyncIterator[WorkerFactory]:
    workers: list[Worker] = []
    limiters = LimiterRegistry()

    def make(**overrides: Any) -> Worker:
        values: dict[str, Any] = {
            "limiters": limiters,
            "clock": clock,
            "transport": zoom_transport,
            "backoff": Backoff(base=0.01, cap=0.05),
        }
        values.update(overrides)
        worker = Worker(db_sessionmaker, Settings(data_dir=tmp_path), **values)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        await worker.aclose()
