"""Attendance at scale: N webinars x M participants (with rejoins and two-device overlaps) pulled
from the simulator's participant reports, every page, and merged.

The simulator holds each webinar's ended instance (built in one admin call per webinar); each
event's session is marked finished, so the worker's attendance step finds the ended instances,
pulls each report page by page and writes the rows as they come. Figures: time, Zoom calls,
the rate-limit ceiling (report pages / Heavy per-second limit) and efficiency = ceiling/elapsed,
and Python's peak memory (tracemalloc) in two phases: the first `--first` webinars, then the
rest. Memory must not grow with the number of webinars: the peak ratio stays near 1 while the
webinar ratio is (N - first) / first. Then every person's attended time is checked against the
union of the segments the simulator was given.

    ./dev bench attendance_scale                              # 100 webinars x 1,000 people
    ./dev bench attendance_scale --webinars 10 --participants 200 --first 2 --plan business

The test suite runs the same harness small (tests/attendance/test_scale.py).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from _setup import add_simulated_connection
from zoombridge.attendance.merge import Segment, merge
from zoombridge.attendance.models import AttendancePull
from zoombridge.attendance.service import event_attendance
from zoombridge.connections.models import ZoomKind
from zoombridge.db import migrate
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.events.models import (
    Event,
    EventSession,
    LinkMode,
    LinkState,
    MeetingLink,
    SessionKind,
    SessionStatus,
)
from zoombridge.settings import Settings
from zoombridge.simulator import SimulatorConfig, SimulatorServer
from zoombridge.worker import Worker
from zoombridge.zoom import MeetingCreate, ZoomClient, ZoomCredentials
from zoombridge.zoom.plans import Plan

HEAVY_PER_SECOND = {"pro": 10, "business": 40}
PAGE_SIZE = 300
WEBINARS_PER_HOST = 50  # Zoom: 100 create/update requests per host per day
START = datetime(2031, 3, 4, 15, 0, tzinfo=UTC)
DURATION_S = 3600


@dataclass
class Phase:
    webinars: int
    rows: int
    seconds: float
    peak_bytes: int


@dataclass
class ScaleResult:
    webinars: int
    participants: int
    rows: int = 0
    phases: list[Phase] = field(default_factory=list)
    report_calls: int = 0
    people_checked: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.phases)


def person_segments(rng: random.Random) -> list[tuple[int, int]]:
    """1-3 segments in a 60-minute webinar: rejoins, and sometimes a second device overlapping."""
    segments: list[tuple[int, int]] = []
    t = rng.randint(0, 600)
    for _ in range(rng.randint(1, 3)):
        length = rng.randint(120, 1500)
        end = min(DURATION_S, t + length)
        if end <= t:
            break
        segments.append((t, end))
        t = end + rng.randint(0, 300)
    if segments and rng.random() < 0.2:  # a phone joined while the laptop is in
        join, leave = segments[0]
        segments.append((join + (leave - join) // 2, min(DURATION_S, leave + 300)))
    return segments


def expected_of(segments: list[tuple[int, int]], started: datetime) -> tuple[int, int]:
    union = merge(
        [
            Segment(started + timedelta(seconds=a), started + timedelta(seconds=b))
            for a, b in segments
        ]
    )
    return union.attended_seconds, union.joins


async def _create_webinars(sim: SimulatorServer, count: int) -> list[int]:
    hosts = ["me"]
    async with httpx.AsyncClient(base_url=sim.admin_url, timeout=30) as admin:
        for n in range(1, (count - 1) // WEBINARS_PER_HOST + 1):
            email = f"host{n}@example.com"
            answer = await admin.post(
                f"/accounts/{sim.config.account_id}/users", json={"email": email}
            )
            answer.raise_for_status()
            hosts.append(email)
    zoom = ZoomClient(
        ZoomCredentials(
            account_id=sim.config.account_id,
            client_id=sim.config.client_id,
            client_secret=sim.config.client_secret,  # type: ignore[arg-type]
        ),
        plan=Plan(sim.config.plan),
        api_url=sim.api_url,
        oauth_url=sim.oauth_url,
    )
    try:
        ids = []
        for n in range(count):
            meeting = await zoom.create_meeting(
                "webinar",
                hosts[n // WEBINARS_PER_HOST],
                MeetingCreate(topic=f"Scale {n}", type=5, start_time=START, duration=60),
            )
            ids.append(meeting.id)
        return ids
    finally:
        await zoom.aclose()


async def _seed(
    maker: async_sessionmaker[AsyncSession], sim: SimulatorServer, meeting_ids: list[int]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """An event, a synced link and a (not yet finished) session per webinar."""
    now = datetime.now(UTC)
    rows: list[tuple[uuid.UUID, uuid.UUID]] = []
    async with maker() as session:
        connection = await add_simulated_connection(session, sim, name="attendance-scale")
        for n, meeting_id in enumerate(meeting_ids):
            event = Event(
                connection_id=connection.id,
                kind=ZoomKind.WEBINAR,
                topic=f"Scale {n}",
                start_at=START,
                timezone="UTC",
                duration_minutes=DURATION_S // 60,
            )
            session.add(event)
            await session.flush()
            ev_session = EventSession(
                event_id=event.id, kind=SessionKind.SESSION, start_at=START, duration_minutes=60
            )
            session.add(ev_session)
            session.add(
                MeetingLink(
                    event_id=event.id,
                    connection_id=connection.id,
                    kind=ZoomKind.WEBINAR,
                    mode=LinkMode.LINKED,
                    state=LinkState.SYNCED,
                    desired_version=event.version,
                    synced_version=event.version,
                    zoom_meeting_id=meeting_id,
                    last_checked_at=now,
                )
            )
            await session.flush()
            rows.append((event.id, ev_session.id))
        await session.commit()
    return rows


async def _hold_attendance(
    sim: SimulatorServer, meeting_ids: list[int], participants: int, rng: random.Random
) -> list[dict[str, tuple[int, int]]]:
    """Each webinar's ended instance in the simulator; per webinar, email -> (seconds, joins)."""
    expected: list[dict[str, tuple[int, int]]] = []
    async with httpx.AsyncClient(base_url=sim.admin_url, timeout=120) as admin:
        for w, meeting_id in enumerate(meeting_ids):
            people = []
            for p in range(participants):
                segments = person_segments(rng)
                people.append(
                    {"name": f"P {p}", "email": f"p{p}@w{w}.example", "segments": segments}
                )
            answer = await admin.post(
                f"/meetings/{meeting_id}/attendance", json={"participants": people}
            )
            answer.raise_for_status()
            started = datetime.fromisoformat(answer.json()["start_time"].replace("Z", "+00:00"))
            expected.append(
                {
                    person["email"]: expected_of(person["segments"], started)  # type: ignore[arg-type]
                    for person in people
                }
            )
    return expected


async def _finish(maker: async_sessionmaker[AsyncSession], sessions: list[uuid.UUID]) -> None:
    async with maker() as session:
        for session_id in sessions:
            row = await session.get(EventSession, session_id)
            assert row is not None
            row.status = SessionStatus.FINISHED
        await session.commit()


async def _pulled(maker: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    """(report pulls done, rows read, pulls still open)."""
    async with maker() as session:
        done, rows = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(AttendancePull.rows), 0)).where(
                    AttendancePull.instance_uuid != "", AttendancePull.done_at.is_not(None)
                )
            )
        ).one()
        open_ = await session.scalar(
            select(func.count()).where(
                AttendancePull.done_at.is_(None), AttendancePull.failed.is_(False)
            )
        )
    return int(done), int(rows), int(open_ or 0)


async def _run_phase(
    maker: async_sessionmaker[AsyncSession], worker: Worker, sessions: list[uuid.UUID], target: int
) -> Phase:
    await _finish(maker, sessions)
    before = (await _pulled(maker))[1]
    tracemalloc.reset_peak()
    started = time.monotonic()
    while True:
        await worker.run_once()
        done, rows, open_ = await _pulled(maker)
        if done >= target and open_ == 0:
            break
        await asyncio.sleep(0.05)
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    return Phase(len(sessions), rows - before, seconds, peak)


async def run_scale(
    maker: async_sessionmaker[AsyncSession],
    sim: SimulatorServer,
    *,
    webinars: int,
    participants: int,
    first: int,
    seed: int = 11,
    workdir: Path | None = None,
) -> ScaleResult:
    """Build the webinars, pull them in two phases (`first`, then the rest), check them."""
    rng = random.Random(seed)
    result = ScaleResult(webinars, participants)
    meeting_ids = await _create_webinars(sim, webinars)
    rows = await _seed(maker, sim, meeting_ids)
    expected = await _hold_attendance(sim, meeting_ids, participants, rng)
    async with httpx.AsyncClient(base_url=sim.admin_url) as admin:
        await admin.post("/stats/reset")
    settings = Settings(data_dir=workdir or Path(tempfile.mkdtemp(prefix="zb-att-")))
    worker = Worker(maker, settings)
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    try:
        first = max(1, min(first, webinars - 1)) if webinars > 1 else webinars
        phases = [rows[:first], rows[first:]] if webinars > 1 else [rows]
        target = 0
        for phase in phases:
            target += len(phase)
            result.phases.append(await _run_phase(maker, worker, [s for _, s in phase], target))
    finally:
        if not tracing:
            tracemalloc.stop()
        await worker.aclose()
    async with httpx.AsyncClient(base_url=sim.admin_url) as admin:
        stats = (await admin.get("/stats")).json()
    result.report_calls = _calls(stats, "report")
    result.rows = sum(p.rows for p in result.phases)
    async with maker() as session:
        for (event_id, _), wanted in zip(rows, expected, strict=True):
            seen: dict[str, tuple[int, int]] = {}
            async for person in event_attendance(session, event_id, datetime.now(UTC)):
                seen[person.email] = (person.attendance.attended_seconds, person.attendance.joins)
            for email, figures in wanted.items():
                result.people_checked += 1
                if seen.get(email) != figures:
                    result.wrong.append(f"{email}: expected {figures}, got {seen.get(email)}")
            result.wrong.extend(f"{e}: not sent" for e in set(seen) - set(wanted))
    return result


def _calls(stats: dict[str, Any], fragment: str) -> int:
    routes: dict[str, Any] = stats.get("routes") or stats.get("by_route") or {}
    total = 0
    for name, value in routes.items():
        if fragment in name:
            total += value if isinstance(value, int) else sum(value.values())
    return total


def report(result: ScaleResult, plan: str) -> str:
    heavy = HEAVY_PER_SECOND.get(plan, 10)
    ceiling = result.report_calls / heavy
    efficiency = ceiling / result.seconds if result.seconds else 0.0
    lines = [
        f"attendance at scale: {result.webinars} webinars x {result.participants} participants, "
        f"{result.rows} report rows, {result.report_calls} report pages ({plan} plan)",
        f"  time {result.seconds:.1f} s; rate-limit ceiling {ceiling:.1f} s "
        f"(pages / Heavy {heavy}/s); efficiency {efficiency:.2f}",
    ]
    for n, phase in enumerate(result.phases, 1):
        lines.append(
            f"  phase {n}: {phase.webinars} webinars, {phase.rows} rows, {phase.seconds:.1f} s, "
            f"peak memory {phase.peak_bytes / 1e6:.1f} MB"
        )
    if len(result.phases) == 2 and result.phases[0].peak_bytes:
        a, b = result.phases
        lines.append(
            f"  memory ratio phase2/phase1 {b.peak_bytes / a.peak_bytes:.2f} for "
            f"{b.webinars / a.webinars:.1f}x the webinars (flat = streaming)"
        )
    lines.append(
        f"  checked {result.people_checked} people: "
        + (
            "all correct"
            if not result.wrong
            else f"{len(result.wrong)} WRONG, e.g. {result.wrong[:3]}"
        )
    )
    return "\n".join(lines)


async def _main(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="zb-att-scale-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'scale.db'}"
    if args.database_url is None:
        await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url, secret_box=SecretBox(SecretBox.new_key()))
    maker = create_sessionmaker(engine)
    try:
        with SimulatorServer(SimulatorConfig(seed=args.seed, plan=args.plan)) as sim:
            result = await run_scale(
                maker,
                sim,
                webinars=args.webinars,
                participants=args.participants,
                first=args.first,
                seed=args.seed,
                workdir=workdir,
            )
    finally:
        await engine.dispose()
    print(report(result, args.plan))
    return 1 if result.wrong else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--webinars", type=int, default=100)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--first", type=int, default=10, help="webinars in the first phase")
    parser.add_argument("--plan", choices=sorted(HEAVY_PER_SECOND), default="business")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--database-url", help="a migrated, EMPTY database (default: a fresh SQLite file)"
    )
    args = parser.parse_args()
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    return asyncio.run(_main(args))


if __name__ == "__main__":
    raise SystemExit(main())
