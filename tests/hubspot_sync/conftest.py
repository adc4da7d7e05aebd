"""HubSpot sync's world: zoombridge's contacts rows (as the contacts domain stores them after a
webinar sync), a HubSpot simulator on loopback, and workers running the HubSpot steps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.fixtures.hubspot_simulator import FAST_RETRY
from tests.hubspot_sync.helpers import CrmWorld
from zoombridge.engine.backoff import Backoff
from zoombridge.hubspot import LimiterRegistry
from zoombridge.hubspot_simulator import HubSpotSimulatorServer
from zoombridge.hubspot_sync import tasks as hubspot_tasks
from zoombridge.hubspot_sync.tasks import HubSpotPool
from zoombridge.settings import Settings
from zoombridge.worker import Worker

WorkerFactory = Callable[..., Worker]


@pytest.fixture
async def hubspot_pool(
    hubspot_transport: httpx.AsyncBaseTransport,
) -> AsyncIterator[HubSpotPool]:
    pool = HubSpotPool(transport=hubspot_transport, limiters=LimiterRegistry(), retry=FAST_RETRY)
    yield pool
    await pool.aclose()


@pytest.fixture
async def hubspot_worker(
    db_sessionmaker: async_sessionmaker[AsyncSession], hubspot_pool: HubSpotPool, tmp_path: Path
) -> AsyncIterator[WorkerFactory]:
    """`hubspot_worker(**options)`: a worker running only the HubSpot steps."""
    workers: list[Worker] = []

    def make(**overrides: Any) -> Worker:
        values: dict[str, Any] = {
            "hubspot": hubspot_pool,
            "steps": hubspot_tasks.steps(hubspot_pool),
            "backoff": Backoff(base=0.01, cap=0.05),
        }
        values.update(overrides)
        worker = Worker(db_sessionmaker, Settings(data_dir=tmp_path), **values)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        await worker.clients.aclose()


@pytest.fixture
def crm(
    db_sessionmaker: async_sessionmaker[AsyncSession], hubspot_sim: HubSpotSimulatorServer
) -> CrmWorld:
    return CrmWorld(db_sessionmaker, hubspot_sim)
