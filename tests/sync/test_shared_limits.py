"""Rate slots and daily caps shared through PostgreSQL by several worker processes (each test
uses two engines, as two processes would); SQLite keeps the in-memory registry."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.database import MigratedPostgres
from tests.fixtures.simulator import SimAdmin
from tests.zoom.helpers import route_count, status_count
from tests.zoom.test_integration_operations import HOST, scheduled
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.engine.clients import ClientPool
from zoombridge.engine.shared_limits import (
    SharedDailyCaps,
    SharedLimiterRegistry,
    SharedRateLimiter,
    limiters_for,
)
from zoombridge.settings import Settings
from zoombridge.simulator import SimulatorServer
from zoombridge.zoom import (
    BatchRegistrantBody,
    DailyLimitReached,
    LimiterRegistry,
    Plan,
    ZoomClient,
    ZoomCredentials,
)
from zoombridge.zoom.operations import Category

postgres = pytest.mark.postgres

ACCOUNT = "acct-shared"
POOL = ("account", "heavy+resource_intensive")


@pytest.fixture
def pg_url(_migrated_postgres: MigratedPostgres) -> Iterator[str]:
    yield _migrated_postgres.url
    _migrated_postgres.clean()


@pytest.fixture
async def engines(pg_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines on one database: two worker processes' connection pools."""
    first, second = create_engine(pg_url), create_engine(pg_url)
    try:
        yield first, second
    finally:
        await first.dispose()
        await second.dispose()


def _limiters(
    engines: tuple[AsyncEngine, AsyncEngine], rate: float = 20.0
) -> tuple[SharedRateLimiter, SharedRateLimiter]:
    a, b = (SharedRateLimiter(e, ACCOUNT, Category.MEDIUM, rate) for e in engines)
    return a, b


@postgres
async def test_two_processes_together_get_slots_at_the_accounts_rate(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    a, b = _limiters(engines)

    async def take(limiter: SharedRateLimiter, n: int) -> list[datetime]:
        return [(await limiter.take_slot()).at for _ in range(n)]

    first, second = await asyncio.gather(take(a, 20), take(b, 20))
    slots = sorted(first + second)
    assert len(set(slots)) == 40
    # 40 slots at 20/s: every pair 50 ms apart (whoever took them), 1.95 s from first to last.
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(slots)]
    assert min(gaps) >= 0.05 - 1e-6
    assert (slots[-1] - slots[0]).total_seconds() >= 39 * 0.05 - 1e-6
    # Both got slots in between each other's: one queue, not two.
    assert min(second) < max(first)
    assert min(first) < max(second)


@postgres
async def test_a_pause_after_a_429_holds_back_the_other_process(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    a, b = _limiters(engines)
    before = await a.take_slot()
    a.pause(5.0)  # what the client does on a per-second 429 with Retry-After: 5
    await a.wait_shared()
    after = await b.take_slot()
    assert after.at - before.at >= timedelta(seconds=4.5)
    assert after.wait > 4.0
    # And the one that paused queues behind it as well.
    assert (await a.take_slot()).at > after.at


@postgres
async def test_acquire_waits_for_its_slot_and_returns(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    a = SharedRateLimiter(engines[0], ACCOUNT, Category.HEAVY, 10.0, sleep=sleep)
    for _ in range(3):
        await a.acquire()
    # The first is due at once; each later one waits about its 100 ms turn.
    assert len(waits) >= 2
    assert waits[-1] > 0.1


@postgres
async def test_daily_cap_counted_once_across_processes(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    a, b = (SharedDailyCaps(e, ACCOUNT) for e in engines)
    now = datetime.now(UTC)
    answers = []
    for i in range(8):
        answers.append(await (a if i % 2 else b).claim([POOL], 5, now))
    assert answers.count(True) == 5
    assert answers[5:] == [False, False, False]
    assert await a.used_shared(POOL, now) == 5
    # Each process's own checks before sending now see the cap reached.
    assert a.at_cap([POOL], 5, now)
    assert b.at_cap([POOL], 5, now)
    # A new UTC day starts from zero.
    tomorrow = now + timedelta(days=1)
    assert await a.claim([POOL], 5, tomorrow)
    assert await b.used_shared(POOL, tomorrow) == 1


@postgres
async def test_per_host_cap_is_shared_and_per_registrant_counts_stay_local(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    a, b = (SharedDailyCaps(e, ACCOUNT) for e in engines)
    now = datetime.now(UTC)
    host = ("host", "host@example.com")
    assert await a.claim([host], 2, now)
    assert await b.claim([host], 2, now)
    assert not await a.claim([host], 2, now)
    # The registrations table counts per-registrant sends; these keys never reach daily_usage.
    registrant = ("registration", "webinar", "123", "x@example.com")
    assert await a.claim([registrant], 1, now)
    assert await b.claim([registrant], 1, now)
    assert not await a.claim([registrant], 1, now)
    assert await a.used_shared(registrant, now) == 0


@postgres
async def test_registry_hands_out_shared_limiters_on_postgresql(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        registry = limiters_for(engine)
        assert isinstance(registry, SharedLimiterRegistry)
        registry.register(ACCOUNT, Plan.PRO)
        limiter = registry.limiter(ACCOUNT, Category.HEAVY)
        assert isinstance(limiter, SharedRateLimiter)
        assert limiter.rate == pytest.approx(10.0)
        assert registry.limiter(ACCOUNT, Category.HEAVY) is limiter
        assert isinstance(registry.daily_caps(ACCOUNT), SharedDailyCaps)
    finally:
        await engine.dispose()


async def test_sqlite_keeps_the_in_memory_registry(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    try:
        registry = limiters_for(engine)
        assert type(registry) is LimiterRegistry
        assert not isinstance(registry.limiter(ACCOUNT, Category.HEAVY), SharedRateLimiter)
    finally:
        await engine.dispose()


def _client(sim: SimulatorServer, engine: AsyncEngine) -> ZoomClient:
    """A client as one worker process builds it: its own registry on its own engine."""
    return ZoomClient(
        ZoomCredentials(
            account_id=sim.config.account_id,
            client_id=sim.config.client_id,
            client_secret=SecretStr(sim.config.client_secret),
        ),
        plan=Plan.PRO,
        api_url=sim.api_url,
        oauth_url=sim.oauth_url,
        limiters=limiters_for(engine),
    )


@postgres
async def test_two_processes_clients_burst_together_without_429(
    engines: tuple[AsyncEngine, AsyncEngine], simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    first, second = (_client(simulator, e) for e in engines)
    try:
        meeting = await first.create_meeting("meeting", HOST, scheduled("meeting"))
        # 30 Heavy batch calls at once from two "processes" (Pro: 10/s for the account). Paced
        # in each process's memory, together they would send 20/s: the simulator answers 429.
        batches = [
            zoom.add_registrants_batch(
                "meeting",
                meeting.id,
                [
                    BatchRegistrantBody(email=f"b{i}-{j}@example.com", first_name="B")
                    for j in range(3)
                ],
                auto_approve=True,
            )
            for i in range(15)
            for zoom in (first, second)
        ]
        await asyncio.gather(*batches)
        stats = sim_admin.stats()
        assert status_count(stats, 429) == 0
        assert route_count(stats, "batch") == 30
        assert first.stats.rate_limited == second.stats.rate_limited == 0
        # Both processes counted into one daily pool for the account.
        pool = await SharedDailyCaps(engines[0], simulator.config.account_id).used_shared(
            POOL, datetime.now(UTC)
        )
        assert pool == 30
    finally:
        await first.aclose()
        await second.aclose()


@postgres
async def test_account_daily_pool_used_up_elsewhere_is_refused_before_sending(
    engines: tuple[AsyncEngine, AsyncEngine], simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    first, second = (_client(simulator, e) for e in engines)
    try:
        meeting = await first.create_meeting("meeting", HOST, scheduled("meeting"))
        caps = SharedDailyCaps(engines[0], simulator.config.account_id)
        now = datetime.now(UTC)
        # The other process used the pool up to one call short of Pro's 30,000.
        assert await caps.claim([POOL], 30_000, now)
        async with engines[0].begin() as conn:
            await conn.execute(
                text("UPDATE daily_usage SET used = 29999 WHERE cap_key = :k"),
                {"k": ":".join(POOL)},
            )
        body = [BatchRegistrantBody(email="last@example.com", first_name="L")]
        await second.add_registrants_batch("meeting", meeting.id, body, auto_approve=True)
        with pytest.raises(DailyLimitReached):
            await second.add_registrants_batch(
                "meeting",
                meeting.id,
                [BatchRegistrantBody(email="over@example.com", first_name="O")],
                auto_approve=True,
            )
        assert route_count(sim_admin.stats(), "batch") == 1
        assert await caps.used_shared(POOL, now) == 30_000
    finally:
        await first.aclose()
        await second.aclose()


@postgres
async def test_client_pool_picks_the_shared_registry_from_the_database(
    pg_url: str, tmp_path: Path
) -> None:
    engine = create_engine(pg_url)
    try:
        maker = create_sessionmaker(engine)
        pool = ClientPool(
            Settings(data_dir=tmp_path), database=maker, clock=lambda: datetime.now(UTC)
        )
        assert isinstance(pool.limiters, SharedLimiterRegistry)
        given = LimiterRegistry()
        assert (
            ClientPool(
                Settings(data_dir=tmp_path),
                limiters=given,
                database=maker,
                clock=lambda: datetime.now(UTC),
            ).limiters
            is given
        )
    finally:
        await engine.dispose()


@postgres
async def test_a_slot_is_taken_again_on_a_fresh_connection_when_the_pooled_one_was_cut(
    pg_url: str, engines: tuple[AsyncEngine, AsyncEngine]
) -> None:
    # Without pre-ping the pool hands out the dead connection: the statement itself fails.
    engine = create_engine(
        pg_url, pool_pre_ping=False, connect_args={"application_name": "zb-cut-me"}
    )
    try:
        limiter = SharedRateLimiter(engine, ACCOUNT, Category.LIGHT, 30.0)
        first = await limiter.take_slot()
        async with engines[1].connect() as admin:
            cut = await admin.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = 'zb-cut-me'"
                )
            )
        assert cut == 1
        second = await limiter.take_slot()
        assert second.at > first.at
    finally:
        await engine.dispose()
