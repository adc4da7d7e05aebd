"""Contacts at scale, in two parts.

1. **Segments**: 50,000 contacts x 200 webinars (registrations and attendance written as the
   sync writes them, properties worked out by `contacts.service.properties`). A segment of three
   conditions (attended one webinar for at least half of it, registered for a "Launch"
   webinar, at least 3 registrations) is counted and its first page read through
   `contacts.service.segments`, against a hand-written SQL query for the same set using the same
   indexes, in the same run: medians of both and the ratio (target: at most 3x). The two must
   find the same contacts.
2. **Re-sync**: a webinar of 1,000 and one of 10,000 registered attendees (with rejoins) held by
   the simulator with Zoom's rate limits on; each is synced, then synced again in full ("sync
   now") by the worker. Per re-sync: time, Zoom calls against the fewest possible (webinar,
   panelists, form, registrant pages, past instances, report pages, recording), 429s received
   (target: none), and Python's peak memory (tracemalloc, above what was held before) — the
   ratio 10,000 / 1,000 must stay near 1 (memory holds a page, not a webinar).

    ./dev bench contacts_scale                                  # full size, SQLite
    ./dev bench contacts_scale --database pg                    # on a throwaway PostgreSQL
    ./dev bench contacts_scale --contacts 2000 --webinars 20 --attendees 100 1000

The test suite runs the same harness small (tests/bench/test_contacts_scale.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import random
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from _setup import (
    add_simulated_connection,
    free_port,
    postgres_server_url,
    spawn_cli,
    stop_process,
    throwaway_postgres,
)
from zoombridge.connections.models import ZoomConnection
from zoombridge.contacts.models import (
    Contact,
    ContactAttendance,
    ContactConnection,
    ContactRegistration,
    ContactSettings,
    ContactSync,
    ContactWebinar,
    HostsMode,
    RegistrationHow,
    RegistrationStatus,
)
from zoombridge.contacts.schemas import SegmentQuery
from zoombridge.contacts.service import properties, segments, webinars
from zoombridge.db import migrate
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.settings import Settings
from zoombridge.simulator import SimulatorConfig, SimulatorServer
from zoombridge.worker import Worker
from zoombridge.zoom import (
    BatchRegistrantBody,
    MeetingCreate,
    SettingsBody,
    ZoomClient,
    ZoomCredentials,
)
from zoombridge.zoom.plans import Plan

LAUNCHES = 10  # webinars called "Launch …" among the others
SEED_BATCH = 5000
PAGE = 300
RUNS = 7


# --- part 1: segments ---------------------------------------------------------------------


@dataclass
class SegmentResult:
    contacts: int
    webinars: int
    registrations: int
    attendances: int
    seed_seconds: float
    properties_seconds: float
    matched: int
    ours_ms: float
    baseline_ms: float
    same_set: bool

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.baseline_ms if self.baseline_ms else math.inf


async def seed_contacts(
    maker: async_sessionmaker[AsyncSession], contacts: int, webinar_count: int, seed: int = 7
) -> tuple[int, int, int]:
    """Webinars, contacts, registrations (2-6 each) and attendance (about 60 % of them),
    written in bulk; (webinar id of the attended condition, registrations, attendances)."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    async with maker() as session:
        connection = await session.scalar(select(ZoomConnection.id).limit(1))
        assert connection is not None, "a Zoom connection first (the webinars belong to one)"

        webinar_rows = [
            {
                "id": uuid.uuid4(),
                "connection_id": connection,
                "zoom_webinar_id": 82_000_000_000 + n,
                "topic": f"{'Launch' if n < LAUNCHES else 'Webinar'} {n}",
                "start_at": now - timedelta(days=n),
                "duration_minutes": 60,
                "ended": True,
                "sync_enabled": True,
                "created_by_zoombridge": False,
                "alternative_hosts": [],
                "panelists": [],
                "required_fields": [],
                "sync_due": False,
                "sync_trigger": "listed",
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(webinar_count)
        ]
        await session.execute(insert(ContactWebinar), webinar_rows)
        webinar_ids = [w["id"] for w in webinar_rows]
        registrations: list[dict[str, Any]] = []
        attendances: list[dict[str, Any]] = []
        counts = [0, 0]

        async def flush(force: bool = False) -> None:
            if registrations and (force or len(registrations) >= SEED_BATCH):
                await session.execute(insert(ContactRegistration), registrations)
                counts[0] += len(registrations)
                registrations.clear()
            if attendances and (force or len(attendances) >= SEED_BATCH):
                await session.execute(insert(ContactAttendance), attendances)
                counts[1] += len(attendances)
                attendances.clear()

        for start in range(0, contacts, SEED_BATCH):
            people = [
                {
                    "id": uuid.uuid4(),
                    "email": f"person{n}@example.com",
                    "first_name": "Person",
                    "last_name": str(n),
                    "fields": {},
                    "total_registrations": 0,
                    "total_webinars_attended": 0,
                    "no_show_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(start, min(contacts, start + SEED_BATCH))
            ]
            await session.execute(insert(Contact), people)
            for person in people:
                for webinar_id in rng.sample(webinar_ids, rng.randint(2, 6)):
                    registrations.append(
                        {
                            "id": uuid.uuid4(),
                            "webinar_id": webinar_id,
                            "contact_id": person["id"],
                            "email": person["email"],
                            "status": RegistrationStatus.REGISTERED,
                            "how": RegistrationHow.ZOOM_FORM,
                            "registered_at": now,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    if rng.random() < 0.6:
                        seconds = rng.randint(60, 3600)
                        attendances.append(
                            {
                                "id": uuid.uuid4(),
                                "webinar_id": webinar_id,
                                "instance_uuid": "i",
                                "person_key": person["email"],
                                "contact_id": person["id"],
                                "email": person["email"],
                                "name": "",
                                "joins": 1,
                                "first_join": now,
                                "last_leave": now,
                                "attended_seconds": seconds,
                                "percent": round(seconds / 36, 1),
                                "linked_by_hand": False,
                                "created_at": now,
                                "updated_at": now,
                            }
                        )
            await flush()
        await flush(force=True)
        await session.commit()
    return 82_000_000_000 + webinar_count // 2, counts[0], counts[1]


def three_conditions(webinar_id: int) -> SegmentQuery:
    return SegmentQuery.model_validate(
        {
            "match": "all",
            "conditions": [
                {"kind": "attended", "webinar_id": webinar_id, "min_percent": 50},
                {"kind": "registered", "webinar_name": "launch"},
                {"kind": "property", "property": "total_registrations", "op": "gte", "value": 3},
            ],
        }
    )


# The hand-written queries: the same answer as the segment service gives (how many, and the
# first page by email), using the same indexes.
BASELINE_SQL = """
SELECT c.id FROM contacts c
WHERE c.deleted_at IS NULL AND c.total_registrations >= 3
  AND c.id IN (
    SELECT a.contact_id FROM contact_attendances a
    JOIN contact_webinars w ON w.id = a.webinar_id
    WHERE w.zoom_webinar_id = :webinar AND a.percent >= 50 AND a.attended_seconds > 0)
  AND c.id IN (
    SELECT r.contact_id FROM contact_registrations r
    JOIN contact_webinars w ON w.id = r.webinar_id
    WHERE lower(w.topic) LIKE '%launch%' AND r.status IN ('registered', 'pending'))
"""
BASELINE_COUNT = """
SELECT count(*) FROM contacts c
WHERE c.deleted_at IS NULL AND c.total_registrations >= 3
  AND c.id IN (
    SELECT a.contact_id FROM contact_attendances a
    JOIN contact_webinars w ON w.id = a.webinar_id
    WHERE w.zoom_webinar_id = :webinar AND a.percent >= 50 AND a.attended_seconds > 0)
  AND c.id IN (
    SELECT r.contact_id FROM contact_registrations r
    JOIN contact_webinars w ON w.id = r.webinar_id
    WHERE lower(w.topic) LIKE '%launch%' AND r.status IN ('registered', 'pending'))
"""
BASELINE_PAGE = """
SELECT c.id, c.email FROM contacts c
WHERE c.deleted_at IS NULL AND c.total_registrations >= 3
  AND c.id IN (
    SELECT a.contact_id FROM contact_attendances a
    JOIN contact_webinars w ON w.id = a.webinar_id
    WHERE w.zoom_webinar_id = :webinar AND a.percent >= 50 AND a.attended_seconds > 0)
  AND c.id IN (
    SELECT r.contact_id FROM contact_registrations r
    JOIN contact_webinars w ON w.id = r.webinar_id
    WHERE lower(w.topic) LIKE '%launch%' AND r.status IN ('registered', 'pending'))
ORDER BY c.email LIMIT 50
"""


async def _timed_ms(work: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = await work()
    return (time.perf_counter() - started) * 1000, answer


async def run_segments(
    maker: async_sessionmaker[AsyncSession], *, contacts: int, webinar_count: int
) -> SegmentResult:
    started = time.monotonic()
    webinar_id, registrations, attendances = await seed_contacts(maker, contacts, webinar_count)
    seeded = time.monotonic()
    async with maker() as session:
        ids = list(await session.scalars(select(Contact.id)))
        await properties.recompute(session, ids)
        await session.commit()
        await session.execute(text("ANALYZE"))
        await session.commit()
    computed = time.monotonic()
    query = three_conditions(webinar_id)
    ours: list[float] = []
    baseline: list[float] = []
    found: set[uuid.UUID] = set()
    expected: set[uuid.UUID] = set()
    async with maker() as session:
        for _ in range(RUNS):  # alternated, so neither enjoys a warmer cache

            async def segment() -> tuple[int, list[Contact]]:
                return await segments.count_and_page(session, query, limit=50, offset=0)

            ms, (count, _page) = await _timed_ms(segment)
            ours.append(ms)

            async def hand_written() -> tuple[int, list[Any]]:
                params = {"webinar": webinar_id}
                total = await session.scalar(text(BASELINE_COUNT), params)
                first = list(await session.execute(text(BASELINE_PAGE), params))
                return int(total or 0), first

            ms, (total, first) = await _timed_ms(hand_written)
            baseline.append(ms)
            assert total == count, (total, count)
            assert [r.email for r in first] == [c.email for c in _page], "first pages differ"
        expected = {
            uuid.UUID(str(r[0]))
            for r in await session.execute(text(BASELINE_SQL), {"webinar": webinar_id})
        }
        where = await segments.where_clause(session, query)
        found = set(await session.scalars(select(Contact.id).where(where)))
    return SegmentResult(
        contacts=contacts,
        webinars=webinar_count,
        registrations=registrations,
        attendances=attendances,
        seed_seconds=seeded - started,
        properties_seconds=computed - seeded,
        matched=count,
        ours_ms=statistics.median(ours),
        baseline_ms=statistics.median(baseline),
        same_set=found == expected and count == len(expected),
    )


# --- part 2: a full re-sync ------------------------------------------------------------------


@dataclass
class Resync:
    attendees: int
    seconds: float
    calls: int
    minimum: int
    received_429: int
    peak_bytes: int
    contacts: int
    attendance_rows: int
    registrations: int
    wrong: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SimulatorProcess:
    """`zoombridge simulator` in a process of its own: what it holds and does (10,000
    participants, their report pages) is neither in this process's memory nor on its GIL, so
    the figures are the sync's alone. Shaped like `SimulatorServer` where the bench reads it."""

    config: SimulatorConfig
    api_url: str
    oauth_url: str
    admin_url: str


@contextlib.contextmanager
def simulator_process(config: SimulatorConfig, workdir: Path) -> Iterator[SimulatorProcess]:
    port = free_port()
    log = workdir / "simulator.log"
    args = ["simulator", "--port", str(port), "--plan", config.plan]
    if config.seed is not None:
        args += ["--seed", str(config.seed)]
    process = spawn_cli(dict(os.environ), args, log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        with httpx.Client(timeout=1) as probe:
            while True:
                try:
                    if probe.get(base + "/_sim/stats").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the simulator did not start:\n{log.read_text()}")
                time.sleep(0.1)
        yield SimulatorProcess(config, base + "/v2", base + "/oauth/token", base + "/_sim")
    finally:
        stop_process(process)


def _zoom(sim: SimulatorServer | SimulatorProcess) -> ZoomClient:
    return ZoomClient(
        ZoomCredentials(
            account_id=sim.config.account_id,
            client_id=sim.config.client_id,
            client_secret=sim.config.client_secret,  # type: ignore[arg-type]
        ),
        plan=Plan(sim.config.plan),
        api_url=sim.api_url,
        oauth_url=sim.oauth_url,
    )


def _segments(n: int) -> list[list[int]]:
    if n % 4 == 0:  # a rejoin
        return [[0, 1200], [1500, 3000]]
    if n % 4 == 1:  # two devices at once
        return [[0, 1800], [900, 2400]]
    return [[60 * (n % 30), 3600]]


def _expected_seconds(n: int) -> int:
    return {0: 2700, 1: 2400}.get(n % 4, 3600 - 60 * (n % 30))


async def _hold_webinar(
    sim: SimulatorServer | SimulatorProcess, zoom: ZoomClient, tag: str, people: int
) -> int:
    start = datetime.now(UTC) + timedelta(days=1)
    webinar = await zoom.create_meeting(
        "webinar",
        "me",
        MeetingCreate(
            topic=f"Scale {tag}",
            type=5,
            start_time=start,
            duration=60,
            settings=SettingsBody(approval_type=0),
        ),
    )
    emails = [f"p{n}@{tag}.example.com" for n in range(people)]
    for first in range(0, people, 30):
        batch = [
            BatchRegistrantBody(email=e, first_name="P", last_name=str(i + first))
            for i, e in enumerate(emails[first : first + 30])
        ]
        await zoom.add_registrants_batch("webinar", webinar.id, batch, auto_approve=True)
    participants = [
        {"name": f"P {n}", "email": email, "segments": _segments(n)}
        for n, email in enumerate(emails)
    ]
    async with httpx.AsyncClient(base_url=sim.admin_url, timeout=300) as admin:
        answer = await admin.post(
            f"/meetings/{webinar.id}/attendance", json={"participants": participants}
        )
        answer.raise_for_status()
    return webinar.id


def _stats_calls(stats: dict[str, Any]) -> tuple[int, int]:
    """(Zoom API calls answered, 429s among them) from the simulator's counts."""
    routes: dict[str, int] = stats.get("routes") or {}
    calls = sum(n for route, n in routes.items() if route != "oauth.token")
    return calls, int((stats.get("statuses") or {}).get("429", 0))


async def _until_synced(
    maker: async_sessionmaker[AsyncSession],
    worker: Worker,
    webinar_row: uuid.UUID | None,
    after: int,
) -> None:
    for _ in range(10_000):
        await worker.run_once()
        async with maker() as session:
            query = (
                select(func.count())
                .select_from(ContactSync)
                .where(ContactSync.finished_at.is_not(None))
            )
            if webinar_row is not None:
                query = query.where(ContactSync.webinar_id == webinar_row)
            if int(await session.scalar(query) or 0) > after:
                return
        await asyncio.sleep(0.01)
    raise RuntimeError("the webinar was not synced")


async def run_resync(
    maker: async_sessionmaker[AsyncSession],
    sim: SimulatorServer | SimulatorProcess,
    sizes: list[int],
    workdir: Path,
) -> list[Resync]:
    zoom = _zoom(sim)
    try:
        ids = {size: await _hold_webinar(sim, zoom, f"w{size}", size) for size in sizes}
    finally:
        await zoom.aclose()
    async with maker() as session:
        connection = await add_simulated_connection(session, sim, name="contacts-scale")
        session.add(ContactSettings(id=1, sync_webinars=True, excluded_domains=[]))
        session.add(ContactConnection(connection_id=connection.id, hosts_mode=HostsMode.ALL))
        await session.commit()
    worker = Worker(maker, Settings(data_dir=workdir))
    results = []
    try:
        await _until_synced(maker, worker, None, len(sizes) - 1)  # listed and first synced
        for size in sizes:
            async with maker() as session:
                row = await webinars.by_zoom_id(session, ids[size])
                assert row is not None
                done = int(
                    await session.scalar(
                        select(func.count()).where(ContactSync.webinar_id == row.id)
                    )
                    or 0
                )
                await webinars.request_sync(session, row.id)
                await session.commit()
            async with httpx.AsyncClient(base_url=sim.admin_url) as admin:
                await admin.post("/stats/reset")
            tracing = tracemalloc.is_tracing()
            if not tracing:
                tracemalloc.start()
            base, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            started = time.monotonic()
            await _until_synced(maker, worker, row.id, done)
            seconds = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
            if not tracing:
                tracemalloc.stop()
            async with httpx.AsyncClient(base_url=sim.admin_url) as admin:
                stats = (await admin.get("/stats")).json()
            calls, limited = _stats_calls(stats)
            result = Resync(
                attendees=size,
                seconds=seconds,
                calls=calls,
                minimum=3
                + math.ceil(size / PAGE)
                + 2
                + 1
                + math.ceil(sum(len(_segments(n)) for n in range(size)) / PAGE)
                + 1,
                received_429=limited,
                peak_bytes=max(0, peak - base),
                contacts=0,
                attendance_rows=0,
                registrations=0,
            )
            await _check(maker, row.id, size, result)
            results.append(result)
    finally:
        await worker.aclose()
    return results


async def _check(
    maker: async_sessionmaker[AsyncSession], webinar_row: uuid.UUID, size: int, result: Resync
) -> None:
    async with maker() as session:
        result.attendance_rows = int(
            await session.scalar(
                select(func.count()).where(ContactAttendance.webinar_id == webinar_row)
            )
            or 0
        )
        result.registrations = int(
            await session.scalar(
                select(func.count()).where(ContactRegistration.webinar_id == webinar_row)
            )
            or 0
        )
        result.contacts = int(
            await session.scalar(
                select(func.count()).where(Contact.email.like(f"%@w{size}.example.com"))
            )
            or 0
        )
        rows = await session.execute(
            select(ContactAttendance.email, ContactAttendance.attended_seconds).where(
                ContactAttendance.webinar_id == webinar_row
            )
        )
        for email, seconds in rows:
            n = int(email.split("@")[0][1:])
            if seconds != _expected_seconds(n):
                result.wrong.append(f"{email}: {seconds} s, expected {_expected_seconds(n)}")
    for name, value in (
        ("attendance rows", result.attendance_rows),
        ("registrations", result.registrations),
        ("contacts", result.contacts),
    ):
        if value != size:
            result.wrong.append(f"{name}: {value}, expected {size}")


# --- report and main ---------------------------------------------------------------------------


def report(segment: SegmentResult | None, resyncs: list[Resync]) -> str:
    lines = []
    if segment is not None:
        s = segment
        lines += [
            f"segments: {s.contacts} contacts x {s.webinars} webinars, {s.registrations} "
            f"registrations, {s.attendances} attendances (seeded in {s.seed_seconds:.1f} s, "
            f"properties of every contact in {s.properties_seconds:.1f} s)",
            f"  three conditions: {s.matched} contacts; segment service {s.ours_ms:.1f} ms "
            f"(count + first page), hand-written indexed SQL {s.baseline_ms:.1f} ms; "
            f"ratio {s.ratio:.2f} (target <= 3); same contacts: {s.same_set}",
        ]
    for r in resyncs:
        lines.append(
            f"re-sync of a {r.attendees}-attendee webinar: {r.seconds:.1f} s, {r.calls} Zoom "
            f"calls (fewest possible {r.minimum}), {r.received_429} 429s, peak memory "
            f"{r.peak_bytes / 1e6:.1f} MB; {r.contacts} contacts, {r.registrations} "
            f"registrations, {r.attendance_rows} attendances"
            + (f"; WRONG: {r.wrong[:3]}" if r.wrong else "; all correct")
        )
    if len(resyncs) >= 2 and resyncs[0].peak_bytes:
        a, b = resyncs[0], resyncs[-1]
        lines.append(
            f"  memory ratio {b.attendees}/{a.attendees} attendees: "
            f"{b.peak_bytes / a.peak_bytes:.2f} for {b.attendees / a.attendees:.0f}x the people "
            "(flat = streaming)"
        )
    return "\n".join(lines)


@contextlib.contextmanager
def _database(kind: str, path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file at `path`, or a throwaway PostgreSQL one."""
    if kind == "pg":
        server = postgres_server_url()
        if server is None:
            raise SystemExit("no PostgreSQL reachable (set ZOOMBRIDGE_BENCH_POSTGRES_URL)")
        with throwaway_postgres(server) as url:
            yield url
        return
    yield f"sqlite+aiosqlite:///{path}"


@contextlib.asynccontextmanager
async def _migrated(kind: str, path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    with _database(kind, path) as url:
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url, secret_box=SecretBox(SecretBox.new_key()))
        try:
            yield create_sessionmaker(engine)
        finally:
            await engine.dispose()


async def _main(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="zb-contacts-scale-"))
    config = SimulatorConfig(plan=args.plan, seed=args.seed)
    with simulator_process(config, workdir) as sim:
        async with _migrated(args.database, workdir / "segments.db") as maker:
            async with maker() as session:
                await add_simulated_connection(session, sim, name="segments")
                await session.commit()
            segment = await run_segments(maker, contacts=args.contacts, webinar_count=args.webinars)
        async with _migrated(args.database, workdir / "resync.db") as maker:
            resyncs = await run_resync(maker, sim, args.attendees, workdir)
    print(report(segment, resyncs))
    failed = not segment.same_set or segment.ratio > 3
    return 1 if failed or any(r.wrong or r.received_429 for r in resyncs) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--webinars", type=int, default=200)
    parser.add_argument("--attendees", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--plan", choices=["pro", "business"], default="business")
    parser.add_argument("--database", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    return asyncio.run(_main(args))


if __name__ == "__main__":
    raise SystemExit(main())
