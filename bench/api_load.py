"""The REST API under load: concurrent clients creating completed orders and reading tickets.

`zoombridge serve` runs in its own process on a fresh SQLite file and on a throwaway PostgreSQL
database. C clients (default 20) loop for D seconds over: create a completed order of 2
attendees, read the first attendee's ticket (JSON), read the second's ticket as ICS. Printed per
database: requests per second, p50/p99 latency per request kind, errors (must be 0), and a
one-line summary. Baseline in the same run, same server and concurrency: GET /health (one
trivial query, no authentication) for D seconds; the ratio says what the real requests cost
against the cheapest round trip through the same stack.

    ./dev bench api_load                                  # 20 clients, 30 s, SQLite and PostgreSQL
    ./dev bench api_load --clients 8 --seconds 5 --database sqlite

The sync worker is not running: this measures the API alone (the throughput bench runs both).
The test suite runs it small (tests/bench/test_api_load.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from _setup import (
    add_simulated_connection,
    free_port,
    percentile,
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
from zoombridge.orders.models import Attendee, Order
from zoombridge.simulator import SimulatorConfig, SimulatorServer

KINDS = ("order", "ticket", "ics")


@dataclass
class Phase:
    """One timed phase: latencies (ms) per request kind and the errors seen."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def p(self, kind: str, q: float) -> float:
        return percentile(self.latencies.get(kind, []), q)


@dataclass
class LoadResult:
    database: str
    clients: int
    seconds: float
    load: Phase
    baseline: Phase
    orders_reported: int = 0
    orders_stored: int = 0
    attendees_stored: int = 0
    wrong_tickets: int = 0
    token_per_client: bool = False

    @property
    def correct(self) -> bool:
        return (
            not self.load.errors
            and not self.baseline.errors
            and self.wrong_tickets == 0
            and self.orders_stored == self.orders_reported
            and self.attendees_stored == 2 * self.orders_reported
        )

    @property
    def ratio(self) -> float:
        """Baseline requests per second over the mixed load's (how much dearer a real one is)."""
        return self.baseline.per_second / self.load.per_second if self.load.per_second else 0.0

    def report(self) -> str:
        lines = [
            f"== {self.database}: {self.clients} clients, {self.seconds:g} s per phase, "
            f"{'one API token per client' if self.token_per_client else 'one API token'}",
            f"mixed load                {self.load.requests} requests, "
            f"{self.load.per_second:.1f} req/s, errors {len(self.load.errors)}",
        ]
        for kind in KINDS:
            values = self.load.latencies.get(kind, [])
            lines.append(
                f"  {kind:<8}                {len(values)} requests, p50 "
                f"{self.load.p(kind, 0.5):.0f} ms, p99 {self.load.p(kind, 0.99):.0f} ms"
            )
        lines += [
            *(f"  error: {e}" for e in self.load.errors[:5]),
            f"orders                    {self.orders_reported} created (stored "
            f"{self.orders_stored}, attendees {self.attendees_stored}), "
            f"wrong tickets {self.wrong_tickets}",
            f"baseline GET /health      {self.baseline.requests} requests, "
            f"{self.baseline.per_second:.1f} req/s, p50 {self.baseline.p('health', 0.5):.0f} ms, "
            f"p99 {self.baseline.p('health', 0.99):.0f} ms, errors {len(self.baseline.errors)}",
            *(f"  error: {e}" for e in self.baseline.errors[:5]),
            f"ratio health/mixed        {self.ratio:.1f}x",
            self.summary(),
        ]
        return "\n".join(lines)

    def summary(self) -> str:
        load = self.load
        kinds = " ".join(f"{k}=p50:{load.p(k, 0.5):.0f}/p99:{load.p(k, 0.99):.0f}ms" for k in KINDS)
        return (
            f"summary: {self.database} {self.clients} clients"
            f"{' (token each)' if self.token_per_client else ''} {load.per_second:.1f} req/s "
            f"({self.orders_reported / load.seconds if load.seconds else 0:.1f} orders/s) "
            f"{kinds} errors={len(load.errors) + len(self.baseline.errors)} "
            f"health={self.baseline.per_second:.1f} req/s ratio={self.ratio:.1f}x "
            f"{'OK' if self.correct else 'WRONG'}"
        )


async def _timed(
    phase: Phase,
    kind: str,
    http: httpx.AsyncClient,
    method: str,
    url: str,
    expect: int,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        answer = await http.request(method, url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        phase.errors.append(f"{kind}: {exc!r}")
        return None
    phase.latencies[kind].append((time.perf_counter() - started) * 1000)
    if answer.status_code != expect:
        phase.errors.append(f"{kind}: HTTP {answer.status_code} {answer.text[:200]}")
        return None
    return answer


async def _run_phase(
    clients: int, seconds: float, loop: Callable[[Phase, int, float], Awaitable[None]]
) -> Phase:
    phase = Phase()
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(loop(phase, n, until) for n in range(clients)))
    phase.seconds = time.perf_counter() - started
    return phase


async def run_load(
    database_url: str,
    *,
    clients: int,
    seconds: float,
    workdir: Path,
    database: str,
    token_per_client: bool = False,
    workers: int = 1,
) -> LoadResult:
    """Both phases against a fresh server on the empty database at `database_url`."""
    key = SecretBox.new_key()
    engine = create_engine(database_url, secret_box=SecretBox(key))
    maker = create_sessionmaker(engine)
    port = free_port()
    server_log = workdir / "serve.log"
    server = None
    try:
        await migrate.upgrade_async(engine)
        # The simulator only gives the connection somewhere to point: no worker calls it.
        with SimulatorServer(SimulatorConfig()) as sim:
            async with maker() as session:
                connection = await add_simulated_connection(session, sim, name="Load")
                # One token for all, as an integration uses; or one per client, to show what
                # the per-request write of the token's last use costs (see the docs).
                tokens = [
                    (await create_api_token(session, f"load bench {n}"))[0]
                    for n in range(clients if token_per_client else 1)
                ]
                await session.commit()
            server = spawn_cli(
                product_env(database_url, key, workdir),
                ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
                server_log,
            )
            base_url = f"http://127.0.0.1:{port}"
            await wait_until_serving(server, base_url, server_log)
            async with httpx.AsyncClient(
                base_url=base_url,
                headers={"Authorization": f"Bearer {tokens[0]}"},
                timeout=60,
                limits=httpx.Limits(max_connections=clients),
            ) as http:
                start = (datetime.now(UTC) + timedelta(days=14)).replace(microsecond=0)
                answer = await http.post(
                    "/api/v1/events",
                    json={
                        "connection_id": str(connection.id),
                        "kind": "webinar",
                        "topic": "Load test webinar",
                        "start": start.isoformat(),
                        "timezone": "UTC",
                        "duration_minutes": 60,
                    },
                )
                if answer.status_code != 201:
                    raise RuntimeError(f"event: HTTP {answer.status_code} {answer.text}")
                event_id = answer.json()["id"]
                auth = [{"Authorization": f"Bearer {token}"} for token in tokens]
                result = await _measure(http, event_id, clients, seconds, database, auth)
                result.token_per_client = token_per_client
            async with maker() as session:
                result.orders_stored = int(
                    await session.scalar(select(func.count()).select_from(Order)) or 0
                )
                result.attendees_stored = int(
                    await session.scalar(select(func.count()).select_from(Attendee)) or 0
                )
            return result
    finally:
        if server is not None:
            stop_process(server)
        await engine.dispose()


async def _measure(
    http: httpx.AsyncClient,
    event_id: str,
    clients: int,
    seconds: float,
    database: str,
    auth: list[dict[str, str]],
) -> LoadResult:
    orders = 0
    wrong_tickets = 0

    async def health(phase: Phase, _client: int, until: float) -> None:
        while time.perf_counter() < until:
            await _timed(phase, "health", http, "GET", "/health", 200)

    async def mixed(phase: Phase, client: int, until: float) -> None:
        nonlocal orders, wrong_tickets
        headers = auth[client % len(auth)]
        n = 0
        while time.perf_counter() < until:
            n += 1
            body = {
                "status": "completed",
                "reference": f"c{client}-{n}",
                "attendees": [
                    {
                        "email": f"c{client}-{n}-{i}@example.com",
                        "first_name": "Load",
                        "last_name": "Test",
                    }
                    for i in range(2)
                ],
            }
            created = await _timed(
                phase,
                "order",
                http,
                "POST",
                f"/api/v1/events/{event_id}/orders",
                201,
                body,
                headers,
            )
            if created is None:
                continue
            orders += 1
            first, second = created.json()["attendees"]
            ticket = await _timed(
                phase,
                "ticket",
                http,
                "GET",
                f"/api/v1/attendees/{first['id']}/ticket",
                200,
                None,
                headers,
            )
            if ticket is not None and ticket.json()["ticket_code"] != first["ticket_code"]:
                wrong_tickets += 1
            ics = await _timed(
                phase,
                "ics",
                http,
                "GET",
                f"/api/v1/attendees/{second['ticket_code']}/ticket.ics",
                200,
                None,
                headers,
            )
            if ics is not None and "BEGIN:VCALENDAR" not in ics.text:
                wrong_tickets += 1

    baseline = await _run_phase(clients, seconds, health)
    load = await _run_phase(clients, seconds, mixed)
    return LoadResult(
        database=database,
        clients=clients,
        seconds=seconds,
        load=load,
        baseline=baseline,
        orders_reported=orders,
        wrong_tickets=wrong_tickets,
    )


async def run_on(
    database: str,
    *,
    clients: int,
    seconds: float,
    workdir: Path,
    token_per_client: bool = False,
    workers: int = 1,
) -> LoadResult:
    """`run_load` on a fresh SQLite file or a throwaway PostgreSQL database."""
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    options: dict[str, Any] = {
        "clients": clients,
        "seconds": seconds,
        "workdir": workdir,
        "token_per_client": token_per_client,
        "workers": workers,
    }
    if database == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'zoombridge.db'}"
        return await run_load(url, database=database, **options)
    server = postgres_server_url()
    if server is None:
        raise LookupError("no PostgreSQL server reachable (set ZOOMBRIDGE_BENCH_POSTGRES_URL)")
    with throwaway_postgres(server) as url:
        return await run_load(url, database="postgresql", **options)


async def main_async(args: argparse.Namespace) -> int:
    root = Path(tempfile.mkdtemp(prefix="zb-api-load-"))
    databases = ["sqlite", "pg"] if args.database == "both" else [args.database]
    results: list[LoadResult] = []
    for database in databases:
        try:
            result = await run_on(
                database,
                clients=args.clients,
                seconds=args.seconds,
                workdir=root / database,
                token_per_client=args.token_per_client,
                workers=args.workers,
            )
        except LookupError as exc:
            print(f"{database}: skipped: {exc}")
            continue
        print(result.report(), flush=True)
        results.append(result)
    print()
    for result in results:
        print(result.summary())
    print(f"(server logs in {root})", file=sys.stderr)
    return 0 if results and all(r.correct for r in results) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0, help="per phase")
    parser.add_argument("--database", choices=["sqlite", "pg", "both"], default="both")
    parser.add_argument(
        "--workers", type=int, default=1, help="`serve --workers N` (PostgreSQL only)"
    )
    parser.add_argument(
        "--token-per-client",
        action="store_true",
        help="each client its own API token (isolates the shared token's row lock)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main_async(parse_args())))
