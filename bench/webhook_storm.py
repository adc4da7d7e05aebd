"""Webhook storm: N signed participant_joined/_left events for a P-person webinar, sent as fast
as the receiver takes them, then applied by the worker and checked.

A real uvicorn server on loopback runs the app (`zoombridge serve`'s app, on SQLite or
PostgreSQL) plus one bare route that only verifies the signature and answers 200 — the ceiling
of the same server stack. The same events go to both with C concurrent httpx clients. Printed:
events/s and p50/p99 answer time of each (Zoom wants an answer within 3 s), receiver/ceiling
ratio, stored count (duplicates collapse, none lost), the worker's apply rate, and whether
every person's attendance equals the union of the segments that were sent.

Events: each person joins and leaves once; some rejoin (more segments) until the unique count
is reached; `--duplicates` of them are sent twice (Zoom's retries); the order is shuffled in
windows (out-of-order arrival).

    ./dev bench webhook_storm                                   # 20,000 events, 10,000 people
    ./dev bench webhook_storm --events 2000 --people 1000 --clients 8 --database pg

The test suite sends a small storm through the ASGI app (tests/attendance/test_storm.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from _setup import (
    free_port,
    percentile,
    postgres_server_url,
    product_env,
    stop_process,
    throwaway_postgres,
    wait_until_serving,
)
from zoombridge.attendance.merge import Segment, merge
from zoombridge.attendance.service import event_attendance
from zoombridge.connections.models import ZoomConnection, ZoomKind, ZoomPlan
from zoombridge.db import migrate
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.engine.context import SyncContext
from zoombridge.engine.inbox import apply_pending
from zoombridge.engine.models import InboundWebhook
from zoombridge.events.models import Event, LinkMode, LinkState, MeetingLink
from zoombridge.settings import Settings
from zoombridge.wiring import webhook_routes
from zoombridge.worker import Worker
from zoombridge.zoom.webhooks import sign

SECRET = "storm-webhook-secret"
MEETING_ID = 87_000_000_001
INSTANCE = "storm-instance=="
START = datetime(2031, 3, 4, 15, 0, tzinfo=UTC)
DURATION_S = 3600
BARE_PATH = "/bench/bare-webhook"


@dataclass
class Storm:
    bodies: list[bytes]  # what is sent, duplicates included, in sending order
    unique: int
    expected: dict[str, tuple[int, int]]  # email -> (attended seconds, joins)


@dataclass
class Sent:
    seconds: float
    latencies: list[float]
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    failed: list[bytes] = field(default_factory=list)  # not answered 200: Zoom would resend

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def _zoom_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _body(kind: str, email: str, n: int, connection: str, at: datetime) -> dict[str, Any]:
    person: dict[str, Any] = {
        "user_id": connection,
        "user_name": f"Person {n}",
        "id": "",
        "participant_uuid": f"puuid-{n}",
        "email": email,
        "join_time" if kind == "joined" else "leave_time": _zoom_time(at),
    }
    return {
        "event": f"webinar.participant_{kind}",
        "event_ts": int(at.timestamp() * 1000),
        "payload": {
            "account_id": "storm-account",
            "object": {"id": str(MEETING_ID), "uuid": INSTANCE, "participant": person},
        },
    }


def build_storm(events: int, people: int, duplicates: float = 0.05, seed: int = 5) -> Storm:
    """`events` bodies to send (`duplicates` of them repeats) for `people` people."""
    rng = random.Random(seed)
    unique = max(2, round(events * (1 - duplicates)))
    segments: dict[int, list[tuple[int, int]]] = {}
    count = 0
    added = True
    # Rounds over the people: everyone's first visit, then rejoins, until the budget is used.
    while added and count + 2 <= unique:
        added = False
        for person in range(people):
            if count + 2 > unique:
                break
            taken = segments.setdefault(person, [])
            start = (taken[-1][1] + rng.randint(1, 120)) if taken else rng.randint(0, 900)
            if start >= DURATION_S - 60:
                continue
            taken.append((start, min(DURATION_S, start + rng.randint(60, 1200))))
            count += 2
            added = True
    segments = {k: v for k, v in segments.items() if v}
    bodies: list[dict[str, Any]] = []
    expected: dict[str, tuple[int, int]] = {}
    for person, spans in segments.items():
        email = f"p{person}@storm.example"
        for k, (a, b) in enumerate(spans):
            connection = f"{person}-{k}"
            bodies.append(_body("joined", email, person, connection, START + timedelta(seconds=a)))
            bodies.append(_body("left", email, person, connection, START + timedelta(seconds=b)))
        union = merge(
            [Segment(START + timedelta(seconds=a), START + timedelta(seconds=b)) for a, b in spans]
        )
        expected[email] = (union.attended_seconds, union.joins)
    rng.shuffle(bodies)  # out of order: a leave may arrive before its join
    raw = [json.dumps(b).encode() for b in bodies]
    repeats = [raw[rng.randrange(len(raw))] for _ in range(events - len(raw))]
    sending = raw + repeats
    rng.shuffle(sending)
    return Storm(sending, len(raw), expected)


async def send_storm(
    http: httpx.AsyncClient, path: str, bodies: list[bytes], *, clients: int, secret: str = SECRET
) -> Sent:
    """Post every body (signed now) with `clients` concurrent senders; answer times."""
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors = 0
    failed: list[bytes] = []
    position = 0

    async def sender() -> None:
        nonlocal position, errors
        while position < len(bodies):
            raw = bodies[position]
            position += 1
            stamp = str(int(time.time()))
            headers = {
                "x-zm-request-timestamp": stamp,
                "x-zm-signature": sign(secret, stamp, raw),
                "content-type": "application/json",
            }
            began = time.perf_counter()
            try:
                answer = await http.post(path, content=raw, headers=headers)
            except httpx.TransportError as exc:
                errors += 1
                failed.append(raw)
                statuses[f"not answered: {type(exc).__name__}"] += 1  # shown with the answers
                continue
            latencies.append(time.perf_counter() - began)
            if answer.status_code != 200:
                errors += 1
                failed.append(raw)
                statuses[f"HTTP {answer.status_code}"] += 1  # shown with the answers
                continue
            statuses[str(answer.json().get("status", "ok"))] += 1

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(clients)))
    return Sent(time.perf_counter() - started, latencies, statuses, errors, failed)


async def stored_count(maker: async_sessionmaker[AsyncSession]) -> int:
    async with maker() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundWebhook)) or 0)


async def apply_all(ctx: SyncContext) -> tuple[int, float]:
    """The worker's webhook step until nothing is left; (applied, seconds)."""
    started = time.perf_counter()
    applied = 0
    while True:
        done = await apply_pending(ctx, webhook_routes(), limit=500)
        if not done:
            break
        applied += done
    return applied, time.perf_counter() - started


async def check(
    maker: async_sessionmaker[AsyncSession], event_id: uuid.UUID, expected: dict[str, Any]
) -> list[str]:
    """People whose attendance differs from what was sent (empty = all right)."""
    seen: dict[str, tuple[int, int]] = {}
    async with maker() as session:
        async for person in event_attendance(session, event_id, datetime.now(UTC)):
            seen[person.email] = (person.attendance.attended_seconds, person.attendance.joins)
    wrong = [f"{e}: sent {v}, got {seen.get(e)}" for e, v in expected.items() if seen.get(e) != v]
    wrong += [f"{e}: never sent" for e in set(seen) - set(expected)]
    return wrong


async def seed(maker: async_sessionmaker[AsyncSession]) -> tuple[uuid.UUID, uuid.UUID]:
    """A connection with the webhook secret and a webinar event linked to MEETING_ID."""
    async with maker() as session:
        connection = ZoomConnection(
            name="storm",
            account_id="storm-account",
            client_id="storm-client",
            client_secret=SecretStr("storm-client-secret"),
            webhook_secret_token=SecretStr(SECRET),
            plan=ZoomPlan.BUSINESS,
            webinar_addon=True,
        )
        session.add(connection)
        await session.flush()
        event = Event(
            connection_id=connection.id,
            kind=ZoomKind.WEBINAR,
            topic="Storm",
            start_at=START,
            timezone="UTC",
            duration_minutes=DURATION_S // 60,
        )
        session.add(event)
        await session.flush()
        session.add(
            MeetingLink(
                event_id=event.id,
                connection_id=connection.id,
                kind=ZoomKind.WEBINAR,
                mode=LinkMode.LINKED,
                state=LinkState.SYNCED,
                desired_version=event.version,
                synced_version=event.version,
                zoom_meeting_id=MEETING_ID,
                last_checked_at=datetime.now(UTC),
            )
        )
        await session.commit()
        return connection.id, event.id


# --- the server process ---------------------------------------------------------------------


def serve(port: int) -> None:
    """The app with the bare ceiling route, under uvicorn (run in its own process)."""
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import Response

    from zoombridge.settings import get_settings
    from zoombridge.web.app import create_app
    from zoombridge.zoom.webhooks import WebhookVerificationError, verify_signature

    async def bare(request: Request) -> Response:
        body = await request.body()
        try:
            verify_signature(SECRET, dict(request.headers), body)
        except WebhookVerificationError:
            return Response(status_code=401)
        return Response(b'{"status":"ok"}', media_type="application/json")

    app = create_app(get_settings())
    # A plain Starlette route on the same app and server: no dependencies, no database.
    app.router.add_route(BARE_PATH, bare, methods=["POST"], include_in_schema=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@contextlib.contextmanager
def _database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'storm.db'}"
        return
    server = postgres_server_url()
    if server is None:
        raise SystemExit("no PostgreSQL reachable (set ZOOMBRIDGE_BENCH_POSTGRES_URL)")
    with throwaway_postgres(server) as url:
        yield url


def _spawn_server(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, "--serve", str(port)],
        env={**env, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _line(name: str, sent: Sent) -> str:
    return (
        f"  {name:<9} {sent.rate:8.0f} events/s  p50 {percentile(sent.latencies, 0.5) * 1000:6.1f}"
        f" ms  p99 {percentile(sent.latencies, 0.99) * 1000:7.1f} ms  "
        f"max {max(sent.latencies, default=0) * 1000:7.1f} ms  errors {sent.errors}"
    )


async def _main(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="zb-storm-"))
    storm = build_storm(args.events, args.people, args.duplicates)
    with _database(args.database, workdir) as url:
        await asyncio.to_thread(migrate.upgrade, url)
        key = SecretBox.new_key()
        engine = create_engine(url, secret_box=SecretBox(key))
        maker = create_sessionmaker(engine)
        connection_id, event_id = await seed(maker)
        port = free_port()
        env = product_env(url, key, workdir)
        log_path = workdir / "server.log"
        process = _spawn_server(port, env, log_path)
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_until_serving(process, base, log_path)
            limits = httpx.Limits(
                max_connections=args.clients, max_keepalive_connections=args.clients
            )
            async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
                ceiling = await send_storm(http, BARE_PATH, storm.bodies, clients=args.clients)
                path = f"/webhooks/zoom/{connection_id}"
                receiver = await send_storm(http, path, storm.bodies, clients=args.clients)
                # Zoom resends what was not answered 200 (after 5, 20, 60 min): at once here.
                resent = await send_storm(http, path, receiver.failed, clients=1)
        finally:
            stop_process(process)
        stored = await stored_count(maker)
        worker = Worker(maker, Settings(data_dir=workdir))
        try:
            applied, apply_s = await apply_all(worker.context)
        finally:
            await worker.aclose()
        wrong = await check(maker, event_id, storm.expected)
        await engine.dispose()
    over_3s = sum(1 for t in receiver.latencies if t > 3.0)
    print(
        f"webhook storm ({args.database}): {len(storm.bodies)} events "
        f"({storm.unique} unique, {len(storm.bodies) - storm.unique} repeats) for "
        f"{len(storm.expected)} people, {args.clients} concurrent clients"
    )
    print(_line("receiver", receiver))
    print(_line("ceiling", ceiling))
    ratio = receiver.rate / ceiling.rate if ceiling.rate else 0.0
    print(f"  receiver/ceiling {ratio:.2f}; answers over Zoom's 3 s: {over_3s}")
    print(
        f"  not answered 200 at first: {receiver.errors} (Zoom resends those); resent: "
        f"{len(receiver.failed) - resent.errors} stored or duplicate, {resent.errors} failed again"
    )
    print(
        f"  stored {stored} (expected {storm.unique}: "
        + ("none lost, duplicates collapsed" if stored == storm.unique else "MISMATCH")
        + f"); answers {dict(receiver.statuses + resent.statuses)}"
    )
    apply_rate = applied / apply_s if apply_s else 0.0
    print(f"  worker applied {applied} in {apply_s:.1f} s ({apply_rate:.0f}/s)")
    print(
        f"  attendance of {len(storm.expected)} people: "
        + ("all correct" if not wrong else f"{len(wrong)} WRONG, e.g. {wrong[:3]}")
    )
    ok = not wrong and stored == storm.unique and resent.errors == 0
    return 0 if ok else 1


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--duplicates", type=float, default=0.05, help="share sent twice")
    parser.add_argument("--clients", type=int, default=32, help="concurrent senders")
    parser.add_argument("--database", choices=["sqlite", "pg"], default="sqlite")
    args = parser.parse_args()
    return asyncio.run(_main(args))


if __name__ == "__main__":
    raise SystemExit(main())
