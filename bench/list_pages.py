"""Deep pages cost what the first page costs (keyset pagination, `zoombridge.kit.pages`).

One event with N attendees (one attendee per order, as a shop sends them) is listed through the
API, `GET /api/v1/events/{id}/attendees` and `…/orders`, following `next_cursor` to the end.
The first page is the baseline measured in the same run; the figure is how much slower the
last pages are than the first (an offset list would grow with the depth). Every row must be
seen exactly once.

    ./dev bench list_pages                    # 20,000 attendees, 500 a page
    ./dev bench list_pages --attendees 50000 --limit 200
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from zoombridge.accounts.service import create_api_token
from zoombridge.connections.models import ZoomConnection, ZoomKind
from zoombridge.db import migrate
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.events.models import Event
from zoombridge.orders.models import Attendee, Order, OrderStatus
from zoombridge.settings import Settings
from zoombridge.web.app import create_app

# The last pages may be at most this many times slower than the first (noise included).
CEILING = 3.0


@dataclass
class Walk:
    route: str
    pages_ms: list[float] = field(default_factory=list)
    rows_seen: int = 0
    distinct: int = 0
    total: int = 0

    @property
    def first_ms(self) -> float:
        return self.pages_ms[0]

    @property
    def deep_ms(self) -> float:
        """The median of the last quarter of the pages."""
        tail = self.pages_ms[-max(1, len(self.pages_ms) // 4) :]
        return statistics.median(tail)

    @property
    def ratio(self) -> float:
        return self.deep_ms / self.first_ms if self.first_ms else 0.0

    @property
    def correct(self) -> bool:
        return self.rows_seen == self.distinct == self.total

    def report(self) -> str:
        return (
            f"{self.route}: {self.total} rows in {len(self.pages_ms)} pages; first page "
            f"{self.first_ms:.1f} ms (baseline), last pages {self.deep_ms:.1f} ms, "
            f"ratio {self.ratio:.2f} (ceiling {CEILING:g}); every row once: {self.correct}"
        )


async def _fill(maker: object, attendees: int) -> uuid.UUID:
    """The event and its orders, written in bulk (the order intake is not what is measured)."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    assert isinstance(maker, async_sessionmaker)
    async with maker() as session:
        connection = ZoomConnection(
            name="Bench", account_id="a", client_id="c", client_secret="s", webhook_secret_token="w"
        )
        session.add(connection)
        await session.flush()
        event = Event(
            connection_id=connection.id,
            kind=ZoomKind.MEETING,
            topic="Bench event",
            start_at=datetime(2031, 1, 1, 9, tzinfo=UTC),
            timezone="UTC",
            duration_minutes=60,
        )
        session.add(event)
        await session.flush()
        created = datetime(2030, 1, 1, tzinfo=UTC)
        for index in range(attendees):
            order = Order(
                event_id=event.id,
                reference=f"B-{index:06d}",
                status=OrderStatus.COMPLETED,
                created_at=created + timedelta(seconds=index),
                updated_at=created,
            )
            order.attendees.append(
                Attendee(
                    event_id=event.id,
                    email=f"person{index:06d}@example.com",
                    first_name="Person",
                    last_name=str(index),
                    ticket_code=f"T{index:011d}",
                )
            )
            session.add(order)
            if index % 2000 == 1999:
                await session.flush()
        await session.commit()
        return event.id


async def _walk(http: httpx.AsyncClient, route: str, limit: int) -> Walk:
    walk = Walk(route)
    (await http.get(route, params={"limit": limit})).raise_for_status()  # warm-up, not timed
    seen: set[str] = set()
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        started = time.perf_counter()
        answer = await http.get(route, params=params)
        walk.pages_ms.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
        page = answer.json()
        walk.total = page["total"]
        walk.rows_seen += len(page["items"])
        seen.update(row["id"] for row in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            walk.distinct = len(seen)
            return walk


async def run(attendees: int, limit: int, workdir: Path) -> list[Walk]:
    url = f"sqlite+aiosqlite:///{workdir / 'lists.db'}"
    engine = create_engine(url, secret_box=SecretBox.generate())
    await migrate.upgrade_async(engine)
    maker = create_sessionmaker(engine)
    try:
        event_id = await _fill(maker, attendees)
        async with maker() as session:
            token, _ = await create_api_token(session, "bench")
            await session.commit()
        app = create_app(Settings(data_dir=workdir), sessionmaker=maker)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench.test",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as http:
            return [
                await _walk(http, f"/api/v1/events/{event_id}/{route}", limit)
                for route in ("attendees", "orders")
            ]
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attendees", type=int, default=20_000)
    parser.add_argument("--limit", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        walks = asyncio.run(run(args.attendees, args.limit, Path(workdir)))
    for walk in walks:
        print(walk.report())
    ok = all(w.correct and w.ratio <= CEILING for w in walks)
    print("summary:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
