"""Courses at scale: bulk enrolment onto Zoom, and results with memory flat in the sessions.

1. **Enrolment.** N learners (5,000) enrolled on a course event in ONE request (by their
   group) through the REST API of a `zoombridge serve` process; a `zoombridge worker` process
   registers them on every session's webinar in the simulator (rate limits on, 100-200 ms a
   call), 30 a batch call (Heavy):

       ceiling = sessions × ceil(N / 30) / Heavy per second    (Pro: 167 / 10 = 16.7 s)
       efficiency = ceiling / (enrol request sent -> last registration confirmed)   >= 0.9

   Printed: calls vs the minimum, 429s, efficiency; every learner checked once on Zoom.
2. **Results.** Course events of 10 and of 100 sessions × 300 learners (two report marks per
   learner and session, every report pulled) have their results computed session by session
   (`results.compute`); tracemalloc's peak for each and their ratio (flat = about 1).

    ./dev bench courses_scale                       # 5,000 learners, 1 session; 10 vs 100 sessions
    ./dev bench courses_scale --learners 2000 --sessions 3 --plan business
    ./dev bench courses_scale --part results --results-learners 300

The test suite runs both small (tests/bench/test_courses_scale.py).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from _setup import add_simulated_connection, free_port, product_env, spawn_cli, stop_process
from zoombridge.accounts.service import create_api_token
from zoombridge.attendance.models import AttendanceMark, AttendancePull
from zoombridge.connections.models import ZoomKind
from zoombridge.courses.models import CourseEvent, Enrolment, Learner, Provider
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
    RegistrationSource,
    SessionKind,
    SessionStatus,
)
from zoombridge.orders.models import Registration, RegistrationState
from zoombridge.orders.tasks.registrations import MAX_BATCH
from zoombridge.results.compute import Cell, SessionInfo, compute, load_context
from zoombridge.simulator import FaultConfig, SimulatorConfig, SimulatorServer
from zoombridge.zoom import Plan
from zoombridge.zoom.operations import operation_for
from zoombridge.zoom.plans import PER_SECOND

TARGET_EFFICIENCY = 0.9


@dataclass
class EnrolResult:
    learners: int
    sessions: int
    plan: str
    elapsed: float = 0.0
    request_seconds: float = 0.0
    registered: int = 0
    other_rows: dict[str, int] = field(default_factory=dict)
    zoom_missing: int = 0
    calls: int = 0
    calls_needed: int = 0
    received_429: int = 0
    per_second: float = 0.0

    @property
    def ceiling(self) -> float:
        return self.calls_needed / self.per_second if self.per_second else 0.0

    @property
    def efficiency(self) -> float:
        return self.ceiling / self.elapsed if self.elapsed else 0.0

    @property
    def correct(self) -> bool:
        return (
            self.registered == self.learners * self.sessions
            and not self.other_rows
            and self.zoom_missing == 0
        )

    def report(self) -> str:
        verdict = (
            "OK"
            if self.correct and self.efficiency >= TARGET_EFFICIENCY
            else ("BELOW TARGET" if self.correct else "WRONG")
        )
        return "\n".join(
            [
                f"== enrolment: {self.learners} learners × {self.sessions} session(s), "
                f"{self.plan}, one request",
                f"enrol request answered    {self.request_seconds:.2f} s",
                f"registered (rows)         {self.registered} of {self.learners * self.sessions}"
                + (f", other states {self.other_rows}" if self.other_rows else ""),
                f"missing on Zoom           {self.zoom_missing}",
                f"Zoom calls                {self.calls} registration calls "
                f"(minimum {self.calls_needed})",
                f"429s                      {self.received_429}",
                f"rate-limit ceiling        {self.ceiling:.1f} s ({self.calls_needed} heavy "
                f"calls at {self.per_second:g}/s)",
                f"request -> last confirmed {self.elapsed:.1f} s",
                f"efficiency                {self.efficiency:.3f} (target >= {TARGET_EFFICIENCY})",
                f"summary: enrol {self.learners}x{self.sessions} {self.plan} "
                f"{self.elapsed:.1f}s ceiling={self.ceiling:.1f}s "
                f"efficiency={self.efficiency:.3f} calls={self.calls}/{self.calls_needed} "
                f"429s={self.received_429} {verdict}",
            ]
        )


async def run_enrolment(
    database_url: str,
    workdir: Path,
    *,
    learners: int,
    sessions: int = 1,
    plan: str = "pro",
    latency_ms: tuple[float, float] = (100.0, 200.0),
    give_up_after: float = 900.0,
) -> EnrolResult:
    result = EnrolResult(learners=learners, sessions=sessions, plan=plan)
    operation = operation_for("batch_registrants", "webinar")
    result.per_second = PER_SECOND[Plan(plan)][operation.category]
    result.calls_needed = sessions * math.ceil(learners / MAX_BATCH)
    key = SecretBox.new_key()
    engine = create_engine(database_url, secret_box=SecretBox(key))
    maker = create_sessionmaker(engine)
    config = SimulatorConfig(
        plan=plan,  # type: ignore[arg-type]
        webinar_capacity=max(learners + 100, 10_000),
        faults=FaultConfig(latency_ms_min=latency_ms[0], latency_ms_max=latency_ms[1]),
        seed=11,
    )
    env = product_env(database_url, key, workdir)
    port = free_port()
    processes = []
    try:
        await migrate.upgrade_async(engine)
        with SimulatorServer(config) as sim:
            async with maker() as session:
                connection = await add_simulated_connection(session, sim, name="Courses")
                token, _ = await create_api_token(session, "courses bench")
                await session.commit()
            log = workdir / "serve.log"
            processes.append(spawn_cli(env, ["serve", "--port", str(port)], log))
            base = f"http://127.0.0.1:{port}"
            from _setup import wait_until_serving

            await wait_until_serving(processes[0], base, log)
            processes.append(
                spawn_cli(
                    env, ["worker", "--id", "bench", "--poll-interval", "0.5"], workdir / "w.log"
                )
            )
            async with httpx.AsyncClient(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=300
            ) as http:
                event_id, links = await _course_event(http, connection.id, sim, sessions, learners)
                await _wait_meetings(maker, links, 120)
                async with httpx.AsyncClient() as admin:
                    await admin.post(f"{sim.admin_url}/stats/reset")
                group = (await http.get("/api/v1/groups")).json()["items"][0]["id"]
                sent = datetime.now(UTC)
                started = time.perf_counter()
                answer = await http.post(
                    f"/api/v1/course-events/{event_id}/enrolments", json={"group_ids": [group]}
                )
                result.request_seconds = time.perf_counter() - started
                if answer.status_code != 200:
                    raise RuntimeError(f"enrol: HTTP {answer.status_code} {answer.text[:300]}")
                last = await _wait_registered(maker, links, learners * sessions, give_up_after)
            if last is not None:
                result.elapsed = (last - sent).total_seconds()
            await _check(maker, sim, links, learners, result)
    finally:
        for process in reversed(processes):
            stop_process(process)
        await engine.dispose()
    return result


async def _course_event(
    http: httpx.AsyncClient, connection_id: uuid.UUID, sim: SimulatorServer, sessions: int, n: int
) -> tuple[str, list[uuid.UUID]]:
    provider = (
        await http.post(
            "/api/v1/providers",
            json={
                "name": "Bench",
                "connection_id": str(connection_id),
                "host": sim.config.host_email,
                "default_kind": "webinar",
                "webinars_available": True,
            },
        )
    ).json()
    group = (await http.post("/api/v1/groups", json={"name": "Everyone"})).json()
    people = [
        {
            "email": f"l{i}@example.com",
            "first_name": "Learner",
            "last_name": str(i),
            "group_ids": [group["id"]],
        }
        for i in range(n)
    ]
    for start in range(0, n, 5_000):
        answer = await http.post(
            "/api/v1/learners/batch", json={"learners": people[start : start + 5_000]}
        )
        answer.raise_for_status()
    first = (datetime.now(UTC) + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    answer = await http.post(
        "/api/v1/course-events",
        json={
            "provider_id": provider["id"],
            "topic": "Scale",
            "timezone": "UTC",
            "sessions": [
                {"start": (first + timedelta(days=d)).isoformat(), "duration_minutes": 60}
                for d in range(sessions)
            ],
        },
    )
    if answer.status_code != 201:
        raise RuntimeError(f"course event: {answer.text}")
    view = answer.json()
    return view["id"], [uuid.UUID(s["link_id"]) for s in view["sessions"]]


async def _wait_meetings(maker: Any, links: list[uuid.UUID], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with maker() as session:
            synced = await session.scalar(
                select(func.count())
                .select_from(MeetingLink)
                .where(MeetingLink.id.in_(links), MeetingLink.state == LinkState.SYNCED)
            )
        if synced == len(links):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the webinars were not created on Zoom")


async def _wait_registered(
    maker: Any, links: list[uuid.UUID], wanted: int, within: float
) -> datetime | None:
    deadline = time.monotonic() + within
    last_change, last_count = time.monotonic(), -1
    while time.monotonic() < deadline:
        async with maker() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(
                    Registration.link_id.in_(links),
                    Registration.state == RegistrationState.REGISTERED,
                )
            )
        if count != last_count:
            last_change, last_count = time.monotonic(), count or 0
        if (count or 0) >= wanted or time.monotonic() - last_change > 120:
            break
        await asyncio.sleep(0.2)
    async with maker() as session:
        last: datetime | None = await session.scalar(
            select(func.max(Registration.confirmed_at)).where(Registration.link_id.in_(links))
        )
    return last


async def _check(
    maker: Any, sim: SimulatorServer, links: list[uuid.UUID], n: int, result: EnrolResult
) -> None:
    async with maker() as session:
        by_state = {
            state.value: count
            for state, count in await session.execute(
                select(Registration.state, func.count())
                .where(Registration.link_id.in_(links))
                .group_by(Registration.state)
            )
        }
        meetings = list(
            await session.scalars(
                select(MeetingLink.zoom_meeting_id).where(MeetingLink.id.in_(links))
            )
        )
    result.registered = by_state.pop("registered", 0)
    result.other_rows = {k: v for k, v in by_state.items() if v}
    wanted = {f"l{i}@example.com" for i in range(n)}
    async with httpx.AsyncClient(timeout=60) as http:
        for meeting_id in meetings:
            state = (await http.get(f"{sim.admin_url}/meetings/{meeting_id}")).json()
            approved = {r["email"] for r in state["registrants"] if r["status"] == "approved"}
            result.zoom_missing += len(wanted - approved)
        stats = (await http.get(f"{sim.admin_url}/stats")).json()
    result.calls = int(stats["routes"].get("addBatchWebinarRegistrants", 0))
    result.received_429 = int(stats["statuses"].get("429", 0))


# --- results: memory flat in the number of sessions ------------------------------------------


@dataclass
class ResultsRun:
    sessions: int
    learners: int
    cells: int = 0
    seconds: float = 0.0
    peak_bytes: int = 0
    attended_minutes: float = 0.0


async def seed_course(maker: Any, sessions: int, learners: int, tag: str) -> uuid.UUID:
    """A held course event: every learner in every session 45 minutes (two report marks)."""
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)
    async with maker() as session:
        from zoombridge.connections.models import ZoomConnection, ZoomPlan

        connection = ZoomConnection(
            name=f"c-{tag}", account_id="a", client_id="c", client_secret="s", plan=ZoomPlan.PRO
        )
        session.add(connection)
        await session.flush()
        provider = Provider(
            name=f"p-{tag}",
            connection_id=connection.id,
            host_email="h@example.com",
            default_kind=ZoomKind.MEETING,
        )
        event = Event(
            connection_id=connection.id,
            kind=ZoomKind.MEETING,
            topic=tag,
            start_at=start,
            timezone="UTC",
            duration_minutes=60,
            own_session_meetings=True,
            registrations_from=RegistrationSource.ENROLMENT,
        )
        session.add_all([provider, event])
        await session.flush()
        session.add(CourseEvent(event_id=event.id, provider_id=provider.id))
        ids = [uuid.uuid4() for _ in range(learners)]
        await session.execute(
            insert(Learner),
            [
                {"id": i, "email": f"{tag}-{n}@example.com", "first_name": "L", "last_name": str(n)}
                for n, i in enumerate(ids)
            ],
        )
        await session.flush()
        await session.execute(
            insert(Enrolment),
            [
                {"id": uuid.uuid4(), "event_id": event.id, "learner_id": i, "enrolled_at": start}
                for i in ids
            ],
        )
        for s in range(sessions):
            at = start + timedelta(days=s)
            row = EventSession(
                event_id=event.id,
                kind=SessionKind.SESSION,
                start_at=at,
                duration_minutes=60,
                status=SessionStatus.FINISHED,
            )
            session.add(row)
            await session.flush()
            link = MeetingLink(
                event_id=event.id,
                session_id=row.id,
                connection_id=connection.id,
                kind=ZoomKind.MEETING,
                mode=LinkMode.CREATED,
                state=LinkState.SYNCED,
                zoom_meeting_id=10**10 + s,
            )
            session.add(link)
            await session.flush()
            session.add(
                AttendancePull(link_id=link.id, instance_uuid="i", done_at=at, rows=learners)
            )
            marks = []
            for n in range(learners):
                email = f"{tag}-{n}@example.com"
                for kind, when in (("join", at), ("leave", at + timedelta(minutes=45))):
                    marks.append(
                        {
                            "id": uuid.uuid4(),
                            "link_id": link.id,
                            "instance_uuid": "i",
                            "person_key": email,
                            "email": email,
                            "name": "L",
                            "source": "report",
                            "kind": kind,
                            "at": when,
                            "connection": email,
                            "registrant_id": "",
                            "received_at": at,
                        }
                    )
            await session.execute(insert(AttendanceMark), marks)
        await session.commit()
        return event.id


async def measure_results(
    maker: Any, event_id: uuid.UUID, sessions: int, learners: int
) -> ResultsRun:
    run = ResultsRun(sessions, learners)
    async with maker() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        tracemalloc.start()
        started = time.perf_counter()
        ctx = await load_context(session, event)

        def sink(info: SessionInfo, cells: list[Cell]) -> None:
            run.cells += len(cells)
            run.attended_minutes += sum(c.seconds for c in cells) / 60

        summary = await compute(session, ctx, datetime.now(UTC), sink)
        run.seconds = time.perf_counter() - started
        run.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert len(summary.totals) == learners
    return run


async def run_results(database_url: str, *, learners: int, few: int, many: int) -> list[ResultsRun]:
    engine = create_engine(database_url, secret_box=SecretBox(SecretBox.new_key()))
    maker = create_sessionmaker(engine)
    try:
        await migrate.upgrade_async(engine)
        small = await seed_course(maker, few, learners, "few")
        large = await seed_course(maker, many, learners, "many")
        await measure_results(maker, small, few, learners)  # warm-up: imports, caches
        runs = [await measure_results(maker, small, few, learners)]
        runs.append(await measure_results(maker, large, many, learners))
    finally:
        await engine.dispose()
    return runs


def results_report(runs: list[ResultsRun]) -> str:
    lines = ["== results: learners × sessions computed session by session"]
    for r in runs:
        lines.append(
            f"{r.sessions:>4} sessions × {r.learners} learners: {r.cells} cells in "
            f"{r.seconds:.2f} s, peak {r.peak_bytes / 1e6:.2f} MB"
        )
    ratio = runs[-1].peak_bytes / runs[0].peak_bytes if runs[0].peak_bytes else 0.0
    lines.append(
        f"summary: results peak {runs[-1].sessions} vs {runs[0].sessions} sessions = "
        f"{ratio:.2f}x (flat: about 1; {runs[-1].sessions / runs[0].sessions:.0f}x the data)"
    )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> int:
    root = Path(tempfile.mkdtemp(prefix="zb-courses-"))
    ok = True
    if args.part in ("enrol", "all"):
        result = await run_enrolment(
            f"sqlite+aiosqlite:///{root / 'enrol.db'}",
            root,
            learners=args.learners,
            sessions=args.sessions,
            plan=args.plan,
        )
        print(result.report(), flush=True)
        ok = ok and result.correct and result.efficiency >= TARGET_EFFICIENCY
    if args.part in ("results", "all"):
        runs = await run_results(
            f"sqlite+aiosqlite:///{root / 'results.db'}",
            learners=args.results_learners,
            few=args.few,
            many=args.many,
        )
        print(results_report(runs), flush=True)
    print(f"(logs in {root})", file=sys.stderr)
    return 0 if ok else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--part", choices=["enrol", "results", "all"], default="all")
    parser.add_argument("--learners", type=int, default=5_000)
    parser.add_argument("--sessions", type=int, default=1)
    parser.add_argument("--plan", choices=["pro", "business"], default="pro")
    parser.add_argument("--results-learners", type=int, default=300)
    parser.add_argument("--few", type=int, default=10)
    parser.add_argument("--many", type=int, default=100)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main_async(parse_args())))
