"""The order-completion request does not wait for Zoom.

`POST /api/v1/events/{id}/orders` with status `completed` (3 attendees) is timed while the
sync worker runs in the same process (as in `zoombridge demo`) against the simulator, once with
Zoom answering at once and once with every Zoom answer taking 2 s. The request only writes
desired state; the worker calls Zoom later. So p50/p99 must be equal within noise:

    ./dev bench order_latency                 # 200 orders per run
    ./dev bench order_latency --orders 500
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

from _setup import add_simulated_webinar
from zoombridge.accounts.service import create_api_token
from zoombridge.db import migrate
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.orders.models import Registration, RegistrationState
from zoombridge.settings import Settings
from zoombridge.simulator import FaultConfig, SimulatorConfig, SimulatorServer
from zoombridge.web.app import create_app
from zoombridge.worker import Worker


@dataclass
class Run:
    zoom_latency_s: float
    p50_ms: float
    p99_ms: float
    registered_during_run: int


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(zoom_latency_s: float, orders: int, workdir: Path) -> Run:
    url = f"sqlite+aiosqlite:///{workdir / f'latency-{zoom_latency_s:g}.db'}"
    engine = create_engine(url, secret_box=SecretBox.generate())
    await migrate.upgrade_async(engine)
    maker = create_sessionmaker(engine)
    latency_ms = int(zoom_latency_s * 1000)
    config = SimulatorConfig(seed=1, faults=FaultConfig(latency_ms=latency_ms))
    settings = Settings(data_dir=workdir)
    with SimulatorServer(config) as sim:
        async with maker() as session:
            event, _ = await add_simulated_webinar(
                session,
                sim,
                name="Latency",
                start=datetime(2031, 6, 1, 12, 0, tzinfo=UTC),
                duration_minutes=60,
            )
            token, _ = await create_api_token(session, "bench")
            await session.commit()
        app = create_app(settings, sessionmaker=maker)
        worker = Worker(maker, settings, poll_interval=0.2)
        stop = asyncio.Event()
        worker_task = asyncio.create_task(worker.run_forever(stop))
        timings: list[float] = []
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                base_url="http://bench",
                headers={"Authorization": f"Bearer {token}"},
            ) as http:
                for n in range(orders):
                    body = {
                        "status": "completed",
                        "reference": f"bench-{n}",
                        "attendees": [
                            {"email": f"o{n}-{i}@example.com", "first_name": "A", "last_name": "B"}
                            for i in range(3)
                        ],
                    }
                    started = time.perf_counter()
                    answer = await http.post(f"/api/v1/events/{event.id}/orders", json=body)
                    timings.append((time.perf_counter() - started) * 1000)
                    if answer.status_code != 201:
                        raise SystemExit(f"order {n}: HTTP {answer.status_code} {answer.text}")
            async with maker() as session:
                registered = await session.scalar(
                    select(func.count())
                    .select_from(Registration)
                    .where(Registration.state == RegistrationState.REGISTERED)
                )
        finally:
            stop.set()
            await worker_task
            await engine.dispose()
    return Run(
        zoom_latency_s=zoom_latency_s,
        p50_ms=statistics.median(timings),
        p99_ms=_percentile(timings, 0.99),
        registered_during_run=int(registered or 0),
    )


async def main_async(orders: int) -> list[Run]:
    workdir = Path(tempfile.mkdtemp(prefix="zb-latency-"))
    return [await measure(latency, orders, workdir) for latency in (0.0, 2.0)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args()
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    fast, slow = asyncio.run(main_async(args.orders))
    print(
        f"order completion ({args.orders} orders x 3 attendees, worker running): "
        f"Zoom 0 s: p50 {fast.p50_ms:.1f} ms p99 {fast.p99_ms:.1f} ms | "
        f"Zoom 2 s: p50 {slow.p50_ms:.1f} ms p99 {slow.p99_ms:.1f} ms | "
        f"ratio p50 {slow.p50_ms / fast.p50_ms:.2f} p99 {slow.p99_ms / fast.p99_ms:.2f} "
        f"(registered meanwhile: {fast.registered_during_run} / {slow.registered_during_run})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
