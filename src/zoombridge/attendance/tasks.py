"""The worker's attendance step: pull the participants report of every ended instance, once.

What is due:
- a meeting/webinar.ended webhook names the instance (`on_ended` below adds its AttendancePull);
- a link whose event session finished (or whose webhook never came) gets one pull row with
  instance "" ("find the ended instances"): the worker lists the past instances and adds a
  pull per instance it has not pulled yet, so a recurring meeting's days are each pulled once.

A pull is claimed with a lease like other work; the report is read page by page and each page's
rows are written at once (two marks per row, duplicates ignored), so memory holds one page,
not a webinar, and a pull that fails half-way is simply repeated (the marks already stored
collapse). Failures follow engine.outcomes (retry with backoff, wait for a daily cap, or stop
with a sentence); every pull writes one audit entry.

Participant webhooks (participant_joined / _left) become one attendance mark each, all the
events of an inbox chunk in one insert (a duplicate or replay collapses into the mark already
stored; out-of-order arrival does not matter, the marks are paired by time when read).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.attendance.merge import MarkKind
from zoombridge.attendance.models import AttendancePull, MarkSource
from zoombridge.attendance.store import add_marks, mark_row
from zoombridge.connections.models import ZoomConnection
from zoombridge.engine import audit
from zoombridge.engine.claims import claim, release
from zoombridge.engine.context import SyncContext
from zoombridge.engine.inbox import (
    WebhookRoutes,
    event_time,
    meeting_id_of,
    parse_time,
    payload_object,
)
from zoombridge.engine.models import InboundWebhook
from zoombridge.engine.outcomes import Verdict, classify, defer, fail, schedule_retry, succeed
from zoombridge.engine.steps import guard, hand_back
from zoombridge.events.models import EventSession, MeetingLink, SessionStatus
from zoombridge.events.tasks.links import zoom_kind
from zoombridge.events.tasks.webhooks import links_for
from zoombridge.zoom import DailyLimitReached, ZoomError
from zoombridge.zoom.models import Participant

# Report rows written per transaction: one Zoom page (300) holds at most this many.
WRITE_BATCH = 300
CLAIM_BATCH = 20
DISCOVER_BATCH = 200


@dataclass(frozen=True)
class _Job:
    pull_id: uuid.UUID
    instance_uuid: str
    link: MeetingLink
    connection: ZoomConnection


async def pull_due_attendance(ctx: SyncContext) -> int:
    """Add pulls for links whose sessions finished, then do due pulls; how many were done."""
    await ctx.transaction(_discover)
    done = 0
    seen: set[uuid.UUID] = set()
    gate = asyncio.Semaphore(ctx.batch_concurrency)
    while True:
        claimed = await ctx.transaction(lambda s: _claim(ctx, s))
        ids = [i for i in claimed if i not in seen]
        if not ids:
            # Due again in this pass (a quick retry): hand them back for the next pass.
            await hand_back(ctx, AttendancePull, claimed)
            break
        seen.update(ids)

        async def one(pull_id: uuid.UUID) -> None:
            async with gate:
                await guard(
                    ctx,
                    AttendancePull,
                    [pull_id],
                    lambda: _pull_one(ctx, pull_id),
                    doing="pulling the participants report",
                    give_up=_give_up,
                )

        await asyncio.gather(*(one(i) for i in ids))
        done += len(ids)
    return done


def _give_up(pull: AttendancePull, message: str) -> None:
    fail(pull, message)
    pull.failed = True


async def _discover(session: AsyncSession) -> None:
    finished_session = exists().where(
        EventSession.status == SessionStatus.FINISHED,
        or_(
            EventSession.id == MeetingLink.session_id,
            and_(MeetingLink.session_id.is_(None), EventSession.event_id == MeetingLink.event_id),
        ),
    )
    has_pull = exists().where(AttendancePull.link_id == MeetingLink.id)
    link_ids = await session.scalars(
        select(MeetingLink.id)
        .where(MeetingLink.zoom_meeting_id.is_not(None), finished_session, ~has_pull)
        .limit(DISCOVER_BATCH)
    )
    for link_id in link_ids:
        session.add(AttendancePull(link_id=link_id, instance_uuid=""))


async def _claim(ctx: SyncContext, session: AsyncSession) -> list[uuid.UUID]:
    return await claim(
        session,
        AttendancePull,
        [AttendancePull.done_at.is_(None), AttendancePull.failed.is_(False)],
        owner=ctx.owner,
        now=ctx.now(),
        lease=ctx.lease,
        limit=CLAIM_BATCH,
        order_by=[AttendancePull.created_at],
    )


async def _load(ctx: SyncContext, pull_id: uuid.UUID) -> _Job | None:
    async def work(session: AsyncSession) -> _Job | None:
        pull = await session.get(AttendancePull, pull_id)
        if pull is None or pull.lease_owner != ctx.owner:
            return None
        link = await session.get(MeetingLink, pull.link_id)
        connection = await session.get(ZoomConnection, link.connection_id) if link else None
        if link is None or connection is None or link.zoom_meeting_id is None:
            fail(pull, "The meeting link has no Zoom meeting any more: nothing to pull.")
            pull.failed = True
            release(pull)
            return None
        return _Job(pull.id, pull.instance_uuid, link, connection)

    return await ctx.transaction(work)


async def _pull_one(ctx: SyncContext, pull_id: uuid.UUID) -> None:
    job = await _load(ctx, pull_id)
    if job is None:
        return
    zoom = await ctx.clients.client(job.connection)
    kind = zoom_kind(job.link.kind)
    assert job.link.zoom_meeting_id is not None
    started = time.monotonic()
    error: ZoomError | None = None
    rows = 0
    found: list[str] = []
    try:
        if job.instance_uuid:
            rows = await _stream_report(ctx, job, zoom.list_report_participants)
        else:
            found = [i.uuid for i in await zoom.list_past_instances(kind, job.link.zoom_meeting_id)]
    except ZoomError as exc:
        error = exc
    ms = int((time.monotonic() - started) * 1000)
    now = ctx.now()

    async def record(session: AsyncSession) -> None:
        link = job.link
        what = f"report of instance {job.instance_uuid}" if job.instance_uuid else "past instances"
        audit.record(
            session,
            "attendance:report" if job.instance_uuid else "attendance:instances",
            {"connection": link.connection_id, "event": link.event_id, "link": link.id},
            error=error,
            message=f"Attendance: {rows} row(s) of the {what}."
            if job.instance_uuid
            else f"Attendance: {len(found)} ended instance(s) found.",
            items=rows if job.instance_uuid else len(found),
            duration_ms=ms,
        )
        pull = await session.get(AttendancePull, job.pull_id)
        if pull is None or pull.lease_owner != ctx.owner:
            return
        release(pull)
        if error is None:
            succeed(pull)
            pull.done_at = now
            pull.rows = rows
            for instance in found:
                await _add_pull(session, link.id, instance)
            return
        verdict = classify(error)
        if verdict == Verdict.RETRY:
            schedule_retry(pull, error, now, ctx.backoff)
        elif verdict == Verdict.DEFERRED and isinstance(error, DailyLimitReached):
            defer(pull, error)
        else:
            fail(pull, f"Attendance not pulled: {error.user_message}")
            pull.failed = True

    await ctx.transaction(record)


async def _add_pull(session: AsyncSession, link_id: uuid.UUID, instance: str) -> None:
    known = await session.scalar(
        select(AttendancePull.id).where(
            AttendancePull.link_id == link_id, AttendancePull.instance_uuid == instance[:64]
        )
    )
    if known is not None:
        return
    try:
        async with session.begin_nested():
            session.add(AttendancePull(link_id=link_id, instance_uuid=instance[:64]))
    except IntegrityError:  # another worker added it at the same moment
        pass


async def _stream_report(ctx: SyncContext, job: _Job, listing: Any) -> int:
    """Read the report page by page, writing each batch of rows as it comes; rows read."""
    assert job.link.zoom_meeting_id is not None
    kind = zoom_kind(job.link.kind)
    batch: list[dict[str, Any]] = []
    count = 0

    async def write(rows: list[dict[str, Any]]) -> None:
        async def work(session: AsyncSession) -> None:
            await add_marks(session, rows)

        await ctx.transaction(work)

    participant: Participant
    async for participant in listing(kind, job.instance_uuid):
        count += 1
        batch.extend(_marks(job, participant))
        if len(batch) >= 2 * WRITE_BATCH:
            await write(batch)
            batch = []
    if batch:
        await write(batch)
    return count


def _marks(job: _Job, row: Participant) -> list[dict[str, Any]]:
    common: dict[str, Any] = {
        "link_id": job.link.id,
        "instance_uuid": job.instance_uuid,
        "email": row.user_email,
        "zoom_id": row.participant_user_id or row.id,
        "name": row.name,
        "source": MarkSource.REPORT,
        "connection": row.user_id,
        "registrant_id": row.registrant_id,
    }
    marks = []
    if row.join_time is not None:
        marks.append(mark_row(kind=MarkKind.JOIN, at=row.join_time, **common))
    if row.leave_time is not None:
        marks.append(mark_row(kind=MarkKind.LEAVE, at=row.leave_time, **common))
    return marks


# --- webhooks -------------------------------------------------------------------------------


async def on_ended(session: AsyncSession, webhook: InboundWebhook, now: datetime) -> None:
    """meeting/webinar.ended: the participants report of that instance is due (pulled once)."""
    instance = str(payload_object(webhook.payload).get("uuid") or "")[:64]
    for link in await links_for(session, webhook):
        known = await session.scalar(
            select(AttendancePull.id).where(
                AttendancePull.link_id == link.id, AttendancePull.instance_uuid == instance
            )
        )
        if known is None:
            session.add(AttendancePull(link_id=link.id, instance_uuid=instance, not_before=now))


async def on_participants(session: AsyncSession, webhooks: Sequence[InboundWebhook]) -> None:
    """The attendance marks of participant events, for each link of their meeting, in one
    insert (the storm's bulk)."""
    link_ids: dict[tuple[uuid.UUID, int], list[uuid.UUID]] = {}
    marks: list[dict[str, Any]] = []
    for webhook in webhooks:
        obj = payload_object(webhook.payload)
        meeting_id = meeting_id_of(obj)
        if meeting_id is None:
            continue
        key = (webhook.connection_id, meeting_id)
        if key not in link_ids:
            link_ids[key] = [link.id for link in await links_for(session, webhook)]
        marks.extend(_participant_mark(link_id, obj, webhook) for link_id in link_ids[key])
    if marks:
        await add_marks(session, marks)


def _participant_mark(
    link_id: uuid.UUID, obj: dict[str, Any], webhook: InboundWebhook
) -> dict[str, Any]:
    raw = obj.get("participant")
    person: dict[str, Any] = raw if isinstance(raw, dict) else {}
    joined = webhook.event.endswith("participant_joined")
    at = parse_time(person.get("join_time" if joined else "leave_time")) or event_time(webhook)
    zoom_id = (
        person.get("id") or person.get("participant_user_id") or person.get("participant_uuid")
    )
    return mark_row(
        link_id=link_id,
        instance_uuid=str(obj.get("uuid") or ""),
        email=str(person.get("email") or ""),
        zoom_id=str(zoom_id or ""),
        name=str(person.get("user_name") or ""),
        source=MarkSource.WEBHOOK,
        kind=MarkKind.JOIN if joined else MarkKind.LEAVE,
        at=at,
        connection=str(person.get("user_id") or ""),
        registrant_id=str(person.get("registrant_id") or ""),
    )


def route(routes: WebhookRoutes) -> None:
    """Register the attendance domain's handlers with the inbox."""
    routes.on(("ended",), on_ended)
    routes.on_bulk(("participant_joined", "participant_left"), on_participants)
