"""Making each Zoom meeting agree with its MeetingLink (create, update, approval fix, delete).

One link at a time: read a snapshot of the link and its event (short transaction), call Zoom
outside any transaction, then record the outcome (short transaction) — only if we still hold
the lease, and without losing changes made meanwhile (a newer desired_version stays PENDING).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection, ZoomKind
from zoombridge.engine import audit, outcomes
from zoombridge.engine.claims import claim, release
from zoombridge.engine.context import SyncContext, log
from zoombridge.engine.outcomes import Verdict
from zoombridge.engine.steps import MAX_ROUNDS, guard, hand_back
from zoombridge.events.models import (
    DayMode,
    Event,
    EventSession,
    LinkMode,
    LinkState,
    LinkWant,
    MeetingLink,
    SessionKind,
)
from zoombridge.events.zoom_body import meeting_body, meeting_update
from zoombridge.zoom import (
    DailyLimitReached,
    MeetingNotFound,
    MeetingUpdate,
    SettingsBody,
    ZoomClient,
    ZoomError,
)
from zoombridge.zoom.models import Meeting
from zoombridge.zoom.operations import Kind

RECURRING_TYPES = {3, 8, 6, 9}
# A meeting we may have created but never heard back about is looked for among the host's
# meetings created this long before our attempt (clocks of Zoom and ours may differ a little).
_CREATE_LOOKBACK = timedelta(minutes=10)


@dataclass
class _Snapshot:
    link: MeetingLink
    event: Event | None
    session: EventSession | None
    connection: ZoomConnection


async def claim_links(ctx: SyncContext, limit: int = 50) -> list[uuid.UUID]:
    now = ctx.now()

    async def work(session: AsyncSession) -> list[uuid.UUID]:
        return await claim(
            session,
            MeetingLink,
            [MeetingLink.state == LinkState.PENDING],
            owner=ctx.owner,
            now=now,
            lease=ctx.lease,
            limit=limit,
            order_by=[MeetingLink.updated_at],
        )

    return await ctx.transaction(work)


async def _snapshot(ctx: SyncContext, link_id: uuid.UUID) -> _Snapshot | None:
    async def work(session: AsyncSession) -> _Snapshot | None:
        link = await session.get(MeetingLink, link_id)
        if link is None or link.lease_owner != ctx.owner:
            return None
        event = await session.get(Event, link.event_id) if link.event_id else None
        ev_session = await session.get(EventSession, link.session_id) if link.session_id else None
        connection = await session.get(ZoomConnection, link.connection_id)
        assert connection is not None  # RESTRICT foreign key
        if event is not None:
            _ = list(event.sessions)  # loaded now, read after the transaction
        return _Snapshot(link, event, ev_session, connection)

    return await ctx.transaction(work)


def zoom_kind(kind: ZoomKind) -> Kind:
    return "webinar" if kind is ZoomKind.WEBINAR else "meeting"


def _host(event: Event | None) -> str:
    if event is None:
        return "me"
    return event.host_zoom_user_id or event.host_email or "me"


class _Step:
    """Times one Zoom call and remembers it for the audit log."""

    def __init__(self, operation: str, items: int = 1) -> None:
        self.operation = operation
        self.items = items
        self.started = time.monotonic()
        self.duration_ms: int | None = None
        self.error: ZoomError | None = None
        self.note = ""

    def done(self, error: ZoomError | None = None) -> None:
        self.duration_ms = int((time.monotonic() - self.started) * 1000)
        self.error = error


async def _find_created(
    zoom: ZoomClient, snap: _Snapshot, body_topic: str, start: datetime | None, taken: set[int]
) -> Meeting | None:
    """The meeting an earlier create may have made without us hearing the answer."""
    since = (snap.link.created_at or datetime.now(UTC)) - _CREATE_LOOKBACK
    kind = zoom_kind(snap.link.kind)
    async for summary in zoom.list_meetings(kind, _host(snap.event)):
        if summary.id in taken or summary.topic != body_topic:
            continue
        if start is not None and summary.start_time is not None and summary.start_time != start:
            continue
        if summary.created_at is not None and summary.created_at < since:
            continue
        return await zoom.get_meeting(kind, summary.id)
    return None


async def _taken_ids(ctx: SyncContext, link_id: uuid.UUID) -> set[int]:
    async def work(session: AsyncSession) -> set[int]:
        rows = await session.scalars(
            select(MeetingLink.zoom_meeting_id).where(
                MeetingLink.id != link_id, MeetingLink.zoom_meeting_id.is_not(None)
            )
        )
        return {int(r) for r in rows if r is not None}

    return await ctx.transaction(work)


async def _mark_create_attempt(ctx: SyncContext, link_id: uuid.UUID) -> None:
    async def work(session: AsyncSession) -> None:
        link = await session.get(MeetingLink, link_id)
        if link is not None and link.lease_owner == ctx.owner:
            link.attempts += 1
            link.lease_expires_at = ctx.now() + ctx.lease

    await ctx.transaction(work)


async def sync_due_links(ctx: SyncContext) -> int:
    """The step: every due link reconciled, several at once (the rate limits pace the calls)."""
    done = 0
    seen: set[uuid.UUID] = set()
    gate = asyncio.Semaphore(ctx.batch_concurrency)
    for _ in range(MAX_ROUNDS):
        claimed = await claim_links(ctx)
        ids = [i for i in claimed if i not in seen]
        if not ids:
            await hand_back(ctx, MeetingLink, claimed)
            break
        seen.update(ids)

        async def one(link_id: uuid.UUID) -> bool:
            async with gate:
                handled = await guard(
                    ctx,
                    MeetingLink,
                    [link_id],
                    lambda: sync_link(ctx, link_id),
                    doing="making this Zoom meeting agree with the event",
                    give_up=_give_up,
                )
                return handled is not False

        results = await asyncio.gather(*(one(i) for i in ids))
        done += sum(results)
    return done


def _give_up(link: MeetingLink, message: str) -> None:
    link.state = LinkState.FAILED
    outcomes.fail(link, message)


async def sync_link(ctx: SyncContext, link_id: uuid.UUID) -> bool:
    """Reconcile one claimed link. True when it was processed (whatever the outcome)."""
    snap = await _snapshot(ctx, link_id)
    if snap is None:
        return False
    zoom = await ctx.clients.client(snap.connection)
    link = snap.link
    kind = zoom_kind(link.kind)
    steps: list[_Step] = []
    meeting: Meeting | None = None
    deleted = False
    failure: ZoomError | None = None
    other_failure: str | None = None
    try:
        if link.want is LinkWant.ABSENT:
            if link.mode is LinkMode.CREATED and link.zoom_meeting_id is not None:
                step = _Step(f"{kind}Delete")
                steps.append(step)
                try:
                    await zoom.delete_meeting(kind, link.zoom_meeting_id)
                except MeetingNotFound:  # already gone: what we wanted
                    step.done()
                    step.note = "Already deleted in Zoom."
                else:
                    step.done()
            deleted = True
        elif link.zoom_meeting_id is None:
            if link.mode is LinkMode.LINKED or snap.event is None:
                other_failure = (
                    "This link has no Zoom meeting to use: pick the meeting again, or remove "
                    "the link."
                )
            else:
                body = meeting_body(snap.event, snap.session)
                if link.attempts > 0:
                    step = _Step(f"{kind}s")
                    steps.append(step)
                    meeting = await _find_created(
                        zoom, snap, body.topic, body.start_time, await _taken_ids(ctx, link.id)
                    )
                    step.done()
                if meeting is None:
                    # Noted (committed) before the call: if this process dies before the
                    # answer, whoever takes the link over looks for the meeting first.
                    await _mark_create_attempt(ctx, link.id)
                    step = _Step(f"{kind}Create")
                    steps.append(step)
                    meeting = await zoom.create_meeting(kind, _host(snap.event), body)
                    step.done()
        else:
            meeting_id = link.zoom_meeting_id
            if link.desired_version > link.synced_version and snap.event is not None:
                step = _Step(f"{kind}Update")
                steps.append(step)
                await zoom.update_meeting(
                    kind,
                    meeting_id,
                    meeting_update(snap.event, snap.session, created=link.mode is LinkMode.CREATED),
                )
                step.done()
            if link.fix_approval_requested:
                step = _Step(f"{kind}Update")
                steps.append(step)
                recurring = link.zoom_type in RECURRING_TYPES
                await zoom.update_meeting(
                    kind,
                    meeting_id,
                    MeetingUpdate(
                        settings=SettingsBody(
                            approval_type=0, registration_type=1 if recurring else None
                        )
                    ),
                )
                step.done()
            step = _Step(kind)
            steps.append(step)
            meeting = await zoom.get_meeting(kind, meeting_id)
            step.done()
    except ZoomError as exc:
        failure = exc
        if steps and steps[-1].duration_ms is None:
            steps[-1].done(exc)
    except ValueError as exc:  # a body the event cannot produce (e.g. not a recurrence)
        other_failure = f"The event cannot be sent to Zoom as it is: {exc}."

    await _record(ctx, snap, steps, meeting, deleted, failure, other_failure)
    return True


def _confirm(link: MeetingLink, meeting: Meeting) -> None:
    link.zoom_meeting_id = meeting.id
    link.zoom_host_id = meeting.host_id
    link.zoom_type = meeting.type
    if meeting.settings is not None:
        link.approval_type = meeting.settings.approval_type
    link.occurrence_ids = [o.occurrence_id for o in meeting.occurrences]
    link.join_url = meeting.join_url
    link.registration_url = meeting.registration_url
    link.password = meeting.password
    link.confirmed = confirmed_fields(meeting)


def confirmed_fields(meeting: Meeting) -> dict[str, object]:
    return {
        "topic": meeting.topic,
        "start_time": meeting.start_time.astimezone(UTC).isoformat()
        if meeting.start_time
        else None,
        "duration": meeting.duration,
        "timezone": meeting.timezone,
    }


async def _set_occurrences(session: AsyncSession, link: MeetingLink, meeting: Meeting) -> None:
    """E9: each day of a recurring event remembers its Zoom occurrence (by start, else order)."""
    if link.event_id is None or not meeting.occurrences:
        return
    event = await session.get(Event, link.event_id)
    if event is None or event.day_mode is not DayMode.RECURRING:
        return
    days = [s for s in event.sessions if s.kind is SessionKind.DAY]
    by_start = {o.start_time: o.occurrence_id for o in meeting.occurrences if o.start_time}
    ordered = sorted(
        meeting.occurrences, key=lambda o: o.start_time or datetime.max.replace(tzinfo=UTC)
    )
    for index, day in enumerate(days):
        found = by_start.get(day.start_at)
        if found is None and index < len(ordered):
            found = ordered[index].occurrence_id
        day.zoom_occurrence_id = found


async def _record(
    ctx: SyncContext,
    snap: _Snapshot,
    steps: list[_Step],
    meeting: Meeting | None,
    deleted: bool,
    failure: ZoomError | None,
    other_failure: str | None,
) -> None:
    now = ctx.now()
    seen = snap.link

    async def work(session: AsyncSession) -> None:
        concerns = {"connection": seen.connection_id, "event": seen.event_id, "link": seen.id}
        for step in steps:
            audit.record(
                session,
                step.operation,
                concerns,
                error=step.error,
                message=step.note,
                duration_ms=step.duration_ms,
            )
        link = await session.get(MeetingLink, seen.id)
        if link is None:
            return
        if link.lease_owner != ctx.owner:
            log.info("lease on link %s was lost; its outcome is left to the new holder", link.id)
            return
        release(link)
        if meeting is not None:
            _confirm(link, meeting)
            await _set_occurrences(session, link, meeting)
        if failure is not None:
            verdict = outcomes.classify(failure)
            if verdict == Verdict.DEFERRED:
                assert isinstance(failure, DailyLimitReached)
                outcomes.defer(link, failure)
                if steps and steps[-1].operation.endswith("Create") and link.attempts > 0:
                    # A daily cap refused the create: nothing was made, so tomorrow's attempt
                    # need not search the host's meetings for it first.
                    link.attempts -= 1
            elif verdict == Verdict.RETRY:
                outcomes.schedule_retry(link, failure, now, ctx.backoff)
            else:
                if isinstance(failure, MeetingNotFound) and link.zoom_meeting_id is not None:
                    link.drift = f"Deleted in Zoom (noticed {now:%Y-%m-%d %H:%M} UTC)."
                    link.drift_detected_at = now
                    link.state = LinkState.DELETED
                else:
                    link.state = LinkState.FAILED
                outcomes.fail(link, failure.user_message)
            return
        if other_failure is not None:
            link.state = LinkState.FAILED
            outcomes.fail(link, other_failure)
            return
        outcomes.succeed(link)
        if deleted:
            if link.want is LinkWant.ABSENT:
                link.state = LinkState.DELETED
            else:  # the event came back meanwhile: make it again
                link.zoom_meeting_id = None
            return
        if link.fix_approval_requested and snap.link.fix_approval_requested:
            link.fix_approval_requested = False
        link.last_checked_at = now
        if link.want is LinkWant.ABSENT or link.desired_version > seen.desired_version:
            return  # changed while we were calling Zoom: another pass
        link.synced_version = seen.desired_version
        if not link.fix_approval_requested:
            link.state = LinkState.SYNCED

    await ctx.transaction(work)
