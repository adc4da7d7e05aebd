"""The worker step that syncs due webinars (H1, H4, H5, H7, H8): one full sync each.

A webinar is due when it was just listed, switched on, asked for ("sync now", a webhook), or a
follow-up is planned (an upcoming webinar hourly and just after its end; a recording still
processing in 10 minutes). Each sync is a `ContactSync` row with notes in the seed's
categories. Steps, each page written as it comes:

1. the switches (global, hosts, host, webinar): any off → "sync disabled", nothing asked of Zoom;
2. the webinar, its panelists and registration form (what the register action checks);
3. registrants (approved, pending, denied; those no longer listed become cancelled);
4. each ended instance's participants report, merged per person;
5. recordings and transcripts (when the host's switch is on);
6. the properties of every contact of the webinar.

Zoom failing (5xx, network, 429 after waiting) retries the sync later with backoff; a daily cap
waits for midnight UTC; a refusal stops it with the reason on the webinar; a webinar gone from
Zoom is noted ("connected Zoom account data not found") and not synced again by itself.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection
from zoombridge.contacts import exclusions
from zoombridge.contacts.models import (
    ContactConnection,
    ContactHost,
    ContactSync,
    ContactSyncNote,
    ContactWebinar,
    HostsMode,
    NoteCategory,
    SyncOutcome,
)
from zoombridge.contacts.service import properties
from zoombridge.contacts.tasks.attendees import sync_attendance
from zoombridge.contacts.tasks.facts import apply_facts, read_facts
from zoombridge.contacts.tasks.recordings import sync_recordings
from zoombridge.contacts.tasks.registrants import sync_registrants
from zoombridge.contacts.tasks.run import Chunk, Job, LostLease, Run, hold, write_chunk
from zoombridge.engine.claims import claim, release
from zoombridge.engine.context import SyncContext
from zoombridge.engine.outcomes import Verdict, classify, defer, fail, schedule_retry, succeed
from zoombridge.engine.steps import guard, hand_back
from zoombridge.zoom import DailyLimitReached, MeetingNotFound, UserNotFound, ZoomError

log = logging.getLogger("zoombridge.contacts.tasks")

CLAIM = 4
UPCOMING_EVERY = timedelta(hours=1)
AFTER_END = timedelta(minutes=5)
WAIT_FOR_INSTANCES = timedelta(hours=24)
PROPERTY_BATCH = 500

DISABLED_DETAILS = {
    "global_switch": "turn on 'Sync webinar data' in the CRM settings",
    "hosts_none": "the connection's hosts are set to none in the CRM settings",
    "host_not_selected": "select the host in the CRM settings",
    "webinar_off": "switch the webinar's sync on",
}


async def sync_due_webinars(ctx: SyncContext) -> int:
    done = 0
    seen: set[uuid.UUID] = set()
    while True:
        claimed = await ctx.transaction(lambda s: _claim(ctx, s))
        ids = [i for i in claimed if i not in seen]
        if not ids:
            await hand_back(ctx, ContactWebinar, claimed)
            return done
        seen.update(ids)
        await asyncio.gather(
            *(
                guard(
                    ctx,
                    ContactWebinar,
                    [webinar_id],
                    lambda webinar_id=webinar_id: _one(ctx, webinar_id),  # type: ignore[misc]
                    doing="syncing this webinar",
                    give_up=_give_up,
                )
                for webinar_id in ids
            )
        )
        done += len(ids)


def _give_up(webinar: ContactWebinar, message: str) -> None:
    fail(webinar, message)
    webinar.sync_due = False


async def _claim(ctx: SyncContext, session: AsyncSession) -> list[uuid.UUID]:
    return await claim(
        session,
        ContactWebinar,
        [ContactWebinar.sync_due.is_(True)],
        owner=ctx.owner,
        now=ctx.now(),
        lease=ctx.lease,
        limit=CLAIM,
        order_by=[ContactWebinar.not_before],
    )


async def _start(ctx: SyncContext, session: AsyncSession, webinar_id: uuid.UUID) -> Job | None:
    webinar = await session.get(ContactWebinar, webinar_id)
    if webinar is None or webinar.lease_owner != ctx.owner:
        return None
    connection = await session.get(ZoomConnection, webinar.connection_id)
    assert connection is not None  # the webinar goes with its connection (cascade)
    host = await session.get(ContactHost, webinar.host_id) if webinar.host_id else None
    scope = await session.scalar(
        select(ContactConnection).where(ContactConnection.connection_id == connection.id)
    )
    settings = await exclusions.settings_row(session)
    now = ctx.now()
    run = ContactSync(
        webinar_id=webinar.id,
        trigger=webinar.sync_trigger,
        started_at=now,
        outcome=SyncOutcome.RUNNING,
        counts={},
    )
    session.add(run)
    await session.flush()
    return Job(
        webinar_id=webinar.id,
        sync_id=run.id,
        zoom_webinar_id=webinar.zoom_webinar_id,
        connection=connection,
        trigger=webinar.sync_trigger,
        started_at=now,
        topic=webinar.topic,
        start_at=webinar.start_at,
        duration_seconds=webinar.duration_minutes * 60,
        auto_recording=webinar.auto_recording,
        host_email=host.email if host else webinar.host_email,
        host_selected=bool(host and host.selected and not host.gone),
        sync_recordings=bool(host is None or host.sync_recordings),
        hosts_mode=(scope.hosts_mode if scope else HostsMode.NONE).value,
        sync_webinars=settings.sync_webinars,
        sync_enabled=webinar.sync_enabled,
        exclusions=await exclusions.load(session, connection.id),
    )


def _switches_off(job: Job) -> list[str]:
    off = []
    if not job.sync_webinars:
        off.append("global_switch")
    if job.hosts_mode == HostsMode.NONE:
        off.append("hosts_none")
    elif job.hosts_mode == HostsMode.SELECTED and not job.host_selected:
        off.append("host_not_selected")
    if not job.sync_enabled:
        off.append("webinar_off")
    return off


async def _one(ctx: SyncContext, webinar_id: uuid.UUID) -> None:
    job = await ctx.transaction(lambda s: _start(ctx, s, webinar_id))
    if job is None:
        return
    run = Run(job)
    try:
        await _sync(ctx, run)
    except LostLease:
        log.warning("webinar %s: lease lost during its sync; another worker has it", webinar_id)


async def _sync(ctx: SyncContext, run: Run) -> None:
    job = run.job
    off = _switches_off(job)
    if off:
        chunk = run.chunk()
        for reason in off:
            chunk.note(NoteCategory.SYNC_DISABLED, reason, reason, DISABLED_DETAILS[reason])
        await ctx.transaction(chunk.write)
        await _finish(ctx, run, SyncOutcome.DISABLED, "Not synced: a sync setting is off.")
        return
    zoom = await ctx.clients.client(job.connection)
    try:
        facts = await read_facts(ctx, zoom, job.zoom_webinar_id, job.subjects)

        async def store(session: AsyncSession) -> None:
            await hold(ctx, session, job)
            webinar = await session.get(ContactWebinar, job.webinar_id)
            assert webinar is not None
            apply_facts(webinar, facts, ctx.now())

        await ctx.transaction(store)
        if facts.webinar.settings is not None:
            run.auto_recording = facts.webinar.settings.auto_recording
        await sync_registrants(ctx, run, zoom)
        instances = await sync_attendance(ctx, run, zoom)
        await _no_instances(ctx, run, instances)
        await sync_recordings(ctx, run, zoom, instances)
    except (MeetingNotFound, UserNotFound) as error:
        await _gone(ctx, run, error)
        return
    except ZoomError as error:
        await _refresh_properties(ctx, run)
        await _failed(ctx, run, error)
        return
    await _refresh_properties(ctx, run)
    await _finish(ctx, run, None, _summary(run, len(instances)))


def _summary(run: Run, instances: int) -> str:
    c = run.counts
    return (
        f"{c['registrations']} registration(s), {c['attendees']} attendee(s) in {instances} "
        f"instance(s), {c['contacts_created']} new contact(s), {c['recordings']} recording(s)."
    )


async def _no_instances(ctx: SyncContext, run: Run, instances: Sequence[object]) -> None:
    job, now = run.job, ctx.now()
    if instances:  # it took place: its no-shows count from now on (properties)

        async def ended(session: AsyncSession) -> None:
            await hold(ctx, session, job)
            webinar = await session.get(ContactWebinar, job.webinar_id)
            assert webinar is not None
            webinar.ended = True

        await ctx.transaction(ended)
        return
    end = job.start_at + timedelta(seconds=job.duration_seconds) if job.start_at else None
    if end is None or end > now:
        return
    chunk = run.chunk()
    chunk.note(
        NoteCategory.ATTENDEES_NOT_SYNCED,
        "no_participant_data",
        f"{job.start_at:%Y-%m-%d %H:%M} UTC",
        "the webinar's time has passed but Zoom lists no past instance of it: nobody joined, "
        "or it did not take place",
    )
    await ctx.transaction(chunk.write)


async def _refresh_properties(ctx: SyncContext, run: Run) -> None:
    async def write(session: AsyncSession, batch: Sequence[uuid.UUID], _chunk: Chunk) -> None:
        await properties.recompute(session, batch)

    after: uuid.UUID | None = None
    while True:
        ids = await ctx.transaction(
            lambda s, after=after: properties.contacts_of_webinar(  # type: ignore[misc]
                s, run.job.webinar_id, after=after, limit=PROPERTY_BATCH
            )
        )
        if not ids:
            return
        await write_chunk(
            ctx,
            run,
            ids,
            write,
            subject=str,
            doing="updating a contact's properties",
            failure="property_not_updated",
        )
        after = ids[-1]


async def _gone(ctx: SyncContext, run: Run, error: ZoomError) -> None:
    chunk = run.chunk()
    chunk.note(
        NoteCategory.ERRORS, "zoom_data_not_found", str(run.job.zoom_webinar_id), error.user_message
    )
    await ctx.transaction(chunk.write)
    await _finish(ctx, run, SyncOutcome.FAILED, error.user_message, gone=True)


async def _failed(ctx: SyncContext, run: Run, error: ZoomError) -> None:
    verdict = classify(error)
    outcome = {
        Verdict.RETRY: SyncOutcome.RETRY,
        Verdict.DEFERRED: SyncOutcome.DEFERRED,
    }.get(verdict, SyncOutcome.FAILED)
    await _finish(ctx, run, outcome, error.user_message, error=error)


async def _finish(
    ctx: SyncContext,
    run: Run,
    outcome: SyncOutcome | None,
    message: str,
    *,
    error: ZoomError | None = None,
    gone: bool = False,
) -> None:
    job = run.job

    async def work(session: AsyncSession) -> None:
        now = ctx.now()
        notes = await session.scalar(
            select(func.count()).where(ContactSyncNote.sync_id == job.sync_id)
        )
        sync = await session.get(ContactSync, job.sync_id)
        assert sync is not None
        sync.outcome = outcome or (SyncOutcome.WARNINGS if notes else SyncOutcome.OK)
        sync.finished_at, sync.counts, sync.message = now, dict(run.counts), message
        webinar = await session.get(ContactWebinar, job.webinar_id)
        if webinar is None or webinar.lease_owner != ctx.owner:
            return
        release(webinar)
        if error is not None:
            verdict = classify(error)
            if verdict == Verdict.RETRY:
                schedule_retry(webinar, error, now, ctx.backoff)
            elif verdict == Verdict.DEFERRED and isinstance(error, DailyLimitReached):
                defer(webinar, error)
            else:
                fail(webinar, f"Not synced: {error.user_message}")
                webinar.sync_due = False
            return
        succeed(webinar)
        if gone:
            webinar.gone_at, webinar.sync_due = now, False
            webinar.last_error = message
            return
        if outcome is not SyncOutcome.DISABLED:
            webinar.synced_at = now
        follow_up = _follow_up(run, webinar, now) if outcome is None else None
        webinar.sync_due = follow_up is not None
        if follow_up is not None:
            webinar.not_before, webinar.sync_trigger = now + follow_up, run.follow_up_trigger

    await ctx.transaction(work)


def _follow_up(run: Run, webinar: ContactWebinar, now: object) -> timedelta | None:
    """When to sync again by itself: a recording awaited, or an upcoming webinar's registrants
    (hourly) and its attendance (just after its end, then hourly for a day)."""
    if run.follow_up is not None:
        return run.follow_up
    if webinar.ended or webinar.start_at is None:
        return None
    end = webinar.start_at + timedelta(minutes=webinar.duration_minutes)
    if end + WAIT_FOR_INSTANCES < now:  # type: ignore[operator]
        return None
    until_end = end + AFTER_END - now  # type: ignore[operator]
    if until_end > timedelta(0):
        run.follow_up_trigger = "scheduled"
        return min(UPCOMING_EVERY, until_end)  # type: ignore[no-any-return]
    run.follow_up_trigger = "scheduled"
    return UPCOMING_EVERY
