"""Chaos: worker processes SIGKILLed mid-run while Zoom (the simulator) fails often.

The simulator answers 10 % of calls with 5xx, 5 % with spurious 429s and drops 5 % of
connections (half after the request took effect), with 50-200 ms latency. Attendees over
several orders (some cancelled mid-run) are written as desired state; `zoombridge worker`
processes are started and SIGKILLed a few times, then one runs to the end. While each killed
worker runs, one more fault hits it before the kill, alternately:

- token revocation: the simulator revokes every access token of the account; the worker must
  fetch a new one (on Zoom's 401 / code 124) and go on;
- a restarted database connection (PostgreSQL only): `pg_terminate_backend` on every other
  connection to the database, the worker's included; the worker must reconnect and go on, not
  die. SQLite has no server-side connections to cut: that fault is skipped, and the run says so.

The result must equal the desired state: every wanted registrant approved, every cancelled one
not, one registrant per email, one webinar, no registrant asked more than 3 times a day, and
the worker alive and progressing after each fault.

    ./dev bench chaos                                # 2,000 attendees, 20 orders, 5 kills
    ./dev bench chaos --postgres                     # the same on a throwaway PostgreSQL database
    ./dev bench chaos --attendees 500 --orders 5 --kills 3 --database-url postgresql://...

The test suite runs the same harness small (tests/sync/test_chaos.py).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from _setup import add_simulated_webinar, postgres_server_url, throwaway_postgres
from zoombridge.db import migrate
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.engine.backoff import Backoff
from zoombridge.events.models import LinkState, MeetingLink
from zoombridge.orders.models import Registration, RegistrationState, RegistrationWant
from zoombridge.settings import Settings
from zoombridge.simulator import FaultConfig, SimulatorConfig, SimulatorServer
from zoombridge.worker import Worker
from zoombridge.zoom.daily_caps import next_utc_midnight

FINAL = {RegistrationState.REGISTERED, RegistrationState.CANCELLED}


@dataclass
class ChaosResult:
    attendees: int
    cancelled: int
    kills: int
    elapsed: float
    wanted_missing: list[str] = field(default_factory=list)
    cancelled_active: list[str] = field(default_factory=list)
    strangers: list[str] = field(default_factory=list)
    over_three: list[str] = field(default_factory=list)
    webinars: int = 0
    rows_not_final: int = 0
    day_rollovers: int = 0
    max_requests: int = 0
    done_at_kills: list[int] = field(default_factory=list)
    faults: list[FaultRecord] = field(default_factory=list)
    skipped_faults: list[str] = field(default_factory=list)
    tokens_issued: int = 0  # one per worker process at start, plus one after each revocation
    rejected_tokens: int = 0  # 401 answers (a revoked token) the workers got
    deferred_reasons: dict[str, int] = field(default_factory=dict)  # rows waiting for 00:00

    @property
    def ok(self) -> bool:
        return (
            not (
                self.wanted_missing
                or self.cancelled_active
                or self.strangers
                or self.over_three
                or self.rows_not_final
            )
            and self.webinars == 1
            and all(f.survived for f in self.faults)
        )

    def summary(self) -> str:
        return (
            f"chaos: {'OK' if self.ok else 'FAILED'} — {self.attendees} attendees "
            f"({self.cancelled} cancelled), {self.kills} SIGKILLs (rows done at each: "
            f"{', '.join(map(str, self.done_at_kills))}), {self.elapsed:.1f} s; "
            f"missing {len(self.wanted_missing)}, cancelled-but-active "
            f"{len(self.cancelled_active)}, unexpected {len(self.strangers)}, webinars "
            f"{self.webinars}, max requests per registrant and day {self.max_requests} "
            f"(>3: {len(self.over_three)}), day rollovers {self.day_rollovers}, rows not final "
            f"{self.rows_not_final}\n"
            f"  faults: {'; '.join(f.describe() for f in self.faults) or 'none'}"
            f"{''.join(f'; skipped: {why}' for why in self.skipped_faults)}; "
            f"401s answered {self.rejected_tokens}, tokens issued {self.tokens_issued}\n"
            f"  rows deferred to 00:00 UTC, by reason: {self.deferred_reasons or 'none'}"
        )


@dataclass
class FaultRecord:
    """One fault injected into a running worker, and whether the worker got over it."""

    name: str
    done_before: int
    done_after: int = 0
    worker_alive: bool = True
    idle: bool = False  # no row was due when the fault came (all done, or waiting for 00:00)
    detail: str = ""

    @property
    def survived(self) -> bool:
        # Alive, and it went on working (unless there was nothing left to do).
        return self.worker_alive and (self.done_after > self.done_before or self.idle)

    def describe(self) -> str:
        outcome = "survived" if self.survived else "NOT SURVIVED"
        alive = "" if self.worker_alive else ", worker died"
        idle = " (nothing due)" if self.idle else ""
        return (
            f"{self.name}{f' ({self.detail})' if self.detail else ''} at {self.done_before} "
            f"rows done{idle} -> {self.done_after}{alive}: {outcome}"
        )


def _worker_command() -> list[str]:
    script = Path(sys.executable).with_name("zoombridge")
    if script.exists():
        return [str(script), "worker"]
    return [sys.executable, "-m", "zoombridge.cli", "worker"]


async def _seed(
    maker: async_sessionmaker[AsyncSession], sim: SimulatorServer, attendees: int, orders: int
) -> tuple[MeetingLink, list[list[str]]]:
    async with maker() as session:
        _, link = await add_simulated_webinar(
            session,
            sim,
            name="Chaos",
            start=datetime(2031, 5, 5, 12, 0, tzinfo=UTC),
            duration_minutes=90,
        )
        per_order = [
            [f"o{o}-a{i}@example.com" for i in range(o, attendees, orders)] for o in range(orders)
        ]
        for emails in per_order:
            for email in emails:
                session.add(
                    Registration(
                        link_id=link.id,
                        email=email,
                        first_name="Chaos",
                        last_name="Tester",
                        want=RegistrationWant.REGISTERED,
                    )
                )
        await session.commit()
    return link, per_order


async def _cancel(maker: async_sessionmaker[AsyncSession], emails: list[str]) -> None:
    """What the orders service does when an order is cancelled (the desired-state contract)."""
    async with maker() as session:
        await session.execute(
            update(Registration)
            .where(Registration.email.in_(emails))
            .values(
                want=RegistrationWant.CANCELLED,
                state=RegistrationState.PENDING,
                not_before=None,
                attempts=0,
                last_error=None,
            )
        )
        await session.commit()


async def _states(maker: async_sessionmaker[AsyncSession]) -> dict[RegistrationState, int]:
    async with maker() as session:
        counts: dict[RegistrationState, int] = {}
        for row in await session.scalars(select(Registration)):
            counts[row.state] = counts.get(row.state, 0) + 1
        return counts


async def _pending(maker: async_sessionmaker[AsyncSession]) -> int:
    return (await _states(maker)).get(RegistrationState.PENDING, 0)


async def _done(maker: async_sessionmaker[AsyncSession]) -> int:
    states = await _states(maker)
    return sum(states.get(s, 0) for s in FINAL)


async def _progress(maker: async_sessionmaker[AsyncSession], deadline: float) -> None:
    """Return once more rows are done than now, or at `deadline` — at once when no row is
    PENDING (the rest wait for 00:00 UTC: nothing to make progress on today)."""
    before = await _done(maker)
    while time.monotonic() < deadline:
        states = await _states(maker)
        if sum(states.get(s, 0) for s in FINAL) != before or not states.get(
            RegistrationState.PENDING
        ):
            return
        await asyncio.sleep(0.05)


async def _settled(maker: async_sessionmaker[AsyncSession], link_id: Any) -> bool:
    async with maker() as session:
        link = await session.get(MeetingLink, link_id)
        if link is None or link.state is not LinkState.SYNCED:
            return False
        states = {r.state for r in await session.scalars(select(Registration))}
    return states <= FINAL | {RegistrationState.DEFERRED}


def _spawn(env: dict[str, str], name: str, logdir: Path) -> subprocess.Popen[bytes]:
    log = (logdir / f"{name}.log").open("wb")
    return subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [
            *_worker_command(),
            "--id",
            name,
            "--poll-interval",
            "0.2",
            "--lease-seconds",
            "3",
            "--retry-base-seconds",
            "0.2",
            "--retry-max-seconds",
            "2",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def run_chaos(
    database_url: str,
    *,
    attendees: int = 200,
    orders: int = 5,
    cancelled_orders: int = 1,
    kills: int = 3,
    kill_window: tuple[float, float] = (1.5, 3.0),
    seed: int = 7,
    give_up_after: float = 240.0,
    workdir: Path | None = None,
    fault_window: float = 20.0,
    say: Callable[[str], None] | None = None,
) -> ChaosResult:
    """Run the scenario against a migrated, empty database at `database_url`.

    Killed worker n first gets a fault (even n: token revocation, odd n: database connections
    cut; both when there is a single kill), then is SIGKILLed once it made progress after it.
    `fault_window` bounds the wait for that progress.
    """
    rng = random.Random(seed)
    workdir = workdir or Path(tempfile.mkdtemp(prefix="zb-chaos-"))
    key = SecretBox.new_key()
    engine = create_engine(database_url, secret_box=SecretBox(key))
    maker = create_sessionmaker(engine)
    config = SimulatorConfig(
        seed=seed,
        faults=FaultConfig(
            latency_ms_min=50, latency_ms_max=200, error_rate=0.10, rate_429=0.05, drop_rate=0.05
        ),
    )
    env = {
        **os.environ,
        "ZOOMBRIDGE_DATABASE_URL": database_url,
        "ZOOMBRIDGE_SECRET_KEY": key,
        "ZOOMBRIDGE_DATA_DIR": str(workdir),
        "ZOOMBRIDGE_LOG_LEVEL": "WARNING",
    }
    started = time.monotonic()

    async def mark(what: str) -> None:
        if say is not None:
            say(f"  {time.monotonic() - started:6.1f} s  {what} ({await _done(maker)} rows done)")

    try:
        with SimulatorServer(config) as sim:
            link, per_order = await _seed(maker, sim, attendees, orders)
            cancelled = [e for emails in per_order[:cancelled_orders] for e in emails]
            killed_at: list[int] = []
            faults_done: list[FaultRecord] = []
            skipped: list[str] = []
            for n in range(kills):
                process = _spawn(env, f"chaos-{n}", workdir)
                await mark(f"worker {n} started")
                # Fault, then kill, mid-run: once this worker has visibly made progress (or at
                # the latest after the window), and again a moment after the fault, while its
                # next calls are in flight.
                at_start = await _done(maker)
                await _progress(maker, time.monotonic() + rng.uniform(*kill_window))
                if await _done(maker) == at_start:  # a slow start: a fault needs a worker at work
                    await _progress(maker, time.monotonic() + fault_window)
                for fault in _faults_for(n, kills):
                    await mark(f"injecting: {fault}")
                    record = await _inject(
                        fault, engine, maker, sim, process, fault_window, skipped
                    )
                    if record is not None:
                        faults_done.append(record)
                        await mark(f"{record.describe()}")
                await asyncio.sleep(rng.uniform(0.0, 0.15))
                process.send_signal(signal.SIGKILL)
                await mark(f"worker {n} SIGKILLed")
                process.wait()
                killed_at.append(await _done(maker))
                if n == 0:
                    await _cancel(maker, cancelled)  # an order cancelled mid-run
            last = _spawn(env, "chaos-last", workdir)
            await mark("last worker started")
            try:
                deadline = time.monotonic() + give_up_after
                # Polling: the work happens in another process, nothing here to wait on.
                while time.monotonic() < deadline:
                    if await _settled(maker, link.id):
                        break
                    await asyncio.sleep(0.5)
            finally:
                await mark("settled; stopping the last worker")
                last.send_signal(signal.SIGTERM)
                last.wait(timeout=30)
            result = ChaosResult(
                attendees=attendees,
                cancelled=len(cancelled),
                kills=kills,
                elapsed=0.0,
                done_at_kills=killed_at,
                faults=faults_done,
                skipped_faults=sorted(set(skipped)),
            )
            await _token_counts(sim, result)
            await _finish_deferred(maker, sim, result, link.id)
            await mark(f"day rollovers for deferred rows: {result.day_rollovers}")
            result.elapsed = time.monotonic() - started
            await _verify(maker, sim, link.id, per_order, set(cancelled), result)
            return result
    finally:
        await engine.dispose()


REVOKE = "token revocation"
DB_RESTART = "database connections cut"


def _faults_for(n: int, kills: int) -> list[str]:
    if kills == 1:
        return [REVOKE, DB_RESTART]
    return [REVOKE] if n % 2 == 0 else [DB_RESTART]


async def _inject(
    fault: str,
    engine: AsyncEngine,
    maker: async_sessionmaker[AsyncSession],
    sim: SimulatorServer,
    process: subprocess.Popen[bytes],
    window: float,
    skipped: list[str],
) -> FaultRecord | None:
    """Inject `fault` into the running worker; then wait for its next progress (or `window`)."""
    before = await _done(maker)
    if fault == REVOKE:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.post(
                f"{sim.admin_url}/accounts/{sim.config.account_id}/tokens/revoke"
            )
            answer.raise_for_status()
        detail = f"{answer.json()['revoked']} token(s) revoked"
    else:
        if make_url(engine.url).get_backend_name() != "postgresql":
            skipped.append(
                "database connections cut: SQLite is a file each process opens itself, there "
                "is no server connection to terminate (run with --postgres for this fault)"
            )
            return None
        detail = f"{await _terminate_backends(engine)} connection(s) terminated"
    record = FaultRecord(fault, before, idle=not await _pending(maker), detail=detail)
    await _progress(maker, time.monotonic() + window)
    record.done_after = await _done(maker)
    record.worker_alive = process.poll() is None
    return record


async def _terminate_backends(engine: AsyncEngine) -> int:
    """`pg_terminate_backend` on every other connection to this database: the workers' (and
    our own pooled ones, which pool_pre_ping replaces). Other databases are left alone."""
    async with engine.connect() as connection:
        killed = await connection.scalars(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        count = sum(1 for ok in killed if ok)
        await connection.rollback()
    return count


async def _token_counts(sim: SimulatorServer, result: ChaosResult) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        stats = (await http.get(f"{sim.admin_url}/stats")).json()
    result.rejected_tokens = int(stats["statuses"].get("401", 0))
    result.tokens_issued = int(stats["routes"].get("oauth.token", 0))


async def _finish_deferred(
    maker: async_sessionmaker[AsyncSession],
    sim: SimulatorServer,
    result: ChaosResult,
    link_id: Any,
) -> None:
    """Rows that used their 3 requests today wait for 00:00 UTC: move both clocks there."""
    offset = timedelta()
    worker = Worker(
        maker,
        Settings(),
        worker_id="chaos-after-midnight",
        clock=lambda: datetime.now(UTC) + offset,
        backoff=Backoff(base=0.2, cap=2.0),
    )
    try:
        for _ in range(5):
            if RegistrationState.DEFERRED not in await _states(maker):
                return
            await _record_counts(sim, maker, link_id, result)
            async with maker() as session:
                for reason in await session.scalars(
                    select(Registration.last_error).where(
                        Registration.state == RegistrationState.DEFERRED
                    )
                ):
                    # The reason without its row-specific tail (emails, times).
                    key = (reason or "?").split(":")[0][:90]
                    result.deferred_reasons[key] = result.deferred_reasons.get(key, 0) + 1
            now = datetime.now(UTC) + offset
            step = next_utc_midnight(now) - now + timedelta(minutes=1)
            offset += step
            async with httpx.AsyncClient() as http:
                await http.post(
                    f"{sim.admin_url}/clock", json={"advance_seconds": step.total_seconds()}
                )
            result.day_rollovers += 1
            for _ in range(200):
                await worker.run_once()
                if await _settled(maker, link_id) and RegistrationState.PENDING not in (
                    await _states(maker)
                ):
                    break
                await asyncio.sleep(0.2)
    finally:
        await worker.aclose()


async def _record_counts(
    sim: SimulatorServer, maker: async_sessionmaker[AsyncSession], link_id: Any, result: ChaosResult
) -> None:
    async with maker() as session:
        link = await session.get(MeetingLink, link_id)
        meeting_id = link.zoom_meeting_id if link else None
    if meeting_id is None:
        return
    async with httpx.AsyncClient() as http:
        state = (await http.get(f"{sim.admin_url}/meetings/{meeting_id}")).json()
    for registrant in state["registrants"]:
        count = registrant["request_counts"]["registration"]
        result.max_requests = max(result.max_requests, count)
        if count > 3:
            result.over_three.append(registrant["email"])


async def _answered(http: httpx.AsyncClient, method: str, url: str, **kw: Any) -> httpx.Response:
    """The faults are still on while we look: ask until a real answer comes."""
    while True:
        try:
            response = await http.request(method, url, **kw)
        except httpx.TransportError:
            continue
        if response.status_code < 300:
            return response


async def _verify(
    maker: async_sessionmaker[AsyncSession],
    sim: SimulatorServer,
    link_id: Any,
    per_order: list[list[str]],
    cancelled: set[str],
    result: ChaosResult,
) -> None:
    await _record_counts(sim, maker, link_id, result)
    async with maker() as session:
        link = await session.get(MeetingLink, link_id)
        assert link is not None
        rows = list(await session.scalars(select(Registration)))
    result.rows_not_final = sum(1 for r in rows if r.state not in FINAL)
    result.over_three.extend(r.email for r in rows if r.zoom_requests > 3)
    async with httpx.AsyncClient(timeout=30) as http:
        token = (
            await _answered(
                http,
                "POST",
                sim.oauth_url,
                params={"grant_type": "account_credentials", "account_id": sim.config.account_id},
                auth=(sim.config.client_id, sim.config.client_secret),
            )
        ).json()["access_token"]
        listed = await _answered(
            http,
            "GET",
            f"{sim.api_url}/users/me/webinars",
            params={"page_size": 300},
            headers={"Authorization": f"Bearer {token}"},
        )
        result.webinars = len(listed.json()["webinars"])
        state = (
            (await http.get(f"{sim.admin_url}/meetings/{link.zoom_meeting_id}")).json()
            if link.zoom_meeting_id is not None
            else None
        )
    if state is None:
        result.wanted_missing = [e for emails in per_order for e in emails if e not in cancelled]
        return
    by_email: dict[str, list[str]] = {}
    for registrant in state["registrants"]:
        by_email.setdefault(registrant["email"], []).append(registrant["status"])
    wanted = {e for emails in per_order for e in emails} - cancelled
    result.wanted_missing = sorted(e for e in wanted if by_email.get(e) != ["approved"])
    result.cancelled_active = sorted(
        e for e in cancelled if by_email.get(e, ["cancelled"]) != ["cancelled"]
    )
    result.strangers = sorted(set(by_email) - wanted - cancelled)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--cancelled-orders", type=int, default=3)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--database-url", help="a migrated, EMPTY database (default: a fresh SQLite file)"
    )
    where.add_argument(
        "--postgres",
        action="store_true",
        help="a throwaway database on the local PostgreSQL server (adds the database fault)",
    )
    args = parser.parse_args()
    # A worker killed mid-request makes the simulator log a disconnect: expected here.
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    workdir = Path(tempfile.mkdtemp(prefix="zb-chaos-"))

    def run(url: str) -> ChaosResult:
        return asyncio.run(
            run_chaos(
                url,
                attendees=args.attendees,
                orders=args.orders,
                cancelled_orders=args.cancelled_orders,
                kills=args.kills,
                kill_window=(5.0, 10.0),
                seed=args.seed,
                give_up_after=900.0,
                workdir=workdir,
                say=print,
            )
        )

    if args.postgres:
        server = postgres_server_url()
        if server is None:
            print("chaos: no PostgreSQL server reachable (set ZOOMBRIDGE_BENCH_POSTGRES_URL)")
            return 2
        with throwaway_postgres(server) as url:
            migrate.upgrade(url)
            result = run(url)
    else:
        url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'chaos.db'}"
        if args.database_url is None:
            migrate.upgrade(url)
        result = run(url)
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
