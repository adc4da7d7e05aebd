"""The worker's xAPI steps: results turned into statements, and statements sent to the LRS.

1. **Plan** (`plan_statements`): each course event with a finished session gets a progress row;
   due ones are claimed with a lease and their results computed: every final learner × session
   result a learner attended (attended or partial) becomes an `attended` statement, every
   completed course a `completed` one — each once (a dedupe key per result). A course event is
   looked at again every minute until all its sessions are final, and again after an override
   or assignment. A result that changed since its statement was made (an override) takes the
   statement back — deleted if it never left, voided in the LRS by a `voided` statement if it
   did — and the result as it is now is sent in its place, if it is still one to send.
2. **Send** (`send_statements`): pending statements, claimed with leases, go to the LRS in
   batches (POST {endpoint}/statements, basic auth, X-Experience-API-Version 1.0.3). A
   statement's id is its row's, so a resend after a crash is the same statement. When the LRS
   refuses a batch (400, 409, 413, 422), it is sent again one by one so only the bad one stops;
   401/403/404 stop with a sentence; 5xx, 429 and the network are retried with backoff. Each
   call is one audit entry (`xapi:statements`) filed under the course event (and the learner
   when one statement was sent).
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import httpx
from sqlalchemy import exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.courses.models import Course, CourseEvent
from zoombridge.engine import audit, outcomes
from zoombridge.engine.claims import claim, release
from zoombridge.engine.context import SyncContext
from zoombridge.engine.models import Outcome
from zoombridge.engine.steps import guard, hand_back
from zoombridge.events.models import Event, EventSession, EventStatus, SessionStatus
from zoombridge.results import xapi
from zoombridge.results.models import (
    LrsSettings,
    SessionStatusResult,
    StatementState,
    XapiProgress,
    XapiStatement,
)
from zoombridge.results.service.lrs import get_lrs
from zoombridge.results.service.matrix import event_results

PLAN_BATCH = 10
SEND_CLAIM = 200
SEND_BATCH = 50
RECHECK = timedelta(seconds=60)
XAPI_VERSION = "1.0.3"


# --- plan ------------------------------------------------------------------------------------


async def plan_statements(ctx: SyncContext) -> int:
    """Turn final results into statements; how many course events were looked at."""

    async def prepare(session: AsyncSession) -> list[uuid.UUID]:
        lrs = await get_lrs(session)
        if lrs is None or not lrs.enabled:
            return []
        finished = exists().where(
            EventSession.event_id == CourseEvent.event_id,
            EventSession.status == SessionStatus.FINISHED,
        )
        tracked = exists().where(XapiProgress.event_id == CourseEvent.event_id)
        fresh = await session.scalars(
            select(CourseEvent.event_id).where(finished, ~tracked).limit(100)
        )
        rows = [{"id": uuid.uuid4(), "event_id": e, "settled": False, "attempts": 0} for e in fresh]
        if rows:
            await session.execute(insert(XapiProgress), rows)
        return await claim(
            session,
            XapiProgress,
            [XapiProgress.settled.is_(False)],
            owner=ctx.owner,
            now=ctx.now(),
            lease=ctx.lease,
            limit=PLAN_BATCH,
            order_by=[XapiProgress.created_at],
        )

    ids = await ctx.transaction(prepare)
    for progress_id in ids:
        await guard(
            ctx,
            XapiProgress,
            [progress_id],
            partial(_plan_one, ctx, progress_id),
            doing="turning this course event's results into xAPI statements",
        )
    return len(ids)


async def _plan_one(ctx: SyncContext, progress_id: uuid.UUID) -> None:
    async def work(session: AsyncSession) -> None:
        progress = await session.get(XapiProgress, progress_id)
        if progress is None or progress.lease_owner != ctx.owner:
            return
        lrs = await get_lrs(session)
        event = await session.get(Event, progress.event_id)
        course_event = await session.get(CourseEvent, progress.event_id)
        release(progress)
        if lrs is None or event is None or course_event is None:
            return
        if event.status is EventStatus.CANCELLED:
            progress.settled = True
            return
        now = ctx.now()
        added, settled = await _statements_for(session, lrs, event, course_event, now)
        outcomes.succeed(progress)
        progress.settled = settled
        progress.not_before = None if settled else now + RECHECK
        if added:
            progress.last_error = None

    await ctx.transaction(work)


async def _statements_for(
    session: AsyncSession, lrs: LrsSettings, event: Event, course_event: CourseEvent, now: Any
) -> tuple[int, bool]:
    results = await event_results(session, event, now)
    course_row = (
        await session.get(Course, course_event.course_id) if course_event.course_id else None
    )
    course = (course_row.id, course_row.name) if course_row else None
    labels = {s.id: s.label or f"{s.start:%Y-%m-%d %H:%M}" for s in results.sessions}
    final = {s.id for s in results.sessions if s.final}
    known: dict[str, XapiStatement] = {
        row.dedupe_key: row
        for row in await session.scalars(
            select(XapiStatement).where(XapiStatement.event_id == event.id)
        )
    }
    rows: list[dict[str, Any]] = []

    def current(key: str, result: dict[str, Any] | None, learner: Any) -> bool:
        """Whether `known[key]` still says `result` (None: the result is no longer one to
        send). A statement that no longer does is taken back: deleted if it never left,
        voided in the LRS if it did; its key is then free for the statement of today."""
        row = known.get(key)
        if row is None:
            return False
        if result is not None and row.statement.get("result") == result:
            return True
        if row.state is StatementState.SENT:
            void_id = uuid.uuid4()
            body = xapi.voided(
                statement_id=void_id, voids=row.id, email=learner.email, name=learner.name, at=now
            )
            rows.append(
                _row(
                    void_id, event.id, learner.learner_id, row.session_id, f"voiding:{row.id}", body
                )
            )
            row.dedupe_key = f"voided:{row.id}"
        else:
            deleted.append(row)
        del known[key]
        return False

    deleted: list[XapiStatement] = []
    for learner in results.learners:
        common = {
            "base": lrs.activity_base,
            "email": learner.email,
            "name": learner.name,
            "event_id": event.id,
            "topic": event.topic,
            "course": course,
            "at": now,
        }
        for cell in learner.cells:
            done = cell.session_id in final or cell.override_reason is not None
            if not done:
                continue
            key = f"attended:{learner.learner_id}:{cell.session_id}"
            statement_id = uuid.uuid4()
            body = xapi.attended(
                statement_id=statement_id,
                session_id=cell.session_id,
                session_label=labels[cell.session_id],
                seconds=int(cell.minutes * 60),
                percent=cell.percent,
                success=cell.status is SessionStatusResult.ATTENDED,
                **common,
            )
            sendable = cell.status in (SessionStatusResult.ATTENDED, SessionStatusResult.PARTIAL)
            if current(key, body["result"] if sendable else None, learner) or not sendable:
                continue
            rows.append(
                _row(statement_id, event.id, learner.learner_id, cell.session_id, key, body)
            )
        key = f"completed:{learner.learner_id}"
        statement_id = uuid.uuid4()
        body = xapi.completed(
            statement_id=statement_id,
            seconds=int(learner.total_minutes * 60),
            sessions_attended=learner.sessions_attended,
            sessions=len(results.sessions),
            **common,
        )
        sendable = learner.completion.value == "completed"
        if not current(key, body["result"] if sendable else None, learner) and sendable:
            rows.append(_row(statement_id, event.id, learner.learner_id, None, key, body))
    for row in deleted:
        await session.delete(row)
    # The keys taken back must be free before the new statements take them.
    await session.flush()
    if rows:
        await session.execute(insert(XapiStatement), rows)
    return len(rows), len(final) == len(results.sessions)


def _row(
    statement_id: uuid.UUID,
    event_id: uuid.UUID,
    learner_id: uuid.UUID,
    session_id: uuid.UUID | None,
    key: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    return {
        "id": statement_id,
        "event_id": event_id,
        "learner_id": learner_id,
        "session_id": session_id,
        "verb": "voided" if key.startswith("voiding:") else key.split(":", 1)[0],
        "dedupe_key": key,
        "statement": body,
        "state": StatementState.PENDING,
        "attempts": 0,
    }


# --- send ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lrs:
    endpoint: str
    key: str
    secret: str


@dataclass(frozen=True)
class _Item:
    id: uuid.UUID
    event_id: uuid.UUID
    learner_id: uuid.UUID | None
    body: Any


async def send_statements(ctx: SyncContext) -> int:
    """Send due statements to the LRS; how many were handled."""

    async def take(session: AsyncSession) -> tuple[_Lrs | None, list[uuid.UUID]]:
        lrs = await get_lrs(session)
        if lrs is None or not lrs.enabled or lrs.secret is None:
            return None, []
        ids = await claim(
            session,
            XapiStatement,
            [XapiStatement.state == StatementState.PENDING],
            owner=ctx.owner,
            now=ctx.now(),
            lease=ctx.lease,
            limit=SEND_CLAIM,
            order_by=[XapiStatement.created_at],
        )
        return _Lrs(lrs.endpoint, lrs.key, lrs.secret.get_secret_value()), ids

    lrs, ids = await ctx.transaction(take)
    if lrs is None or not ids:
        return 0
    items = await ctx.transaction(partial(_load, ctx, ids))
    by_event: dict[uuid.UUID, list[_Item]] = defaultdict(list)
    for item in items:
        by_event[item.event_id].append(item)
    async with httpx.AsyncClient(
        auth=httpx.BasicAuth(lrs.key, lrs.secret),
        headers={"X-Experience-API-Version": XAPI_VERSION},
        timeout=30,
    ) as http:
        for group in by_event.values():
            for start in range(0, len(group), SEND_BATCH):
                batch = group[start : start + SEND_BATCH]
                await guard(
                    ctx,
                    XapiStatement,
                    [i.id for i in batch],
                    partial(_send, ctx, http, lrs, batch),
                    doing="sending xAPI statements to the LRS",
                    give_up=_give_up,
                )
    await hand_back(ctx, XapiStatement, [i for i in ids if i not in {x.id for x in items}])
    return len(ids)


def _give_up(row: XapiStatement, message: str) -> None:
    row.state = StatementState.FAILED
    outcomes.fail(row, message)


async def _load(ctx: SyncContext, ids: list[uuid.UUID], session: AsyncSession) -> list[_Item]:
    rows = await session.scalars(
        select(XapiStatement).where(
            XapiStatement.id.in_(ids), XapiStatement.lease_owner == ctx.owner
        )
    )
    return [_Item(r.id, r.event_id, r.learner_id, r.statement) for r in rows]


def _statements_url(endpoint: str) -> str:
    return endpoint.rstrip("/") + "/statements"


async def _send(ctx: SyncContext, http: httpx.AsyncClient, lrs: _Lrs, batch: list[_Item]) -> None:
    for item in batch:
        if not isinstance(item.body, dict):
            raise ValueError("the stored statement is not a JSON object")
    started = time.monotonic()
    status: int | None = None
    text = ""
    network: str | None = None
    try:
        answer = await http.post(_statements_url(lrs.endpoint), json=[i.body for i in batch])
        status, text = answer.status_code, answer.text[:300]
    except httpx.HTTPError as exc:
        network = f"{type(exc).__name__}: the LRS could not be reached"
    ms = int((time.monotonic() - started) * 1000)
    if status in (400, 409, 413, 422) and len(batch) > 1:
        await _record(ctx, batch, status, ms, Outcome.RETRY, "refused as a batch: sent one by one")
        for item in batch:
            await _send(ctx, http, lrs, [item])
        return
    if status is not None and status < 300:
        await _record(ctx, batch, status, ms, Outcome.OK, f"{len(batch)} statement(s) stored")
    elif network is not None or status == 429 or (status or 0) >= 500:
        await _record(ctx, batch, status, ms, Outcome.RETRY, network or f"HTTP {status}: {text}")
    else:
        await _record(ctx, batch, status, ms, Outcome.FAILED, _refusal(status, text))


def _refusal(status: int | None, text: str) -> str:
    if status in (401, 403):
        return (
            f"The LRS refused the key and secret (HTTP {status}): check them in the LRS "
            "settings; the statements are sent again once they are saved."
        )
    if status == 404:
        return "The LRS endpoint was not found (HTTP 404): check the endpoint in the LRS settings."
    if status == 409:
        return "The LRS holds a different statement with this id (HTTP 409)."
    return f"The LRS refused the statement (HTTP {status}): {' '.join(text.split())}"


async def _record(
    ctx: SyncContext,
    batch: list[_Item],
    status: int | None,
    ms: int,
    outcome: Outcome,
    message: str,
) -> None:
    now = ctx.now()
    split = outcome is Outcome.RETRY and message.startswith("refused as a batch")

    async def work(session: AsyncSession) -> None:
        subjects: dict[str, uuid.UUID | None] = {"course_event": batch[0].event_id}
        if len(batch) == 1:
            subjects["learner"] = batch[0].learner_id
            subjects["statement"] = batch[0].id
        audit.record(
            session,
            "xapi:statements",
            subjects,
            outcome=outcome,
            message=message,
            items=len(batch),
            duration_ms=ms,
            http_status=status,
        )
        if split:
            return
        for row in await session.scalars(
            select(XapiStatement).where(XapiStatement.id.in_([i.id for i in batch]))
        ):
            if row.lease_owner != ctx.owner:
                continue
            release(row)
            if outcome is Outcome.OK:
                row.state = StatementState.SENT
                row.sent_at = now
                outcomes.succeed(row)
            elif outcome is Outcome.RETRY:
                row.attempts = (row.attempts or 0) + 1
                row.not_before = ctx.backoff.next_try(now, row.attempts)
                row.last_error = (
                    f"{message} Attempt {row.attempts}; trying again after "
                    f"{row.not_before:%Y-%m-%d %H:%M:%S} UTC."
                )
            else:
                _give_up(row, message)

    await ctx.transaction(work)
