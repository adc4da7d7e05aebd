"""Results, computed from the attendance marks (pure rules + one streamed read per session).

Per session: the marks of its meeting (Zoom's report per instance once pulled, else the live
webhook marks) are read in person order; each person's join/leave segments are paired
(`attendance.merge.pair_marks`), clipped to the session — from its scheduled start to its
scheduled end, or to the meeting's actual end when it ran over — and matched to a learner:
by Zoom registrant id first, then by email, then by a hand assignment; never by name alone
(a guest's exact name only repeats an assignment staff made for this course event). A learner
who joined twice (phone and laptop) counts the union of their time. What matches nobody is
"unmatched".

Memory holds one session's learners at a time plus a few totals per learner: it is flat in the
number of sessions (bench/courses_scale.py measures it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.attendance.merge import Mark, MarkKind, pair_marks
from zoombridge.attendance.models import AttendanceMark, AttendancePull, MarkSource
from zoombridge.courses.models import Enrolment, Learner
from zoombridge.events.models import Event, LinkWant, MeetingLink, SessionStatus
from zoombridge.orders.models import Registration
from zoombridge.results.models import (
    Completion,
    CompletionRule,
    CourseRuleKind,
    ParticipantAssignment,
    ResultOverride,
)
from zoombridge.results.models import SessionStatusResult as Status

DEFAULT_MIN_PERCENT = 80


@dataclass(frozen=True)
class Rule:
    min_percent: int | None = DEFAULT_MIN_PERCENT
    min_minutes: int | None = None
    both: bool = False
    course_rule: CourseRuleKind = CourseRuleKind.SESSIONS
    min_sessions: int | None = None  # null: every session
    min_total_percent: int | None = None

    @classmethod
    def of(cls, row: CompletionRule | None) -> Rule:
        if row is None:
            return cls()
        return cls(
            row.min_percent,
            row.min_minutes,
            row.both,
            row.course_rule,
            row.min_sessions,
            row.min_total_percent,
        )

    def session_status(self, seconds: int, percent: float) -> Status:
        minutes = seconds / 60
        checks = []
        if self.min_percent is not None:
            checks.append(percent >= self.min_percent)
        if self.min_minutes is not None:
            checks.append(minutes >= self.min_minutes)
        ok = (all(checks) if self.both else any(checks)) if checks else seconds > 0
        if ok and seconds > 0:
            return Status.ATTENDED
        return Status.PARTIAL if seconds > 0 else Status.ABSENT


@dataclass(frozen=True)
class SessionInfo:
    id: uuid.UUID
    label: str
    start: datetime
    duration_minutes: int
    status: SessionStatus
    link_id: uuid.UUID | None
    final: bool  # finished and every report pulled: absent is absent


@dataclass(frozen=True)
class LearnerInfo:
    id: uuid.UUID
    email: str
    name: str
    organisation_id: uuid.UUID | None


@dataclass(frozen=True)
class Cell:
    learner_id: uuid.UUID
    session_id: uuid.UUID
    seconds: int
    percent: float
    status: Status
    reason: str | None = None  # an override's reason


@dataclass(frozen=True)
class Segment:
    session_id: uuid.UUID
    learner_id: uuid.UUID | None
    person_key: str
    name: str
    email: str
    join: datetime | None
    leave: datetime | None


@dataclass
class UnmatchedPerson:
    person_key: str
    name: str
    email: str
    seconds: dict[uuid.UUID, int] = field(default_factory=dict)


@dataclass
class Totals:
    seconds: int = 0
    attended: int = 0  # attended or excused sessions
    pending: int = 0


@dataclass
class Context:
    event: Event
    rule: Rule
    sessions: list[SessionInfo]
    learners: dict[uuid.UUID, LearnerInfo]
    by_email: dict[str, uuid.UUID]
    by_key: dict[str, uuid.UUID]
    by_name: dict[str, uuid.UUID]
    overrides: dict[tuple[uuid.UUID, uuid.UUID | None], tuple[str, str]]


@dataclass
class Summary:
    totals: dict[uuid.UUID, Totals]
    completion: dict[uuid.UUID, tuple[Completion, str | None]]
    unmatched: list[UnmatchedPerson]


async def load_context(session: AsyncSession, event: Event) -> Context:
    rule = Rule.of(await session.get(CompletionRule, event.id))
    links = {
        link.session_id: link
        for link in await session.scalars(
            select(MeetingLink).where(
                MeetingLink.event_id == event.id, MeetingLink.want == LinkWant.PRESENT
            )
        )
    }
    pulls: dict[uuid.UUID, tuple[int, int]] = {}  # link -> (pulls, done)
    if links:
        for link_id, total, done in await session.execute(
            select(
                AttendancePull.link_id,
                func.count(),
                func.count(AttendancePull.done_at),
            )
            .where(AttendancePull.link_id.in_([link.id for link in links.values()]))
            .group_by(AttendancePull.link_id)
        ):
            pulls[link_id] = (total, done)
    sessions = []
    for row in sorted(event.sessions, key=lambda s: s.start_at):
        link = links.get(row.id)
        total, done = pulls.get(link.id, (0, 0)) if link else (0, 0)
        sessions.append(
            SessionInfo(
                id=row.id,
                label=row.label,
                start=row.start_at,
                duration_minutes=row.duration_minutes,
                status=row.status,
                link_id=link.id if link else None,
                final=row.status is SessionStatus.FINISHED and total > 0 and done == total,
            )
        )
    learners: dict[uuid.UUID, LearnerInfo] = {}
    for learner_id, email, first, last, organisation in await session.execute(
        select(
            Learner.id,
            Learner.email,
            Learner.first_name,
            Learner.last_name,
            Learner.organisation_id,
        )
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.event_id == event.id)
        .order_by(Learner.last_name, Learner.first_name, Learner.email)
    ):
        learners[learner_id] = LearnerInfo(
            learner_id, email, f"{first} {last}".strip(), organisation
        )
    by_key: dict[str, uuid.UUID] = {}
    by_name: dict[str, uuid.UUID] = {}
    for a in await session.scalars(
        select(ParticipantAssignment).where(ParticipantAssignment.event_id == event.id)
    ):
        if a.learner_id in learners:
            by_key[a.person_key] = a.learner_id
            if "@" not in a.person_key and a.name:
                by_name[a.name.strip().lower()] = a.learner_id
    overrides = {
        (o.learner_id, o.session_id): (o.status, o.reason)
        for o in await session.scalars(
            select(ResultOverride).where(ResultOverride.event_id == event.id)
        )
    }
    return Context(
        event=event,
        rule=rule,
        sessions=sessions,
        learners=learners,
        by_email={info.email: learner_id for learner_id, info in learners.items()},
        by_key=by_key,
        by_name=by_name,
        overrides=overrides,
    )


def _union_seconds(intervals: Iterable[tuple[datetime, datetime]]) -> int:
    total = 0.0
    current: tuple[datetime, datetime] | None = None
    for start, end in sorted(intervals):
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            total += (current[1] - current[0]).total_seconds()
        current = (start, end)
    if current is not None:
        total += (current[1] - current[0]).total_seconds()
    return int(total)


async def _instances(
    session: AsyncSession, link_id: uuid.UUID
) -> dict[str, tuple[MarkSource, datetime, datetime]]:
    """Per instance: the source used (Zoom's report wins over live webhooks) and its span."""
    found: dict[str, tuple[MarkSource, datetime, datetime]] = {}
    for instance, source, first_at, last_at in await session.execute(
        select(
            AttendanceMark.instance_uuid,
            AttendanceMark.source,
            func.min(AttendanceMark.at),
            func.max(AttendanceMark.at),
        )
        .where(AttendanceMark.link_id == link_id)
        .group_by(AttendanceMark.instance_uuid, AttendanceMark.source)
    ):
        if instance in found and found[instance][0] is MarkSource.REPORT:
            continue
        found[instance] = (MarkSource(source), first_at, last_at)
    return found


async def session_cells(
    session: AsyncSession,
    ctx: Context,
    info: SessionInfo,
    now: datetime,
    *,
    unmatched: dict[str, UnmatchedPerson] | None = None,
    segments: Callable[[Segment], None] | None = None,
) -> list[Cell]:
    """One session's cell per enrolled learner (and its unmatched people, its segments)."""
    intervals: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {}
    if info.link_id is not None:
        await _read_link(session, ctx, info, now, intervals, unmatched, segments)
    duration = info.duration_minutes * 60
    cells = []
    for learner_id in ctx.learners:
        seconds = _union_seconds(intervals.get(learner_id, ()))
        percent = round(min(100.0, 100.0 * seconds / duration), 1) if duration else 0.0
        override = ctx.overrides.get((learner_id, info.id))
        if override is not None:
            status, reason = Status(override[0]), override[1]
        elif not info.final:
            status, reason = Status.PENDING, None
        else:
            status, reason = ctx.rule.session_status(seconds, percent), None
        cells.append(Cell(learner_id, info.id, seconds, percent, status, reason))
    return cells


async def _read_link(
    session: AsyncSession,
    ctx: Context,
    info: SessionInfo,
    now: datetime,
    intervals: dict[uuid.UUID, list[tuple[datetime, datetime]]],
    unmatched: dict[str, UnmatchedPerson] | None,
    segments: Callable[[Segment], None] | None,
) -> None:
    assert info.link_id is not None
    instances = await _instances(session, info.link_id)
    if not instances:
        return
    scheduled_end = info.start + timedelta(minutes=info.duration_minutes)
    window_start = info.start
    window_end = max(scheduled_end, max(span[2] for span in instances.values()))
    if all(span[2] <= info.start for span in instances.values()):
        window_start = min(span[1] for span in instances.values())  # held earlier than planned
    registrants: dict[str, str] = {
        str(rid): email
        for rid, email in await session.execute(
            select(Registration.zoom_registrant_id, Registration.email).where(
                Registration.link_id == info.link_id, Registration.zoom_registrant_id.is_not(None)
            )
        )
    }
    query = (
        select(
            AttendanceMark.person_key,
            AttendanceMark.email,
            AttendanceMark.name,
            AttendanceMark.registrant_id,
            AttendanceMark.kind,
            AttendanceMark.at,
            AttendanceMark.connection,
            AttendanceMark.instance_uuid,
            AttendanceMark.source,
        )
        .where(AttendanceMark.link_id == info.link_id)
        .order_by(AttendanceMark.person_key, AttendanceMark.at)
        .execution_options(yield_per=2000)
    )
    person: str | None = None
    marks: list[tuple[Mark, str]] = []
    who = {"email": "", "name": "", "registrant": ""}

    def settle() -> None:
        assert person is not None
        learner_id = _match(ctx, registrants, person, who)
        for mark_instance in {instance for _, instance in marks}:
            span = instances[mark_instance]
            own = [m for m, instance in marks if instance == mark_instance]
            ended = info.status is SessionStatus.FINISHED or span[0] is MarkSource.REPORT
            until = span[2] if ended else max(now, span[2])
            for segment in pair_marks(own):
                if segments is not None:
                    segments(
                        Segment(
                            info.id,
                            learner_id,
                            person,
                            who["name"],
                            who["email"],
                            segment.join,
                            segment.leave,
                        )
                    )
                start = max(segment.join or span[1], window_start)
                end = min(segment.leave or until, window_end)
                if end <= start:
                    continue
                if learner_id is not None:
                    intervals.setdefault(learner_id, []).append((start, end))
                elif unmatched is not None:
                    found = unmatched.setdefault(
                        person, UnmatchedPerson(person, who["name"], who["email"])
                    )
                    found.seconds[info.id] = found.seconds.get(info.id, 0) + int(
                        (end - start).total_seconds()
                    )

    async for key, email, name, rid, kind, at, connection, instance, source in await session.stream(
        query
    ):
        if instances.get(instance, (None,))[0] != MarkSource(source):
            continue  # this instance is read from its other source
        if key != person:
            if person is not None:
                settle()
            person, marks = key, []
            who = {"email": "", "name": "", "registrant": ""}
        who["email"] = who["email"] or email
        who["name"] = who["name"] or name
        who["registrant"] = who["registrant"] or rid
        marks.append((Mark(MarkKind(kind), at, f"{instance}/{connection}"), instance))
    if person is not None:
        settle()


def _match(
    ctx: Context, registrants: dict[str, str], person_key: str, who: dict[str, str]
) -> uuid.UUID | None:
    """By Zoom registrant id first, then email, then a hand assignment; else None."""
    if who["registrant"]:
        email = registrants.get(who["registrant"])
        if email is not None and email in ctx.by_email:
            return ctx.by_email[email]
    if who["email"] and who["email"].lower() in ctx.by_email:
        return ctx.by_email[who["email"].lower()]
    if person_key in ctx.by_key:
        return ctx.by_key[person_key]
    if not who["email"] and who["name"].strip().lower() in ctx.by_name:
        return ctx.by_name[who["name"].strip().lower()]
    return None


def completion_of(
    ctx: Context, learner_id: uuid.UUID, totals: Totals
) -> tuple[Completion, str | None]:
    override = ctx.overrides.get((learner_id, None))
    if override is not None:
        return Completion(override[0]), override[1]
    rule = ctx.rule
    count = len(ctx.sessions)
    if rule.course_rule is CourseRuleKind.MINUTES:
        total = sum(s.duration_minutes * 60 for s in ctx.sessions)
        needed = (rule.min_total_percent if rule.min_total_percent is not None else 80) / 100
        if total and totals.seconds >= needed * total:
            return Completion.COMPLETED, None
    else:
        needed_sessions = rule.min_sessions if rule.min_sessions is not None else count
        if totals.attended >= min(needed_sessions, count) and count:
            return Completion.COMPLETED, None
    return (Completion.PENDING if totals.pending else Completion.NOT_COMPLETED), None


async def compute(
    session: AsyncSession,
    ctx: Context,
    now: datetime,
    sink: Callable[[SessionInfo, list[Cell]], None],
    *,
    segments: Callable[[Segment], None] | None = None,
) -> Summary:
    """Every session's cells, one session at a time, handed to `sink`; the totals."""
    totals = {learner_id: Totals() for learner_id in ctx.learners}
    unmatched: dict[str, UnmatchedPerson] = {}
    for info in ctx.sessions:
        cells = await session_cells(session, ctx, info, now, unmatched=unmatched, segments=segments)
        for cell in cells:
            t = totals[cell.learner_id]
            t.seconds += cell.seconds
            t.attended += cell.status in (Status.ATTENDED, Status.EXCUSED)
            t.pending += cell.status is Status.PENDING
        sink(info, cells)
    completion = {learner_id: completion_of(ctx, learner_id, t) for learner_id, t in totals.items()}
    return Summary(totals, completion, sorted(unmatched.values(), key=lambda u: u.person_key))
