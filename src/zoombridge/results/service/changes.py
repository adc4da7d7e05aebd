"""Changing results: the completion rule, hand assignments of unmatched participants, and
overrides (with a reason, audited). Each makes the course event's xAPI statements planned
again."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.permissions import Actor
from zoombridge.courses.models import Enrolment
from zoombridge.courses.service.course_events import get_course_event
from zoombridge.engine import audit
from zoombridge.engine.models import Outcome
from zoombridge.errors import FieldProblem, InvalidInput
from zoombridge.results.models import (
    CompletionRule,
    ParticipantAssignment,
    ResultOverride,
    XapiProgress,
)
from zoombridge.results.schemas import AssignIn, OverrideIn, RuleIn, RuleOut

SESSION_STATUSES = {"attended", "partial", "absent", "excused"}
COURSE_STATUSES = {"completed", "not_completed"}


async def replan(session: AsyncSession, event_id: uuid.UUID) -> None:
    """Results changed: the worker looks at the course event's statements again."""
    await session.execute(
        update(XapiProgress)
        .where(XapiProgress.event_id == event_id)
        .values(settled=False, not_before=None, attempts=0, last_error=None)
        .execution_options(synchronize_session=False)
    )


async def put_rule(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID, data: RuleIn
) -> RuleOut:
    _, event = await get_course_event(session, actor, event_id)
    if data.min_sessions is not None and data.min_sessions > len(event.sessions):
        message = f"K is at most the number of sessions ({len(event.sessions)})."
        raise InvalidInput(message, field_errors=[FieldProblem("min_sessions", message)])
    row = await session.get(CompletionRule, event_id) or CompletionRule(event_id=event_id)
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    session.add(row)
    await replan(session, event_id)
    await session.flush()
    return RuleOut(event_id=event_id, **data.model_dump())


async def _enrolled(session: AsyncSession, event_id: uuid.UUID, learner_id: uuid.UUID) -> None:
    found = await session.scalar(
        select(Enrolment.id).where(
            Enrolment.event_id == event_id, Enrolment.learner_id == learner_id
        )
    )
    if found is None:
        message = "This learner is not enrolled on the course event."
        raise InvalidInput(message, field_errors=[FieldProblem("learner_id", message)])


async def assign(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID, data: AssignIn, name: str = ""
) -> None:
    """Give an unmatched participant's time to a learner; remembered for later sessions."""
    await get_course_event(session, actor, event_id)
    await _enrolled(session, event_id, data.learner_id)
    row = await session.scalar(
        select(ParticipantAssignment).where(
            ParticipantAssignment.event_id == event_id,
            ParticipantAssignment.person_key == data.person_key,
        )
    )
    if row is None:
        row = ParticipantAssignment(event_id=event_id, person_key=data.person_key)
        session.add(row)
    row.learner_id = data.learner_id
    row.name = (name or _name_of(data.person_key))[:255]
    row.assigned_by = actor.email
    audit.record(
        session,
        "results:assign",
        {"course_event": event_id, "learner": data.learner_id},
        outcome=Outcome.OK,
        message=f"{actor.email or 'an integration'} assigned the participant {data.person_key!r}.",
        items=0,
    )
    await replan(session, event_id)
    await session.flush()


def _name_of(person_key: str) -> str:
    return person_key.removeprefix("name:") if person_key.startswith("name:") else ""


async def override(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID, data: OverrideIn
) -> None:
    _, event = await get_course_event(session, actor, event_id)
    await _enrolled(session, event_id, data.learner_id)
    problems = []
    if data.session_id is not None and data.session_id not in {s.id for s in event.sessions}:
        problems.append(FieldProblem("session_id", "This session is not one of the event's."))
    if data.status is not None:
        allowed = SESSION_STATUSES if data.session_id is not None else COURSE_STATUSES
        if data.status not in allowed:
            problems.append(
                FieldProblem("status", f"Choose one of {', '.join(sorted(allowed))} here.")
            )
        if not data.reason.strip():
            problems.append(FieldProblem("reason", "Say why the result is set by hand."))
    if problems:
        raise InvalidInput("The override was not saved.", field_errors=problems)
    query = select(ResultOverride).where(
        ResultOverride.event_id == event_id, ResultOverride.learner_id == data.learner_id
    )
    query = query.where(
        ResultOverride.session_id.is_(None)
        if data.session_id is None
        else ResultOverride.session_id == data.session_id
    )
    row = await session.scalar(query)
    if data.status is None:
        if row is not None:
            await session.delete(row)
    else:
        if row is None:
            row = ResultOverride(
                event_id=event_id, learner_id=data.learner_id, session_id=data.session_id
            )
            session.add(row)
        row.status, row.reason, row.by_email = data.status, data.reason.strip(), actor.email
    what = "the course completion" if data.session_id is None else "a session's result"
    audit.record(
        session,
        "results:override",
        {"course_event": event_id, "learner": data.learner_id, "session": data.session_id},
        outcome=Outcome.OK,
        message=(
            f"{actor.email or 'an integration'} set {what} to {data.status}: {data.reason.strip()}"
            if data.status
            else f"{actor.email or 'an integration'} removed the override of {what}."
        ),
        items=0,
    )
    await replan(session, event_id)
    await session.flush()
