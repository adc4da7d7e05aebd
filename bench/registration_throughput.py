"""Registration throughput, the whole product path: orders in through the REST API, registrants
out to Zoom (the simulator) by the sync worker.

`zoombridge serve` and `zoombridge worker` run in their own processes on one database (SQLite
by default, `--database pg` for a throwaway PostgreSQL database), as deployed. The simulator
enforces the plan's rate limits and answers after 100-200 ms. Concurrent clients enter completed
orders of 1-5 attendees each; the worker batches 30 registrants a call on a single-occurrence
webinar (Heavy category) and, on a recurring one, registers people one by one with every
occurrence id (Light category, E9). So the rate limit sets the ceiling:

    single:     ceiling = ceil(N / 30) / Heavy per second    (Pro: 334 / 10 = 33.4 s for 10,000)
    recurring:  ceiling = N / Light per second               (Pro: 2,000 / 30 = 66.7 s)
    efficiency = ceiling / (last confirmed registration - first order)     target >= 0.9

Baseline in the same run, on the same webinar: the commercial plugins' one registrant call per
attendee, awaited in turn, measured on a sample and projected to N.

    ./dev bench registration_throughput                          # all four scenarios, full size
    ./dev bench registration_throughput --scenario single --plan pro --attendees 500
    ./dev bench registration_throughput --database pg --recurring-attendees 200
    ./dev bench registration_throughput --via bulk --clients 4    # bulk intake, 100 a request

The test suite runs it small (tests/bench/test_registration_throughput.py).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from _setup import (
    add_simulated_connection,
    free_port,
    postgres_server_url,
    product_env,
    spawn_cli,
    stop_process,
    throwaway_postgres,
    wait_until_serving,
)
from zoombridge.accounts.service import create_api_token
from zoombridge.db import migrate
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.events.models import MeetingLink
from zoombridge.orders.models import Registration, RegistrationState
from zoombridge.orders.tasks.registrations import MAX_BATCH
from zoombridge.simulator import FaultConfig, SimulatorConfig, SimulatorServer
from zoombridge.zoom import (
    LimiterRegistry,
    Plan,
    RegistrantCreate,
    ZoomClient,
    ZoomCredentials,
    ZoomError,
)
from zoombridge.zoom.operations import operation_for
from zoombridge.zoom.plans import PER_SECOND

TARGET_EFFICIENCY = 0.9
SIM_HEADROOM = 1_000  # webinar capacity beyond the attendees (the baseline sample lands there)


@dataclass
class Scenario:
    attendees: int
    plan: str = "pro"
    recurring: bool = False
    occurrences: int = 4
    clients: int = 20
    order_sizes: tuple[int, int] = (1, 5)
    latency_ms: tuple[float, float] = (100.0, 200.0)
    sample: int = 20
    seed: int = 7
    give_up_after: float = 1_800.0
    poll_interval: float = 0.5
    via: str = "orders"  # "orders": one request per order; "bulk": POST /orders/bulk
    bulk_size: int = 100  # orders per bulk request

    @property
    def name(self) -> str:
        shape = f"recurring x{self.occurrences}" if self.recurring else "single"
        via = f" via bulk/{self.bulk_size}" if self.via == "bulk" else ""
        return f"{self.attendees} {shape} {self.plan}{via}"


@dataclass
class ThroughputResult:
    scenario: Scenario
    database: str
    orders: int = 0
    order_errors: list[str] = field(default_factory=list)
    entry_seconds: float = 0.0
    elapsed: float = 0.0
    drain_seconds: float = 0.0  # last order answered -> last registration confirmed
    registered_rows: int = 0
    other_rows: dict[str, int] = field(default_factory=dict)
    zoom_registrants: int = 0
    zoom_duplicates: int = 0
    zoom_missing: int = 0
    zoom_not_all_occurrences: int = 0
    registration_calls: int = 0
    api_calls: int = 0
    received_429: int = 0
    calls_needed: int = 0
    category: str = ""
    per_second: float = 0.0
    ceiling: float = 0.0
    baseline_sample_seconds: float = 0.0
    baseline_errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def efficiency(self) -> float:
        return self.ceiling / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def baseline(self) -> float:
        """The one-by-one approach projected to every attendee, in seconds."""
        s = self.scenario
        return self.baseline_sample_seconds * s.attendees / s.sample if s.sample else 0.0

    @property
    def correct(self) -> bool:
        """Every attendee registered once on Zoom (on every occurrence), nothing failed."""
        return (
            not self.order_errors
            and self.registered_rows == self.scenario.attendees
            and not self.other_rows
            and self.zoom_registrants == self.scenario.attendees
            and self.zoom_duplicates == 0
            and self.zoom_missing == 0
            and self.zoom_not_all_occurrences == 0
        )

    @property
    def on_target(self) -> bool:
        return self.correct and self.efficiency >= TARGET_EFFICIENCY

    def report(self) -> str:
        s = self.scenario
        entry_rate = s.attendees / self.entry_seconds if self.entry_seconds else 0.0
        zoom_rate = s.attendees / self.ceiling if self.ceiling else 0.0
        bound = "the API (order entry)" if self.entry_seconds > self.ceiling else "Zoom"
        lines = [
            f"== {s.name} on {self.database}: {s.clients} clients, orders of "
            f"{s.order_sizes[0]}-{s.order_sizes[1]}, {s.latency_ms[0]:.0f}-"
            f"{s.latency_ms[1]:.0f} ms Zoom latency",
            f"orders entered            {self.orders} in {self.entry_seconds:.1f} s "
            f"({self.orders / self.entry_seconds if self.entry_seconds else 0:.0f}/s), "
            f"errors {len(self.order_errors)}",
            *(f"  {error}" for error in self.order_errors[:3]),
            f"registered (rows)         {self.registered_rows} of {s.attendees}"
            + (f", other states {self.other_rows}" if self.other_rows else ""),
            f"registrants on Zoom       {self.zoom_registrants} (duplicates "
            f"{self.zoom_duplicates}, missing {self.zoom_missing}, not on every occurrence "
            f"{self.zoom_not_all_occurrences})",
            f"first order -> last confirmed  {self.elapsed:.1f} s (after the last order: "
            f"{self.drain_seconds:.1f} s)",
            f"entry vs Zoom ceiling     API took {entry_rate:.0f} attendees/s, the rate limit "
            f"allows {zoom_rate:.0f}/s -> bound by {bound}",
            f"Zoom calls                {self.registration_calls} registration calls "
            f"(minimum {self.calls_needed}), {self.api_calls} API calls in all",
            f"429s                      {self.received_429}",
            f"rate-limit ceiling        {self.ceiling:.1f} s ({self.calls_needed} "
            f"{self.category} calls at {self.per_second:g}/s)",
            f"efficiency                {self.efficiency:.3f} (target >= {TARGET_EFFICIENCY})",
            f"baseline one-by-one       {self.baseline:.0f} s projected ({s.sample} sequential "
            f"calls took {self.baseline_sample_seconds:.1f} s, errors {self.baseline_errors})",
            f"speed-up vs baseline      {self.baseline / self.elapsed if self.elapsed else 0:.1f}x",
            self.summary(),
        ]
        return "\n".join(lines)

    def summary(self) -> str:
        verdict = "OK" if self.on_target else ("BELOW TARGET" if self.correct else "WRONG")
        ratio = self.baseline / self.elapsed if self.elapsed else 0.0
        return (
            f"summary: {self.scenario.name} {self.database} {self.elapsed:.1f}s "
            f"ceiling={self.ceiling:.1f}s efficiency={self.efficiency:.3f} "
            f"calls={self.registration_calls}/{self.calls_needed} 429s={self.received_429} "
            f"baseline={self.baseline:.0f}s ratio={ratio:.1f}x {verdict}"
        )


def order_plan(scenario: Scenario) -> list[list[dict[str, str]]]:
    """The orders to enter: sizes drawn from `order_sizes`, attendees numbered 0..N-1."""
    rng = random.Random(scenario.seed)
    orders: list[list[dict[str, str]]] = []
    n = 0
    while n < scenario.attendees:
        size = min(rng.randint(*scenario.order_sizes), scenario.attendees - n)
        orders.append(
            [
                {"email": f"a{i}@example.com", "first_name": "Guest", "last_name": str(i)}
                for i in range(n, n + size)
            ]
        )
        n += size
    return orders


def event_body(connection_id: uuid.UUID, scenario: Scenario) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=14)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    body: dict[str, Any] = {
        "connection_id": str(connection_id),
        "kind": "webinar",
        "topic": f"Throughput {scenario.name}",
        "start": start.isoformat(),
        "timezone": "UTC",
        "duration_minutes": 60,
        "zoom_confirmation_email": False,
    }
    if scenario.recurring:
        body["day_mode"] = "recurring"
        body["days"] = [
            {"start": (start + timedelta(days=d)).isoformat(), "duration_minutes": 60}
            for d in range(scenario.occurrences)
        ]
    return body


def ceiling_for(scenario: Scenario) -> tuple[int, str, float, float]:
    """Calls needed, their rate-limit category, its per-second limit, the ceiling in seconds."""
    if scenario.recurring:
        calls = scenario.attendees  # one call per registrant, all occurrences in it
        operation = operation_for("add_registrant", "webinar")
    else:
        calls = math.ceil(scenario.attendees / MAX_BATCH)
        operation = operation_for("batch_registrants", "webinar")
    per_second = PER_SECOND[Plan(scenario.plan)][operation.category]
    return calls, operation.category.value, per_second, calls / per_second


async def _wait_for_webinar(http: httpx.AsyncClient, event_id: str, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        event = (await http.get(f"/api/v1/events/{event_id}")).json()
        links = event["links"]
        if links and all(link["state"] == "synced" and link["zoom_meeting_id"] for link in links):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the webinar was not created on Zoom within {within:.0f} s: {event}")


async def _enter_orders(
    http: httpx.AsyncClient, event_id: str, scenario: Scenario, result: ThroughputResult
) -> tuple[datetime, datetime]:
    """Every order through `clients` concurrent clients; when the first was sent, when the last
    was answered."""
    queue: asyncio.Queue[tuple[int, list[dict[str, str]]]] = asyncio.Queue()
    for number, attendees in enumerate(order_plan(scenario)):
        queue.put_nowait((number, attendees))
    result.orders = queue.qsize()
    progress_every = max(1, result.orders // 10)

    async def bulk_client() -> None:
        while True:
            batch: list[tuple[int, list[dict[str, str]]]] = []
            while len(batch) < scenario.bulk_size and not queue.empty():
                batch.append(queue.get_nowait())
            if not batch:
                return
            body = {
                "orders": [
                    {"status": "completed", "reference": f"t-{n}", "attendees": a} for n, a in batch
                ]
            }
            try:
                answer = await http.post(f"/api/v1/events/{event_id}/orders/bulk", json=body)
            except httpx.HTTPError as exc:
                result.order_errors.append(f"orders {batch[0][0]}…: {exc!r}")
                continue
            if answer.status_code != 200:
                result.order_errors.append(
                    f"orders {batch[0][0]}…: HTTP {answer.status_code} {answer.text[:200]}"
                )
                continue
            for item in answer.json()["results"]:
                if item["result"] != "created":
                    result.order_errors.append(f"order {batch[item['index']][0]}: {item}")

    async def client() -> None:
        while True:
            try:
                number, attendees = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            body = {"status": "completed", "reference": f"t-{number}", "attendees": attendees}
            try:
                answer = await http.post(f"/api/v1/events/{event_id}/orders", json=body)
            except httpx.HTTPError as exc:
                result.order_errors.append(f"order {number}: {exc!r}")
                continue
            if answer.status_code != 201:
                result.order_errors.append(
                    f"order {number}: HTTP {answer.status_code} {answer.text[:200]}"
                )
            if (number + 1) % progress_every == 0:
                print(f"  … order {number + 1} of {result.orders} entered", file=sys.stderr)

    first = datetime.now(UTC)
    started = time.perf_counter()
    entering = bulk_client if scenario.via == "bulk" else client
    await asyncio.gather(*(entering() for _ in range(scenario.clients)))
    result.entry_seconds = time.perf_counter() - started
    return first, datetime.now(UTC)


async def _wait_registered(
    maker: Any, link_id: uuid.UUID, scenario: Scenario, result: ThroughputResult
) -> datetime | None:
    """Poll until every row is registered (or nothing moves for a while); last confirmation."""
    deadline = time.monotonic() + scenario.give_up_after
    last_change = time.monotonic()
    last_count = -1
    by_state: dict[RegistrationState, int] = {}
    while time.monotonic() < deadline:
        async with maker() as session:
            by_state = {
                state: count
                for state, count in await session.execute(
                    select(Registration.state, func.count())
                    .where(Registration.link_id == link_id)
                    .group_by(Registration.state)
                )
            }
        registered = by_state.get(RegistrationState.REGISTERED, 0)
        if registered != last_count:
            if last_count >= 0 and registered // 1000 != last_count // 1000:
                print(f"  … {registered} registered", file=sys.stderr)
            last_count, last_change = registered, time.monotonic()
        open_rows = sum(
            by_state.get(s, 0) for s in (RegistrationState.PENDING, RegistrationState.DEFERRED)
        )
        rows = sum(by_state.values())
        # Everything entered is final (some maybe failed): nothing more will come.
        if registered >= scenario.attendees or (open_rows == 0 and rows > 0):
            break
        if time.monotonic() - last_change > 120:
            print("  no progress for 120 s: giving up", file=sys.stderr)
            break
        await asyncio.sleep(0.2)
    result.registered_rows = by_state.get(RegistrationState.REGISTERED, 0)
    result.other_rows = {
        str(state): count
        for state, count in by_state.items()
        if state is not RegistrationState.REGISTERED and count
    }
    async with maker() as session:
        last: datetime | None = await session.scalar(
            select(func.max(Registration.confirmed_at)).where(Registration.link_id == link_id)
        )
    return last


async def _check_zoom(
    sim: SimulatorServer, meeting_id: int, occurrence_ids: list[str], result: ThroughputResult
) -> None:
    """What Zoom holds: each attendee once, approved, on every occurrence."""
    async with httpx.AsyncClient(timeout=60) as http:
        state = (await http.get(f"{sim.admin_url}/meetings/{meeting_id}")).json()
        stats = (await http.get(f"{sim.admin_url}/stats")).json()
    wanted = {f"a{i}@example.com" for i in range(result.scenario.attendees)}
    seen: dict[str, int] = {}
    for registrant in state["registrants"]:
        email = registrant["email"].lower()
        if email not in wanted or registrant["status"] != "approved":
            continue
        seen[email] = seen.get(email, 0) + 1
        if occurrence_ids and set(registrant["occurrence_ids"]) != set(occurrence_ids):
            result.zoom_not_all_occurrences += 1
    result.zoom_registrants = len(seen)
    result.zoom_duplicates = sum(n - 1 for n in seen.values())
    result.zoom_missing = len(wanted - set(seen))
    routes: dict[str, int] = stats["routes"]
    result.statuses = stats["statuses"]
    registration_ops = {"addBatchWebinarRegistrants", "webinarRegistrantCreate"}
    result.registration_calls = sum(n for r, n in routes.items() if r in registration_ops)
    result.api_calls = sum(n for r, n in routes.items() if r != "oauth.token")
    result.received_429 = int(stats["statuses"].get("429", 0))


async def _baseline(
    sim: SimulatorServer, scenario: Scenario, meeting_id: int, occurrence_ids: list[str]
) -> tuple[float, int]:
    """The plugins' way on the same webinar: one registrant call per attendee, each awaited."""
    config = sim.config
    credentials = ZoomCredentials(
        account_id=config.account_id, client_id=config.client_id, client_secret=config.client_secret
    )
    errors = 0
    async with ZoomClient(
        credentials,
        plan=Plan(scenario.plan),
        api_url=sim.api_url,
        oauth_url=sim.oauth_url,
        limiters=LimiterRegistry(),
    ) as zoom:
        await zoom.get_meeting("webinar", meeting_id)  # the token, outside the timing
        started = time.perf_counter()
        for i in range(scenario.sample):
            try:
                await zoom.add_registrant(
                    "webinar",
                    meeting_id,
                    RegistrantCreate(
                        email=f"baseline{i}@example.com", first_name="Guest", last_name=str(i)
                    ),
                    occurrence_ids=occurrence_ids or None,
                )
            except ZoomError as exc:  # counted and shown, the run goes on
                errors += 1
                print(f"  baseline call {i} failed: {exc}", file=sys.stderr)
        return time.perf_counter() - started, errors


async def run_scenario(
    database_url: str, scenario: Scenario, *, workdir: Path, database: str = "sqlite"
) -> ThroughputResult:
    """One scenario against an empty database at `database_url` (migrated here)."""
    result = ThroughputResult(scenario=scenario, database=database)
    calls, category, per_second, ceiling = ceiling_for(scenario)
    result.calls_needed, result.category = calls, category
    result.per_second, result.ceiling = per_second, ceiling
    key = SecretBox.new_key()
    engine = create_engine(database_url, secret_box=SecretBox(key))
    maker = create_sessionmaker(engine)
    config = SimulatorConfig(
        plan=scenario.plan,  # type: ignore[arg-type]
        webinar_capacity=max(scenario.attendees + scenario.sample + SIM_HEADROOM, 10_000),
        faults=FaultConfig(
            latency_ms_min=scenario.latency_ms[0], latency_ms_max=scenario.latency_ms[1]
        ),
        seed=scenario.seed,
    )
    env = product_env(database_url, key, workdir)
    port = free_port()
    processes = []
    try:
        await migrate.upgrade_async(engine)
        with SimulatorServer(config) as sim:
            async with maker() as session:
                connection = await add_simulated_connection(session, sim, name="Throughput")
                token, _ = await create_api_token(session, "throughput bench")
                await session.commit()
            server_log = workdir / "serve.log"
            server = spawn_cli(
                env, ["serve", "--host", "127.0.0.1", "--port", str(port)], server_log
            )
            processes.append(server)
            base_url = f"http://127.0.0.1:{port}"
            await wait_until_serving(server, base_url, server_log)
            processes.append(
                spawn_cli(
                    env,
                    ["worker", "--id", "bench", "--poll-interval", str(scenario.poll_interval)],
                    workdir / "worker.log",
                )
            )
            async with httpx.AsyncClient(
                base_url=base_url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
                limits=httpx.Limits(max_connections=scenario.clients),
            ) as http:
                answer = await http.post("/api/v1/events", json=event_body(connection.id, scenario))
                if answer.status_code != 201:
                    raise RuntimeError(f"event: HTTP {answer.status_code} {answer.text}")
                event_id = answer.json()["id"]
                await _wait_for_webinar(http, event_id, within=120)
                async with maker() as session:
                    link = await session.scalar(
                        select(MeetingLink).where(MeetingLink.event_id == uuid.UUID(event_id))
                    )
                    assert link is not None
                    assert link.zoom_meeting_id is not None
                    link_id, meeting_id = link.id, link.zoom_meeting_id
                    occurrence_ids = list(link.occurrence_ids) if scenario.recurring else []
                async with httpx.AsyncClient() as admin:
                    # Count only what the registrations cost (not the webinar's creation).
                    await admin.post(f"{sim.admin_url}/stats/reset")
                print(f"{scenario.name} on {database}: entering orders…", file=sys.stderr)
                first_order, last_order = await _enter_orders(http, event_id, scenario, result)
                last = await _wait_registered(maker, link_id, scenario, result)
            if last is not None:
                result.elapsed = (last - first_order).total_seconds()
                result.drain_seconds = max(0.0, (last - last_order).total_seconds())
            stop_process(processes.pop())  # the worker: the baseline gets the limits alone
            await _check_zoom(sim, meeting_id, occurrence_ids, result)
            if scenario.sample:
                print(f"  baseline: {scenario.sample} sequential calls…", file=sys.stderr)
                result.baseline_sample_seconds, result.baseline_errors = await _baseline(
                    sim, scenario, meeting_id, occurrence_ids
                )
    finally:
        for process in reversed(processes):
            stop_process(process)
        await engine.dispose()
    return result


async def run_on(database: str, scenario: Scenario, workdir: Path) -> ThroughputResult:
    """`run_scenario` on a fresh SQLite file or a throwaway PostgreSQL database."""
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    if database == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'zoombridge.db'}"
        return await run_scenario(url, scenario, workdir=workdir, database=database)
    server = postgres_server_url()
    if server is None:
        raise SystemExit("no PostgreSQL server reachable (set ZOOMBRIDGE_BENCH_POSTGRES_URL)")
    with throwaway_postgres(server) as url:
        return await run_scenario(url, scenario, workdir=workdir, database="postgresql")


def scenarios(args: argparse.Namespace) -> list[Scenario]:
    shapes = ["single", "recurring"] if args.scenario == "all" else [args.scenario]
    plans = ["pro", "business"] if args.plan == "all" else [args.plan]
    return [
        Scenario(
            attendees=args.recurring_attendees if shape == "recurring" else args.attendees,
            plan=plan,
            recurring=shape == "recurring",
            occurrences=args.occurrences,
            clients=args.clients,
            latency_ms=(args.latency_min, args.latency_max),
            sample=args.sample,
            via=args.via,
            bulk_size=args.bulk_size,
        )
        for shape in shapes
        for plan in plans
    ]


async def main_async(args: argparse.Namespace) -> int:
    root = Path(tempfile.mkdtemp(prefix="zb-throughput-"))
    results = []
    for n, scenario in enumerate(scenarios(args)):
        result = await run_on(args.database, scenario, root / f"run{n}")
        print(result.report(), flush=True)
        results.append(result)
    print()
    for result in results:
        print(result.summary())
    print(f"(logs in {root})", file=sys.stderr)
    return 0 if all(r.on_target for r in results) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scenario", choices=["single", "recurring", "all"], default="all")
    parser.add_argument("--plan", choices=["pro", "business", "all"], default="all")
    parser.add_argument("--attendees", type=int, default=10_000, help="single-occurrence run")
    parser.add_argument("--recurring-attendees", type=int, default=2_000)
    parser.add_argument("--occurrences", type=int, default=4, help="of the recurring webinar")
    parser.add_argument("--clients", type=int, default=20, help="concurrent API clients")
    parser.add_argument("--database", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--latency-min", type=float, default=100.0, help="ms")
    parser.add_argument("--latency-max", type=float, default=200.0, help="ms")
    parser.add_argument(
        "--via",
        choices=["orders", "bulk"],
        default="orders",
        help="one request per order, or bulk requests (POST /events/{id}/orders/bulk)",
    )
    parser.add_argument("--bulk-size", type=int, default=100, help="orders per bulk request")
    parser.add_argument(
        "--sample", type=int, default=50, help="sequential calls in the baseline sample"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main_async(parse_args())))
