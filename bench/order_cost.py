"""What one order costs the server: CPU per `POST /api/v1/events/{id}/orders`, statements per
order, and whether the cost grows with the event.

In one process, over ASGI (no network), on SQLite files:

- **baseline**: a minimal FastAPI + SQLAlchemy + aiosqlite endpoint that writes the same rows
  (one order, 3 attendees) and answers them as JSON: the floor of the stack itself;
- **zoombridge, empty event**: completed orders of 3 attendees (with an `Idempotency-Key`) on a
  webinar with a capacity and one Zoom meeting;
- **zoombridge, 30,000 attendees**: the same on a webinar already holding 30,000 people.

CPU is the process's CPU time (`time.process_time`) per request over N sequential requests,
the client's share included in every line alike. Statements are counted on the engine
(`before_cursor_execute`): the order's own, and those of the receivers of the completed order
(ticket emails, contacts) apart.

    ./dev bench order_cost                       # 300 orders each, 30,000 existing attendees
    ./dev bench order_cost --orders 100 --existing 5000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import ForeignKey, String, insert, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from _setup import add_simulated_webinar
from zoombridge.accounts.service import create_api_token
from zoombridge.db import migrate
from zoombridge.db.base import utc_now
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.events.models import Event
from zoombridge.orders.models import Attendee, Order, OrderStatus
from zoombridge.orders.signals import orders_completed
from zoombridge.settings import Settings
from zoombridge.simulator import SimulatorConfig, SimulatorServer
from zoombridge.web.app import create_app

ATTENDEES = 3


# --- the baseline: the same rows through the bare stack ---------------------------------------


class _Base(DeclarativeBase):
    pass


class _Order(_Base):
    __tablename__ = "orders"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    reference: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))


class _Attendee(_Base):
    __tablename__ = "attendees"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    event_id: Mapped[str] = mapped_column(String(36))
    email: Mapped[str] = mapped_column(String(128))
    first_name: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(64))


async def baseline_app(workdir: Path) -> tuple[FastAPI, Callable[[], Awaitable[None]]]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{workdir / 'baseline.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    app = FastAPI()

    @app.post("/events/{event_id}/orders", status_code=201)
    async def create(event_id: str, body: dict[str, Any]) -> dict[str, Any]:
        async with maker() as session, session.begin():
            order = _Order(
                id=str(uuid.uuid4()),
                event_id=event_id,
                reference=body.get("reference"),
                status=body["status"],
            )
            session.add(order)
            people = [
                _Attendee(id=str(uuid.uuid4()), order_id=order.id, event_id=event_id, **a)
                for a in body["attendees"]
            ]
            session.add_all(people)
        return {
            "id": order.id,
            "attendees": [{"id": p.id, "email": p.email} for p in people],
        }

    return app, engine.dispose


# --- zoombridge -------------------------------------------------------------------------------


class Counter:
    """Statements on an engine: the order's own and its receivers' (ticket emails, contacts)."""

    def __init__(self) -> None:
        self.own = 0
        self.receivers = 0
        self._in_receiver = False

    def record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            return
        if self._in_receiver:
            self.receivers += 1
        else:
            self.own += 1

    def watch_receivers(self) -> None:
        for receiver in orders_completed.receivers:
            orders_completed.disconnect(receiver)
            orders_completed.connect(self._watched(receiver))

    def _watched(self, receiver: Any) -> Any:
        async def run(session: AsyncSession, orders: list[Order]) -> None:
            self._in_receiver = True
            try:
                await receiver(session, orders)
                await session.flush()
            finally:
                self._in_receiver = False

        return run


async def _fill(maker: async_sessionmaker[AsyncSession], event_id: uuid.UUID, people: int) -> None:
    """`people` existing attendees of completed orders of 100 each, written directly."""
    async with maker() as session, session.begin():
        now = utc_now()
        for first in range(0, people, 100):
            order_id = uuid.uuid4()
            await session.execute(
                insert(Order).values(
                    id=order_id,
                    event_id=event_id,
                    status=OrderStatus.COMPLETED,
                    paid=True,
                    billing={},
                    created_at=now,
                    updated_at=now,
                )
            )
            await session.execute(
                insert(Attendee),
                [
                    {
                        "id": uuid.uuid4(),
                        "order_id": order_id,
                        "event_id": event_id,
                        "email": f"existing{n}@example.com",
                        "first_name": "E",
                        "last_name": "X",
                        "ticket_code": uuid.uuid4().hex[:16].upper(),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(first, min(first + 100, people))
                ],
            )
        await session.execute(update(Event).where(Event.id == event_id).values(seats_taken=people))


async def zoombridge_app(
    workdir: Path, name: str, existing: int, sim: SimulatorServer
) -> tuple[httpx.AsyncClient, str, Counter, Callable[[], Awaitable[None]]]:
    url = f"sqlite+aiosqlite:///{workdir / f'{name}.db'}"
    engine = create_engine(url, secret_box=SecretBox.generate())
    await migrate.upgrade_async(engine)
    maker = create_sessionmaker(engine)
    async with maker() as session:
        event, link = await add_simulated_webinar(
            session,
            sim,
            name=name,
            start=datetime(2031, 6, 1, 12, 0, tzinfo=UTC),
            duration_minutes=60,
        )
        event.capacity = existing + 100_000
        link.zoom_meeting_id = 90_000_000_000  # as if created on Zoom (the worker is not run)
        token, _ = await create_api_token(session, "bench")
        await session.commit()
    if existing:
        await _fill(maker, event.id, existing)
    counter = Counter()
    sa_event.listen(engine.sync_engine, "before_cursor_execute", counter.record)
    app = create_app(Settings(data_dir=workdir), sessionmaker=maker)
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {token}"},
    )

    async def close() -> None:
        await http.aclose()
        await engine.dispose()

    return http, f"/api/v1/events/{event.id}/orders", counter, close


def _body(tag: str, n: int) -> dict[str, Any]:
    return {
        "status": "completed",
        "reference": f"{tag}-{n}",
        "attendees": [
            {"email": f"{tag}{n}-{i}@example.com", "first_name": "Ada", "last_name": "Tester"}
            for i in range(ATTENDEES)
        ],
    }


async def cpu_per_request(
    http: httpx.AsyncClient, url: str, tag: str, orders: int, *, keyed: bool, warm: int = 5
) -> float:
    """CPU ms per request over `orders` sequential orders (after a few to warm up)."""
    for n in range(warm):
        await http.post(url, json=_body(f"warm{tag}", n))
    started = time.process_time()
    for n in range(orders):
        headers = {"Idempotency-Key": f"{tag}-{n}"} if keyed else {}
        answer = await http.post(url, json=_body(tag, n), headers=headers)
        if answer.status_code != 201:
            raise SystemExit(f"{tag} order {n}: HTTP {answer.status_code} {answer.text[:300]}")
    return (time.process_time() - started) * 1000 / orders


async def intake_rates(http: httpx.AsyncClient, url: str, requests: int = 4) -> tuple[float, float]:
    """Attendees per second (wall clock) through bulk intake and through CSV import, each on
    its own new people of the same event. One request of each first (statements compiled),
    then the two take turns, so a busy machine weighs on both alike."""
    csv_url = url.removesuffix("/orders") + "/attendees.csv"

    async def bulk(tag: str) -> float:
        body = {"orders": [_body(f"bulk{tag}x", n) for n in range(100)]}
        started = time.perf_counter()
        answer = await http.post(f"{url}/bulk", json=body)
        spent = time.perf_counter() - started
        if answer.status_code != 200 or answer.json()["created"] != 100:
            raise SystemExit(f"bulk: HTTP {answer.status_code} {answer.text[:300]}")
        return spent

    async def csv(tag: str) -> float:
        rows = "".join(f"csv{tag}x{n}@example.com,Ada,Tester\n" for n in range(100 * ATTENDEES))
        started = time.perf_counter()
        answer = await http.post(
            csv_url,
            content="email,first_name,last_name\n" + rows,
            headers={"Content-Type": "text/csv"},
        )
        spent = time.perf_counter() - started
        if answer.status_code != 200:
            raise SystemExit(f"csv: HTTP {answer.status_code} {answer.text[:300]}")
        return spent

    await bulk("warm")
    await csv("warm")
    bulk_spent = csv_spent = 0.0
    for r in range(requests):
        bulk_spent += await bulk(str(r))
        csv_spent += await csv(str(r))
    attendees = requests * 100 * ATTENDEES
    return attendees / bulk_spent, attendees / csv_spent


ROUND = 50  # orders per turn: the four lines take turns, so a busy machine weighs on all alike


async def main_async(orders: int, existing: int) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="zb-order-cost-"))
    with SimulatorServer(SimulatorConfig(seed=1)) as sim:
        base, dispose = await baseline_app(workdir)
        base_http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=base), base_url="http://bench"
        )
        base_url = f"/events/{uuid.uuid4()}/orders"
        empty_http, empty_url, counter, close_empty = await zoombridge_app(workdir, "empty", 0, sim)
        full_http, full_url, _, close_full = await zoombridge_app(workdir, "full", existing, sim)
        alone_http, alone_url, _, close_alone = await zoombridge_app(workdir, "alone", 0, sim)
        for http, url, tag in (
            (base_http, base_url, "wb"),
            (empty_http, empty_url, "we"),
            (full_http, full_url, "wf"),
            (alone_http, alone_url, "wa"),
        ):
            await cpu_per_request(http, url, tag, 5, keyed=tag != "wb", warm=0)
        spent = {"baseline": 0.0, "empty": 0.0, "full": 0.0, "alone": 0.0}
        receivers_now = orders_completed.receivers
        try:
            for turn in range(max(orders // ROUND, 1)):
                spent["baseline"] += await cpu_per_request(
                    base_http, base_url, f"b{turn}-", ROUND, keyed=False, warm=0
                )
                spent["empty"] += await cpu_per_request(
                    empty_http, empty_url, f"e{turn}-", ROUND, keyed=True, warm=0
                )
                spent["full"] += await cpu_per_request(
                    full_http, full_url, f"f{turn}-", ROUND, keyed=True, warm=0
                )
                # What the receivers of other domains cost (ticket emails, contacts): the same
                # orders with them disconnected, to show where the rest of the time goes.
                for receiver in receivers_now:
                    orders_completed.disconnect(receiver)
                spent["alone"] += await cpu_per_request(
                    alone_http, alone_url, f"a{turn}-", ROUND, keyed=True, warm=0
                )
                for receiver in receivers_now:
                    orders_completed.connect(receiver)
            turns = max(orders // ROUND, 1)
            baseline, empty, full, alone = (spent[k] / turns for k in spent)
            bulk_rate, csv_rate = await intake_rates(empty_http, empty_url)
            counter.watch_receivers()
            counter.own = counter.receivers = 0
            await cpu_per_request(empty_http, empty_url, "s", 1, keyed=True, warm=0)
            own, receivers = counter.own, counter.receivers
        finally:
            # The receivers as they were: a process that goes on (the test suite runs this
            # bench in-process) must not keep the watching wrappers beside the originals.
            for receiver in orders_completed.receivers:
                orders_completed.disconnect(receiver)
            for receiver in receivers_now:
                orders_completed.connect(receiver)
        await base_http.aclose()
        await dispose()
        for close in (close_empty, close_full, close_alone):
            await close()

    print(
        f"order CPU ({turns * ROUND} orders x {ATTENDEES} attendees per line, SQLite, "
        f"in-process): baseline {baseline:.2f} ms | zoombridge {empty:.2f} ms | "
        f"ratio {empty / baseline:.2f} (target <= 1.5)"
    )
    print(
        f"statements per order: {own} for the order (target <= 8; BEGIN/COMMIT not counted), "
        f"{receivers} more by its receivers (ticket emails, contacts)"
    )
    print(
        f"  of which the receivers (ticket emails, contacts): {empty - alone:.2f} ms; the order "
        f"alone {alone:.2f} ms, ratio {alone / baseline:.2f} to the baseline"
    )
    print(
        f"bulk intake: {bulk_rate:,.0f} attendees/s (100 orders x {ATTENDEES} a request) vs CSV "
        f"import {csv_rate:,.0f} attendees/s (300 rows a file), ratio {bulk_rate / csv_rate:.2f} "
        "(target >= 1)"
    )
    print(
        f"order CPU at {existing:,} existing attendees: {full:.2f} ms vs {empty:.2f} ms empty, "
        f"ratio {full / empty:.2f} (target <= 1.2)"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--existing", type=int, default=30_000)
    args = parser.parse_args()
    return asyncio.run(main_async(args.orders, args.existing))


if __name__ == "__main__":
    sys.exit(main())
