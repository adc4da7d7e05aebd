"""Day caps: work refused by Zoom's daily limits waits for 00:00 UTC, then completes.

Both clocks (the simulator's and the worker's) are set to 23:00 UTC; Zoom allows each host 100
meeting creates/updates a day and each registrant 3 registration requests a day per meeting.

(a) `--events` booking-less events (default 130) with auto-created meetings on ONE host: the
    worker creates 100; the rest wait (link PENDING, not_before = next 00:00 UTC, last_error
    "… resumes at … 00:00 UTC") — none FAILED, none refused by Zoom with a 429 (our own count
    stops them before they are sent).
(b) one registrant cancelled and registered again, over and over: the 4th registration of the
    day waits (DEFERRED until 00:00 UTC), it does not fail.
Then both clocks move past 00:00 UTC and the deferred work completes. The counts are printed
at each step, with the time work resumed; the ceiling is Zoom's cap (100 per host and day):
the ratio printed is meetings created on day 1 / 100.

    ./dev bench day_caps                      # 130 events on a fresh SQLite file
    ./dev bench day_caps --events 110 --database-url postgresql+psycopg://...

The test suite runs the same harness (tests/sync/test_day_caps.py).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from _setup import add_simulated_connection
from zoombridge.connections.models import ZoomKind
from zoombridge.db import migrate
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.engine.backoff import Backoff
from zoombridge.events.models import Event, LinkMode, LinkState, MeetingLink
from zoombridge.orders.models import Registration, RegistrationState, RegistrationWant
from zoombridge.settings import Settings
from zoombridge.simulator import SimulatorConfig, SimulatorServer
from zoombridge.worker import Worker
from zoombridge.zoom.daily_caps import next_utc_midnight

HOST_CAP = 100
REGISTRANT_CAP = 3
# Day 1 of the scenario, 23:00 UTC; the meetings are days later (never in the past).
DAY_ONE_23H = datetime(2031, 3, 1, 23, 0, tzinfo=UTC)
MEETINGS_START = datetime(2031, 3, 10, 15, 0, tzinfo=UTC)
REGISTRANT = "again-and-again@example.com"
# The simulator's names for 429s of daily limits (per-second "QPS" 429s are retried, not these).
DAILY_429_KINDS = ("per-host", "per-registrant", "Daily-limit")


class SettableClock:
    """The worker's clock: real time moved by an offset, like the simulator's."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@dataclass
class LinkCounts:
    synced: int = 0
    waiting: int = 0  # PENDING with not_before at the next 00:00 UTC and the reason shown
    failed: int = 0
    other: int = 0
    errors_mentioning_429: int = 0
    not_before: set[datetime] = field(default_factory=set)
    messages: set[str] = field(default_factory=set)

    def line(self) -> str:
        resumes = ", ".join(f"{t:%Y-%m-%d %H:%M} UTC" for t in sorted(self.not_before)) or "-"
        return (
            f"synced {self.synced}, deferred {self.waiting} (resume at {resumes}), "
            f"failed {self.failed}, other {self.other}"
        )


@dataclass
class DayCapsResult:
    events: int
    day_one: LinkCounts = field(default_factory=LinkCounts)
    day_two: LinkCounts = field(default_factory=LinkCounts)
    host_count_day_one: int = 0  # the simulator's count of the host's creates/updates
    zoom_429s: dict[str, int] = field(default_factory=dict)  # by limit kind, whole run
    cycles: list[str] = field(default_factory=list)  # what each registration request became
    registrant_deferred: bool = False
    registrant_message: str = ""
    registrant_not_before: datetime | None = None
    registrant_requests_day_one: int = 0  # as the simulator counted them
    registrant_after_midnight: RegistrationState | None = None
    registrant_status_after: str = ""
    resumed_at: datetime | None = None
    midnight: datetime | None = None
    log: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        expected_day_one = min(self.events, HOST_CAP)
        return (
            self.day_one.synced == expected_day_one
            and self.day_one.waiting == self.events - expected_day_one
            and self.day_one.failed == 0
            and self.day_one.errors_mentioning_429 == 0
            and self.day_one.not_before <= {self.midnight}
            and self.day_two.synced == self.events
            and self.registrant_deferred
            and self.registrant_requests_day_one == REGISTRANT_CAP
            and self.registrant_after_midnight is RegistrationState.REGISTERED
            and self.registrant_status_after == "approved"
            # Our own counts stop work before Zoom has to refuse it with a daily 429.
            and not any(self.zoom_429s.get(k) for k in DAILY_429_KINDS)
        )

    def summary(self) -> str:
        ratio = self.day_one.synced / HOST_CAP
        return "\n".join(
            [
                *self.log,
                f"day caps: {'OK' if self.ok else 'FAILED'} — {self.events} meetings on one host: "
                f"{self.day_one.synced} created on day 1 (cap {HOST_CAP}, ratio {ratio:.2f}), "
                f"{self.day_one.waiting} deferred, {self.day_one.failed} failed; all "
                f"{self.day_two.synced} synced after midnight; registrant: "
                f"{' → '.join(self.cycles)}, requests counted by Zoom on day 1 "
                f"{self.registrant_requests_day_one} (cap {REGISTRANT_CAP}), after midnight "
                f"{self.registrant_after_midnight}; Zoom 429s by kind {self.zoom_429s or '{}'}; "
                f"work resumed at {self.resumed_at:%Y-%m-%d %H:%M:%S} UTC"
                if self.resumed_at
                else "day caps: FAILED — work never resumed",
            ]
        )


async def _drain(worker: Worker, rounds: int = 60) -> None:
    """Passes until one does nothing (a few idle passes: 429 retries wait a moment)."""
    idle = 0
    for _ in range(rounds):
        if await worker.run_once():
            idle = 0
            continue
        idle += 1
        if idle >= 3:
            return
        await asyncio.sleep(0.05)


async def _connect(maker: async_sessionmaker[AsyncSession], sim: SimulatorServer) -> Any:
    async with maker() as session:
        connection = await add_simulated_connection(session, sim, name="Day caps")
        await session.commit()
        return connection.id


async def _link_counts(
    maker: async_sessionmaker[AsyncSession], link_ids: list[Any], now: datetime
) -> LinkCounts:
    counts = LinkCounts()
    midnight = next_utc_midnight(now)
    async with maker() as session:
        links = list(await session.scalars(select(MeetingLink).where(MeetingLink.id.in_(link_ids))))
    for link in links:
        if link.last_error and ("429" in link.last_error or "rate limit" in link.last_error):
            counts.errors_mentioning_429 += 1
        if link.state is LinkState.SYNCED:
            counts.synced += 1
        elif link.state is LinkState.FAILED:
            counts.failed += 1
        elif (
            link.state is LinkState.PENDING
            and link.not_before == midnight
            and link.last_error is not None
            and "resumes at" in link.last_error
            and "00:00 UTC" in link.last_error
        ):
            counts.waiting += 1
            counts.not_before.add(link.not_before)
            counts.messages.add(link.last_error.split(":")[0])
        else:
            counts.other += 1
    return counts


async def _registration_meeting(
    maker: async_sessionmaker[AsyncSession], connection_id: Any, worker: Worker
) -> tuple[Any, int]:
    """A meeting with registration, made on the real day (its create is not counted on day 1)."""
    async with maker() as session:
        event = Event(
            connection_id=connection_id,
            kind=ZoomKind.MEETING,
            topic="Day cap registrations",
            start_at=MEETINGS_START - timedelta(days=1),
            timezone="UTC",
            duration_minutes=60,
        )
        session.add(event)
        await session.flush()
        link = MeetingLink(
            event_id=event.id,
            connection_id=connection_id,
            kind=ZoomKind.MEETING,
            mode=LinkMode.CREATED,
            desired_version=event.version,
        )
        session.add(link)
        await session.commit()
    await _drain(worker)
    async with maker() as session:
        found = await session.get(MeetingLink, link.id)
        if found is None or found.zoom_meeting_id is None:
            raise RuntimeError("the registration meeting was not created")
        return found.id, found.zoom_meeting_id


async def _set_want(
    maker: async_sessionmaker[AsyncSession], registration_id: Any, want: RegistrationWant
) -> None:
    """What the orders service does when an attendee cancels or registers again."""
    async with maker() as session:
        await session.execute(
            update(Registration)
            .where(Registration.id == registration_id)
            .values(
                want=want,
                state=RegistrationState.PENDING,
                not_before=None,
                attempts=0,
                last_error=None,
            )
        )
        await session.commit()


async def _registration(maker: async_sessionmaker[AsyncSession], row_id: Any) -> Registration:
    async with maker() as session:
        row = await session.get(Registration, row_id)
        assert row is not None
        return row


async def _registrant_cycles(
    maker: async_sessionmaker[AsyncSession],
    worker: Worker,
    link_id: Any,
    result: DayCapsResult,
) -> Any:
    """Register, cancel, register again… until Zoom's 3 a day are used: the next one waits."""
    async with maker() as session:
        row = Registration(
            link_id=link_id,
            email=REGISTRANT,
            first_name="Again",
            last_name="Again",
            want=RegistrationWant.REGISTERED,
        )
        session.add(row)
        await session.commit()
        row_id = row.id
    for attempt in range(REGISTRANT_CAP + 1):
        if attempt:
            await _set_want(maker, row_id, RegistrationWant.CANCELLED)
            await _drain(worker)
            result.cycles.append(str((await _registration(maker, row_id)).state))
            await _set_want(maker, row_id, RegistrationWant.REGISTERED)
        await _drain(worker)
        found = await _registration(maker, row_id)
        result.cycles.append(str(found.state))
        if found.state is RegistrationState.DEFERRED:
            result.registrant_deferred = True
            result.registrant_message = found.last_error or ""
            result.registrant_not_before = found.not_before
            break
    return row_id


async def _admin(sim: SimulatorServer, method: str, path: str, **kw: Any) -> Any:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.request(method, f"{sim.admin_url}{path}", **kw)
        response.raise_for_status()
        return response.json()


async def run_day_caps(
    database_url: str,
    *,
    events: int = 130,
    say: Callable[[str], None] = print,
) -> DayCapsResult:
    """Run the scenario against a migrated, empty database at `database_url`."""
    result = DayCapsResult(events=events)

    def note(line: str) -> None:
        result.log.append(line)
        say(line)

    engine = create_engine(database_url, secret_box=SecretBox(SecretBox.new_key()))
    maker = create_sessionmaker(engine)
    clock = SettableClock()
    worker = Worker(
        maker,
        Settings(data_dir=Path(tempfile.mkdtemp(prefix="zb-daycaps-"))),
        worker_id="day-caps",
        clock=clock,
        backoff=Backoff(base=0.05, cap=0.5),
        # Not the subject here: the clock's jump past midnight would otherwise start a drift
        # check that reads every meeting back.
        drift_check_every=timedelta(days=30),
    )
    try:
        with SimulatorServer(SimulatorConfig(seed=11)) as sim:
            connection_id = await _connect(maker, sim)
            reg_link_id, reg_meeting_id = await _registration_meeting(maker, connection_id, worker)

            # Both clocks to 23:00 UTC; the host has used none of day 1's 100.
            await _admin(sim, "POST", "/clock", json={"set": DAY_ONE_23H.isoformat()})
            clock.set(DAY_ONE_23H)
            result.midnight = next_utc_midnight(clock())
            note(f"clocks set to {clock():%Y-%m-%d %H:%M} UTC (simulator and worker)")

            link_ids = await _seed_many(maker, connection_id, events)
            started = time.monotonic()
            await _drain(worker)
            result.day_one = await _link_counts(maker, link_ids, clock())
            state = await _admin(sim, "GET", f"/meetings/{reg_meeting_id}")
            result.host_count_day_one = int(state["host_create_update_today"])
            note(
                f"(a) day 1, {events} meetings on one host after {time.monotonic() - started:.1f}"
                f" s: {result.day_one.line()}; the simulator counted "
                f"{result.host_count_day_one} creates/updates for the host"
            )
            for message in sorted(result.day_one.messages):
                note(f"    deferred links show: {message}: resumes at … 00:00 UTC")

            await _registrant_cycles(maker, worker, reg_link_id, result)
            counts = (await _admin(sim, "GET", f"/meetings/{reg_meeting_id}"))["registrants"]
            result.registrant_requests_day_one = max(
                (r["request_counts"]["registration"] for r in counts if r["email"] == REGISTRANT),
                default=0,
            )
            note(
                f"(b) day 1, one registrant cancelled and registered again: "
                f"{' → '.join(result.cycles)}; Zoom counted "
                f"{result.registrant_requests_day_one} registration requests; the row says: "
                f"{result.registrant_message!r}"
            )

            # Past 00:00 UTC on both clocks: the waiting work is due again.
            step = (result.midnight - clock()) + timedelta(minutes=1)
            await _admin(sim, "POST", "/clock", json={"advance_seconds": step.total_seconds()})
            clock.advance(step)
            result.resumed_at = clock()
            note(f"clocks moved to {result.resumed_at:%Y-%m-%d %H:%M:%S} UTC")
            started = time.monotonic()
            await _drain(worker)
            result.day_two = await _link_counts(maker, link_ids, clock())
            row = await _registration(maker, (await _registrant_row(maker, reg_link_id)))
            result.registrant_after_midnight = row.state
            state = await _admin(sim, "GET", f"/meetings/{reg_meeting_id}")
            result.registrant_status_after = next(
                (r["status"] for r in state["registrants"] if r["email"] == REGISTRANT), ""
            )
            note(
                f"day 2 after {time.monotonic() - started:.1f} s: (a) {result.day_two.line()}; "
                f"(b) registrant {row.state} (Zoom: {result.registrant_status_after})"
            )
            stats = await _admin(sim, "GET", "/stats")
            result.zoom_429s = dict(Counter(stats.get("rate_limited", {})))
    finally:
        await worker.aclose()
        await engine.dispose()
    return result


async def _seed_many(
    maker: async_sessionmaker[AsyncSession], connection_id: Any, events: int
) -> list[Any]:
    async with maker() as session:
        ids = []
        for n in range(events):
            event = Event(
                connection_id=connection_id,
                kind=ZoomKind.MEETING,
                topic=f"Day cap meeting {n + 1:03d}",  # distinct: a retried create finds its own
                start_at=MEETINGS_START + timedelta(hours=n),
                timezone="UTC",
                duration_minutes=30,
            )
            session.add(event)
            await session.flush()
            link = MeetingLink(
                event_id=event.id,
                connection_id=connection_id,
                kind=ZoomKind.MEETING,
                mode=LinkMode.CREATED,
                desired_version=event.version,
            )
            session.add(link)
            await session.flush()
            ids.append(link.id)
        await session.commit()
        return ids


async def _registrant_row(maker: async_sessionmaker[AsyncSession], link_id: Any) -> Any:
    async with maker() as session:
        return await session.scalar(
            select(Registration.id).where(
                Registration.link_id == link_id, Registration.email == REGISTRANT
            )
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=130)
    parser.add_argument(
        "--database-url", help="a migrated, EMPTY database (default: a fresh SQLite file)"
    )
    args = parser.parse_args()
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    url = args.database_url
    if url is None:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='zb-daycaps-')) / 'caps.db'}"
        migrate.upgrade(url)
    result = asyncio.run(run_day_caps(url, events=args.events))
    print(result.summary().splitlines()[-1])
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
