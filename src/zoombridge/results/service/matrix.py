"""The results of a course event as the API and the UI show them: learners × sessions with
minutes, percent and status, totals and completion, the sessions' columns and the unmatched
participants. A learner's own results (for "my events") come from the same computation."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.permissions import Actor
from zoombridge.courses.hooks import LearnerResults, SessionResult
from zoombridge.courses.service.course_events import get_course_event
from zoombridge.db.base import utc_now
from zoombridge.events.models import Event
from zoombridge.results.compute import Cell, SessionInfo, compute, load_context
from zoombridge.results.models import SessionStatusResult as Status
from zoombridge.results.schemas import (
    CellOut,
    LearnerRow,
    ResultsOut,
    RuleIn,
    SessionColumn,
    UnmatchedOut,
)


def _minutes(seconds: int) -> float:
    return round(seconds / 60, 1)


async def results_view(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID, now: datetime | None = None
) -> ResultsOut:
    _, event = await get_course_event(session, actor, event_id)
    return await event_results(session, event, now or utc_now())


async def event_results(session: AsyncSession, event: Event, now: datetime) -> ResultsOut:
    ctx = await load_context(session, event)
    cells: dict[uuid.UUID, list[Cell]] = {learner_id: [] for learner_id in ctx.learners}
    columns: list[SessionColumn] = []

    def sink(info: SessionInfo, found: list[Cell]) -> None:
        counts = dict.fromkeys(Status, 0)
        for cell in found:
            cells[cell.learner_id].append(cell)
            counts[cell.status] += 1
        columns.append(
            SessionColumn(
                id=info.id,
                label=info.label,
                start=info.start,
                duration_minutes=info.duration_minutes,
                status=info.status.value,
                final=info.final,
                attended=counts[Status.ATTENDED] + counts[Status.EXCUSED],
                partial=counts[Status.PARTIAL],
                absent=counts[Status.ABSENT],
                pending=counts[Status.PENDING],
                minutes=_minutes(sum(c.seconds for c in found)),
            )
        )

    summary = await compute(session, ctx, now, sink)
    scheduled = sum(s.duration_minutes * 60 for s in ctx.sessions)
    rows = []
    for learner_id, info in ctx.learners.items():
        totals = summary.totals[learner_id]
        completion, reason = summary.completion[learner_id]
        rows.append(
            LearnerRow(
                learner_id=learner_id,
                email=info.email,
                name=info.name,
                cells=[
                    CellOut(
                        session_id=c.session_id,
                        minutes=_minutes(c.seconds),
                        percent=c.percent,
                        status=c.status,
                        override_reason=c.reason,
                    )
                    for c in cells[learner_id]
                ],
                total_minutes=_minutes(totals.seconds),
                total_percent=round(100 * totals.seconds / scheduled, 1) if scheduled else 0.0,
                sessions_attended=totals.attended,
                completion=completion,
                completion_reason=reason,
            )
        )
    rule = ctx.rule
    return ResultsOut(
        event_id=event.id,
        topic=event.topic,
        rule=RuleIn(
            min_percent=rule.min_percent,
            min_minutes=rule.min_minutes,
            both=rule.both,
            course_rule=rule.course_rule,
            min_sessions=rule.min_sessions,
            min_total_percent=rule.min_total_percent,
        ),
        sessions=columns,
        learners=rows,
        unmatched=[
            UnmatchedOut(
                person_key=u.person_key,
                name=u.name,
                email=u.email,
                minutes={k: _minutes(v) for k, v in u.seconds.items()},
            )
            for u in summary.unmatched
        ],
    )


async def learner_results(
    session: AsyncSession, event_id: uuid.UUID, learner_id: uuid.UUID
) -> LearnerResults:
    """One learner's results on one course event (courses' "my events" asks through a hook)."""
    event = await session.get(Event, event_id)
    if event is None:
        return LearnerResults()
    results = await event_results(session, event, utc_now())
    row = next((r for r in results.learners if r.learner_id == learner_id), None)
    if row is None:
        return LearnerResults()
    return LearnerResults(
        sessions={
            c.session_id: SessionResult(c.minutes, c.percent, c.status.value) for c in row.cells
        },
        completion=row.completion.value,
    )
