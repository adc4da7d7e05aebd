"""Scale-out on PostgreSQL: 1, 2 and 4 `zoombridge worker` processes on one queue, one account.

Zoom limits an ACCOUNT, so worker processes on one database share its pace through the database
(sync/shared_limits.py). This bench shows that more workers reach the rate-limit ceiling and
never go past it: no 429s, nobody registered twice, and no faster than the ceiling.

For each worker count, on a throwaway PostgreSQL database and a fresh simulator (Pro limits,
100-200 ms latency): a connection and several single-occurrence webinars are created by the
workers; then one queue of N registrations (default 20,000) is committed at once and the
workers register them in batches of 30 (Heavy category, 10/s on Pro):

    ceiling    = sum over webinars of ceil(registrations / 30) / Heavy per second
                 (Pro, 20,000 on 5 webinars: 670 calls / 10 = 67 s)
    elapsed    = last confirmed registration - the queue's commit
    efficiency = ceiling / elapsed          (1.0 = exactly at the account's limit)
    busy       = worker processes seen holding claimed registrations during the run
    429s       = answered by the simulator (must be 0)
    done twice = registrants the simulator received more than once (must be 0)

Ratios are to the 1-worker run of the same invocation. More workers must NOT be faster past the
ceiling: the ratio of elapsed stays ~1.0.

    ./dev bench scale_out                          # 20,000 registrations, 1, 2 and 4 workers
    ./dev bench scale_out --registrations 1000 --workers 1 2
    ./dev bench scale_out --registrations 3000 --compare-process-limits   # + 4 workers
        # each pacing in its own memory, as before: the account's limit exceeded, 429s

The test suite runs it small (tests/sync/test_scale_out.py).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from _setup import (
    add_simulated_connection,
    postgres_server_url,
    product_env,
    spawn_cli,
    stop_process,
    throwaway_postgres,
)
from zoombridge.connections.models import ZoomKind
from zoombridge.db import migrate
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.events.models import Event, LinkMode, LinkState, MeetingLink
from zoombridge.orders.models import Registration, RegistrationState, RegistrationWant
from zoombridge.orders.tasks.registrations import MAX_BATCH
from zoombridge.simulator import FaultConfig, SimulatorConfig, SimulatorServer
from zoombridge.zoom import Plan
from zoombridge.zoom.operations import operation_for
from zoombridge.zoom.plans import PER_SECOND

BATCH_ROUTE = "addBatchWebinarRegistrants"
PER_WEBINAR = 4_000  # registrants per webinar (Zoom's webinar capacity is higher)


@dataclass
class RunResult:
    workers: int
    registrations: int
    webinars: int
    ceiling: float
    batch_calls_needed: int
    process_limits: bool = False
    """Each worker paced in its own memory (the comparison), not through the database."""
    elapsed: float = 0.0
    registered_rows: int = 0
    other_rows: dict[str, int] = field(default_factory=dict)
    zoom_registrants: int = 0
    done_twice: int = 0
    missing: int = 0
    batch_calls: int = 0
    api_calls: int = 0
    received_429: int = 0
    owners_seen: set[str] = field(default_factory=set)
    """Workers seen holding claimed registrations while the queue drained."""

    @property
    def per_second(self) -> float:
        return self.registered_rows / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def efficiency(self) -> float:
        return self.ceiling / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def correct(self) -> bool:
        return (
            self.registered_rows == self.registrations
            and not self.other_rows
            and self.zoom_registrants == self.registrations
            and self.done_twice == 0
            and self.missing == 0
        )


def webinar_sizes(registrations: int) -> list[int]:
    """Registrations per webinar: as many webinars as PER_WEBINAR needs, sizes even."""
    count = max(1, math.ceil(registrations / PER_WEBINAR))
    base, extra = divmod(registrations, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def ceiling_for(sizes: list[int], plan: str = "pro") -> tuple[int, float]:
    """Batch calls needed and the seconds they take at the account's Heavy rate."""
    calls = sum(math.ceil(n / MAX_BATCH) for n in sizes)
    category = operation_for("batch_registrants", "webinar").category
    return calls, calls / PER_SECOND[Plan(plan)][category]


async def _seed_webinars(
    maker: Any, sim: SimulatorServer, count: int
) -> list[tuple[Any, Any]]:  # (link id, event id)
    start = (datetime.now(UTC) + timedelta(days=14)).replace(microsecond=0)
    async with maker() as session:
        connection = await add_simulated_connection(session, sim, name="Scale-out")
        links = []
        for number in range(count):
            event = Event(
                connection_id=connection.id,
                kind=ZoomKind.WEBINAR,
                topic=f"Scale-out webinar {number + 1}",
                start_at=start + timedelta(hours=number),
                timezone="UTC",
                duration_minutes=60,
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
            links.append((link.id, event.id))
        await session.commit()
    return links


async def _wait_links_synced(maker: Any, within: float) -> list[tuple[Any, int]]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with maker() as session:
            links = list(await session.scalars(select(MeetingLink)))
        if links and all(link.state is LinkState.SYNCED and link.zoom_meeting_id for link in links):
            return [(link.id, int(link.zoom_meeting_id)) for link in links]
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the webinars were not created on Zoom within {within:.0f} s")


async def _enqueue(maker: Any, link_ids: list[Any], sizes: list[int]) -> datetime:
    """Every registration in one commit (one queue); the moment it became visible."""
    async with maker() as session:
        n = 0
        for link_id, size in zip(link_ids, sizes, strict=True):
            rows = [
                {
                    "link_id": link_id,
                    "email": f"p{i}@example.com",
                    "first_name": "Scale",
                    "last_name": str(i),
                    "want": RegistrationWant.REGISTERED,
                }
                for i in range(n, n + size)
            ]
            for chunk in range(0, len(rows), 2_000):
                await session.execute(insert(Registration), rows[chunk : chunk + 2_000])
            n += size
        await session.commit()
    return datetime.now(UTC)


async def _wait_registered(maker: Any, result: RunResult, give_up_after: float) -> datetime | None:
    deadline = time.monotonic() + give_up_after
    last_change, last_count = time.monotonic(), -1
    by_state: dict[RegistrationState, int] = {}
    while time.monotonic() < deadline:
        async with maker() as session:
            by_state = {
                state: count
                for state, count in await session.execute(
                    select(Registration.state, func.count()).group_by(Registration.state)
                )
            }
            owners = await session.scalars(
                select(Registration.lease_owner).where(Registration.lease_owner.is_not(None))
            )
            result.owners_seen.update(o for o in owners if o)
        registered = by_state.get(RegistrationState.REGISTERED, 0)
        if registered != last_count:
            last_count, last_change = registered, time.monotonic()
        open_rows = sum(
            by_state.get(s, 0) for s in (RegistrationState.PENDING, RegistrationState.DEFERRED)
        )
        if registered >= result.registrations or open_rows == 0:
            break
        if time.monotonic() - last_change > 60:
            print("  no progress for 60 s: giving up", file=sys.stderr)
            break
        await asyncio.sleep(0.25)
    result.registered_rows = by_state.get(RegistrationState.REGISTERED, 0)
    result.other_rows = {
        str(s): c for s, c in by_state.items() if s is not RegistrationState.REGISTERED and c
    }
    async with maker() as session:
        last: datetime | None = await session.scalar(select(func.max(Registration.confirmed_at)))
    return last


async def _check_zoom(sim: SimulatorServer, meeting_ids: list[int], result: RunResult) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        stats = (await http.get(f"{sim.admin_url}/stats")).json()
        seen: set[str] = set()
        for meeting_id in meeting_ids:
            state = (await http.get(f"{sim.admin_url}/meetings/{meeting_id}")).json()
            for registrant in state["registrants"]:
                seen.add(registrant["email"].lower())
                if registrant["request_counts"]["registration"] > 1:
                    result.done_twice += 1
    result.zoom_registrants = len(seen)
    result.missing = result.registrations - len(seen & _expected(result.registrations))
    routes: dict[str, int] = stats["routes"]
    result.batch_calls = int(routes.get(BATCH_ROUTE, 0))
    result.api_calls = sum(int(v) for name, v in routes.items() if name != "oauth.token")
    result.received_429 = int(stats["statuses"].get("429", 0))


def _expected(registrations: int) -> set[str]:
    return {f"p{i}@example.com" for i in range(registrations)}


def _worker_args(name: str, process_limits: bool, claim_size: int | None = None) -> list[str]:
    args = ["worker", "--id", name, "--poll-interval", "0.2"]
    if claim_size is not None:
        args += ["--claim-size", str(claim_size)]
    return [*args, "--process-limits"] if process_limits else args


async def run_workers(
    server_url: str,
    *,
    workers: int,
    registrations: int,
    workdir: Path,
    latency_ms: tuple[float, float] = (100.0, 200.0),
    give_up_after: float = 1_800.0,
    process_limits: bool = False,
    claim_size: int | None = None,
) -> RunResult:
    """One run: a throwaway database on `server_url`, a fresh simulator, `workers` processes."""
    sizes = webinar_sizes(registrations)
    calls, ceiling = ceiling_for(sizes)
    result = RunResult(workers, registrations, len(sizes), ceiling, calls, process_limits)
    run_dir = workdir / f"workers-{workers}{'-process-limits' if process_limits else ''}"
    await asyncio.to_thread(run_dir.mkdir, parents=True, exist_ok=True)
    config = SimulatorConfig(
        plan="pro",
        webinar_capacity=max(PER_WEBINAR, 10_000),
        faults=FaultConfig(latency_ms_min=latency_ms[0], latency_ms_max=latency_ms[1]),
        seed=7,
    )
    with throwaway_postgres(server_url) as database_url:
        key = SecretBox.new_key()
        engine = create_engine(database_url, secret_box=SecretBox(key))
        maker = create_sessionmaker(engine)
        env = product_env(database_url, key, run_dir)
        processes = []
        try:
            await migrate.upgrade_async(engine)
            with SimulatorServer(config) as sim:
                await _seed_webinars(maker, sim, len(sizes))
                for n in range(workers):
                    name = f"scale-{workers}-{n + 1}"
                    processes.append(
                        spawn_cli(
                            env,
                            _worker_args(name, process_limits, claim_size),
                            run_dir / f"{name}.log",
                        )
                    )
                links = await _wait_links_synced(maker, within=120)
                async with httpx.AsyncClient() as admin:
                    # Count only what the registrations cost (not the webinars' creation).
                    await admin.post(f"{sim.admin_url}/stats/reset")
                print(
                    f"{workers} worker(s): {registrations} registrations queued…", file=sys.stderr
                )
                queued = await _enqueue(maker, [link_id for link_id, _ in links], sizes)
                last = await _wait_registered(maker, result, give_up_after)
                if last is not None:
                    result.elapsed = max(0.0, (last - queued).total_seconds())
                for process in processes:
                    stop_process(process)
                await _check_zoom(sim, [meeting_id for _, meeting_id in links], result)
        finally:
            for process in processes:
                stop_process(process)
            await engine.dispose()
    return result


def table(results: list[RunResult]) -> str:
    base = results[0]

    def ratio(value: float, reference: float) -> str:
        return f"{value / reference:.2f}x" if reference else "-"

    header = (
        f"{'workers':>7} {'elapsed s':>9} {'regs/s':>7} {'ceiling s':>9} {'effic.':>6} "
        f"{'busy':>4} {'429s':>5} {'calls':>6} {'batch':>6} {'twice':>5} {'missing':>7} "
        f"{'elapsed vs 1':>12} {'regs/s vs 1':>11}"
    )
    lines = [header]
    for r in results:
        label = f"{r.workers}{'*' if r.process_limits else ''}"
        lines.append(
            f"{label:>7} {r.elapsed:>9.1f} {r.per_second:>7.1f} {r.ceiling:>9.1f} "
            f"{r.efficiency:>6.3f} {len(r.owners_seen):>4} {r.received_429:>5} "
            f"{r.api_calls:>6} {r.batch_calls:>6} "
            f"{r.done_twice:>5} {r.missing:>7} {ratio(r.elapsed, base.elapsed):>12} "
            f"{ratio(r.per_second, base.per_second):>11}"
        )
    if any(r.process_limits for r in results):
        lines.append("* each worker paced in its own memory (--process-limits), for comparison")
    return "\n".join(lines)


def verdict(results: list[RunResult]) -> str:
    problems = []
    for r in results:
        if r.process_limits:
            continue  # the comparison is expected to draw 429s
        if not r.correct:
            problems.append(
                f"{r.workers} worker(s): registered {r.registered_rows}/{r.registrations}, "
                f"other states {r.other_rows}, on Zoom {r.zoom_registrants}, "
                f"done twice {r.done_twice}, missing {r.missing}"
            )
        if r.received_429:
            problems.append(f"{r.workers} worker(s): {r.received_429} 429s")
        if r.efficiency > 1.05:
            problems.append(f"{r.workers} worker(s): faster than the account's limit allows")
    return "OK" if not problems else "PROBLEMS: " + "; ".join(problems)


async def run_all(
    server_url: str, counts: list[int], registrations: int, workdir: Path, compare: bool
) -> list[RunResult]:
    runs = [(workers, False) for workers in counts]
    if compare:
        runs.append((max(counts), True))
    results = []
    for workers, process_limits in runs:
        result = await run_workers(
            server_url,
            workers=workers,
            registrations=registrations,
            workdir=workdir,
            process_limits=process_limits,
        )
        print(
            f"  {workers} worker(s): {result.elapsed:.1f} s, 429s {result.received_429}, "
            f"done twice {result.done_twice}",
            file=sys.stderr,
        )
        results.append(result)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument(
        "--compare-process-limits",
        action="store_true",
        help="also run the most workers each pacing in its own memory (shows the 429s)",
    )
    parser.add_argument("--workdir", type=Path, help="where worker logs go (default: a temp dir)")
    args = parser.parse_args()
    server_url = postgres_server_url()
    if server_url is None:
        print("scale_out needs PostgreSQL: set ZOOMBRIDGE_BENCH_POSTGRES_URL", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="zb-scale-out-") as tmp:
        workdir = args.workdir or Path(tmp)
        results = asyncio.run(
            run_all(
                server_url,
                args.workers,
                args.registrations,
                workdir,
                args.compare_process_limits,
            )
        )
    sizes = webinar_sizes(args.registrations)
    calls, ceiling = ceiling_for(sizes)
    print(
        f"== scale-out: {args.registrations} registrations on {len(sizes)} single-occurrence "
        f"webinars, Pro (Heavy {calls} batch calls at 10/s: ceiling {ceiling:.1f} s), "
        "100-200 ms latency, PostgreSQL"
    )
    print(table(results))
    print(f"summary: scale_out {args.registrations} {verdict(results)}")
    return 0 if verdict(results) == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
