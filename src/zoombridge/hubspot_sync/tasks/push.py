"""Pushing synced contacts webinars to HubSpot: which are due, and one push from end to end.

A webinar's push is due when the contacts domain synced it again (its `synced_at` moved past
the one the push last followed) or "sync now" was asked. One push: the marketing event created
or updated (its external ids are zoombridge's: the connection's external account id and the
webinar's id), the contacts written (`tasks.contacts`), the participations recorded
(`tasks.participations`), then the event completed (the webinar ended) or cancelled (gone in
Zoom). Every call is claimed under the push's lease and audited; a refusal that stops the push
(token, scopes, limits, HubSpot down) keeps what was confirmed and tries again later.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts.models import ContactAttendance, ContactWebinar
from zoombridge.engine.claims import claim, release
from zoombridge.engine.context import SyncContext
from zoombridge.engine.steps import guard
from zoombridge.hubspot import (
    DailyLimitReached,
    HubSpotError,
    MarketingEventCreate,
    MarketingEventNotFound,
    MarketingEventUpdate,
)
from zoombridge.hubspot_sync.models import HubSpotConnection, HubSpotWebinarPush
from zoombridge.hubspot_sync.tasks import auditing
from zoombridge.hubspot_sync.tasks.clients import HubSpotPool
from zoombridge.hubspot_sync.tasks.common import Job, LeaseLost, Stop, keep_lease, stops_the_push
from zoombridge.hubspot_sync.tasks.contacts import push_contacts
from zoombridge.hubspot_sync.tasks.participations import plan, push_participations

CLAIM = 4  # webinars a pass takes on at once; each may hold thousands of contacts


async def mark_due(ctx: SyncContext) -> int:
    """Make the push of every newly synced webinar due, for each connection ready to push."""

    async def work(session: AsyncSession) -> int:
        connections = list(
            await session.scalars(
                select(HubSpotConnection.id).where(
                    HubSpotConnection.push_enabled.is_(True),
                    HubSpotConnection.setup_done_at.is_not(None),
                )
            )
        )
        if not connections:
            return 0
        webinars = (
            await session.execute(
                select(ContactWebinar.id, ContactWebinar.synced_at).where(
                    ContactWebinar.sync_enabled.is_(True), ContactWebinar.synced_at.is_not(None)
                )
            )
        ).all()
        marked = 0
        for connection_id in connections:
            pushes = {
                p.webinar_id: p
                for p in await session.scalars(
                    select(HubSpotWebinarPush).where(
                        HubSpotWebinarPush.hubspot_connection_id == connection_id
                    )
                )
            }
            for webinar_id, synced_at in webinars:
                if synced_at is None:
                    continue
                push = pushes.get(webinar_id)
                if push is None:
                    session.add(
                        HubSpotWebinarPush(
                            hubspot_connection_id=connection_id,
                            webinar_id=webinar_id,
                            push_due=True,
                            trigger="synced",
                            seen_synced_at=synced_at,
                            due_version=1,
                            counts={},
                        )
                    )
                    marked += 1
                elif push.seen_synced_at is None or push.seen_synced_at < synced_at:
                    push.seen_synced_at = synced_at
                    push.push_due = True
                    push.trigger = "synced"
                    push.due_version += 1
                    if push.last_error is not None and push.not_before is None:
                        push.attempts = 0  # stopped for a person before: a new sync retries
                    marked += 1
        return marked

    return await ctx.transaction(work)


async def push_due_webinars(ctx: SyncContext, pool: HubSpotPool) -> int:
    now = ctx.now()

    async def take(session: AsyncSession) -> list[uuid.UUID]:
        ready = select(HubSpotConnection.id).where(
            HubSpotConnection.push_enabled.is_(True),
            HubSpotConnection.setup_done_at.is_not(None),
        )
        return await claim(
            session,
            HubSpotWebinarPush,
            [
                HubSpotWebinarPush.push_due.is_(True),
                HubSpotWebinarPush.hubspot_connection_id.in_(ready),
            ],
            owner=ctx.owner,
            now=now,
            lease=ctx.lease,
            limit=CLAIM,
        )

    done = 0
    for push_id in await ctx.transaction(take):

        async def handle(push_id: uuid.UUID = push_id) -> None:
            await push_one(ctx, pool, push_id)

        await guard(
            ctx,
            HubSpotWebinarPush,
            [push_id],
            handle,
            doing="pushing this webinar to HubSpot",
            give_up=_stop_for_a_person,
        )
        done += 1
    return done


def _stop_for_a_person(row: HubSpotWebinarPush, message: str) -> None:
    # Not due until a person asks again ("sync now") or the webinar is synced again.
    row.push_due = False
    row.not_before = None
    row.last_error = message


async def push_one(ctx: SyncContext, pool: HubSpotPool, push_id: uuid.UUID) -> None:
    async def load(
        session: AsyncSession,
    ) -> tuple[HubSpotWebinarPush, HubSpotConnection, ContactWebinar, int] | None:
        push = await session.get(HubSpotWebinarPush, push_id)
        if push is None or push.lease_owner != ctx.owner:
            return None
        connection = await session.get(HubSpotConnection, push.hubspot_connection_id)
        webinar = await session.get(ContactWebinar, push.webinar_id)
        if connection is None or webinar is None:
            return None
        guests = await session.scalar(
            select(ContactAttendance.id)
            .where(
                ContactAttendance.webinar_id == webinar.id, ContactAttendance.contact_id.is_(None)
            )
            .limit(1)
        )
        return push, connection, webinar, 1 if guests else 0

    loaded = await ctx.transaction(load)
    if loaded is None:
        return
    push, connection, webinar, _ = loaded
    job = Job(
        push_id=push.id,
        connection_id=connection.id,
        webinar_id=webinar.id,
        due_version=push.due_version,
        client=await pool.client(connection),
    )
    counts: Counter[str] = Counter()
    # The participations are planned (database only) while the contacts go out.
    planning = asyncio.create_task(plan(ctx, job))
    try:
        await _push_event(ctx, job, push, webinar, connection)
        counts.update(await push_contacts(ctx, job))
        counts.update(await push_participations(ctx, job, await planning))
        await _end_event(ctx, job, push, webinar)
    except LeaseLost:
        return
    except Stop as stop:
        await _stopped(ctx, job, stop.error, counts)
        return
    finally:
        if not planning.done():
            planning.cancel()
        await asyncio.gather(planning, return_exceptions=True)
    await _finish(ctx, job, counts)


def _event_fields(webinar: ContactWebinar, connection: HubSpotConnection) -> dict[str, Any]:
    start = webinar.start_at
    end = start + timedelta(minutes=webinar.duration_minutes or 60) if start else None
    return {
        "name": (webinar.topic or f"Zoom webinar {webinar.zoom_webinar_id}")[:255],
        "organizer": webinar.host_email or connection.name,
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "url": webinar.registration_url or webinar.join_url,
    }


async def _push_event(
    ctx: SyncContext,
    job: Job,
    push: HubSpotWebinarPush,
    webinar: ContactWebinar,
    connection: HubSpotConnection,
) -> None:
    fields = _event_fields(webinar, connection)
    if push.event_sent == fields:
        return
    start = webinar.start_at
    end = datetime.fromisoformat(fields["end"]) if fields["end"] else None
    await keep_lease(ctx, job)
    started = time.monotonic()
    operation = "events.create"
    message = ""
    try:
        if push.event_sent is not None:
            operation = "events.update"
            try:
                await job.client.update_marketing_event(
                    job.external_event_id,
                    MarketingEventUpdate(
                        event_name=fields["name"],
                        event_organizer=fields["organizer"],
                        start=start,
                        end=end,
                        event_url=fields["url"],
                    ),
                )
                message = "event updated"
            except MarketingEventNotFound:
                push.event_sent = None  # deleted in HubSpot: made again below
        if push.event_sent is None:
            operation = "events.create"
            made = await job.client.create_marketing_event(
                MarketingEventCreate(
                    job.external_event_id,
                    fields["name"],
                    fields["organizer"],
                    start=start,
                    end=end,
                    event_url=fields["url"],
                )
            )
            message = "event created" if made.created else "event exists already"
    except HubSpotError as error:
        await _audit(ctx, job, operation, error=error, started=started)
        raise Stop(error) if stops_the_push(error) else _Refused(error) from None
    push.event_sent = fields

    async def record(session: AsyncSession) -> None:
        row = await session.get(HubSpotWebinarPush, job.push_id)
        if row is not None:
            row.event_sent = fields
        auditing.record(session, operation, job.subjects, message=message, started=started)

    await ctx.transaction(record)


class _Refused(Stop):
    """HubSpot refused the event itself (not for now): stops the push for a person."""


async def _end_event(
    ctx: SyncContext, job: Job, push: HubSpotWebinarPush, webinar: ContactWebinar
) -> None:
    if webinar.gone_at is not None and push.event_end_sent != "cancelled":
        ending = "cancelled"
    elif webinar.ended and push.event_end_sent is None and webinar.start_at is not None:
        ending = "completed"
    else:
        return
    await keep_lease(ctx, job)
    started = time.monotonic()
    operation = "events.cancel" if ending == "cancelled" else "events.complete"
    try:
        if ending == "cancelled":
            await job.client.cancel_marketing_event(job.external_event_id)
        else:
            assert webinar.start_at is not None
            await job.client.complete_marketing_event(
                job.external_event_id,
                start=webinar.start_at,
                end=webinar.start_at + timedelta(minutes=webinar.duration_minutes or 60),
            )
    except HubSpotError as error:
        await _audit(ctx, job, operation, error=error, started=started)
        raise Stop(error) if stops_the_push(error) else _Refused(error) from None

    async def record(session: AsyncSession) -> None:
        row = await session.get(HubSpotWebinarPush, job.push_id)
        if row is not None:
            row.event_end_sent = ending
        auditing.record(
            session, operation, job.subjects, message=f"event {ending}", started=started
        )

    await ctx.transaction(record)


async def _audit(
    ctx: SyncContext,
    job: Job,
    operation: str,
    *,
    error: HubSpotError | None = None,
    message: str = "",
    started: float | None = None,
) -> None:
    async def work(session: AsyncSession) -> None:
        auditing.record(
            session, operation, job.subjects, error=error, message=message, started=started
        )

    await ctx.transaction(work)


async def _finish(ctx: SyncContext, job: Job, counts: Counter[str]) -> None:
    now = ctx.now()

    async def work(session: AsyncSession) -> None:
        row = await session.get(HubSpotWebinarPush, job.push_id)
        if row is None or row.lease_owner != ctx.owner:
            return
        # Asked again while this push ran: stay due, so that request is pushed too.
        row.push_due = row.due_version != job.due_version
        row.pushed_at = now
        row.counts = dict(counts)
        row.attempts = 0
        row.not_before = None
        row.last_error = None
        release(row)

    await ctx.transaction(work)


async def _stopped(ctx: SyncContext, job: Job, error: HubSpotError, counts: Counter[str]) -> None:
    now = ctx.now()

    async def work(session: AsyncSession) -> None:
        row = await session.get(HubSpotWebinarPush, job.push_id)
        if row is None or row.lease_owner != ctx.owner:
            return
        row.counts = dict(counts)
        row.attempts = (row.attempts or 0) + 1
        if isinstance(error, DailyLimitReached):
            row.not_before = error.resume_at
            row.last_error = error.user_message
        elif error.retryable:
            row.not_before = ctx.backoff.next_try(now, row.attempts)
            row.last_error = (
                f"{error.user_message} Attempt {row.attempts} failed; trying again after "
                f"{row.not_before:%Y-%m-%d %H:%M:%S} UTC."
            )
        else:  # a person must act (token, scopes, a refused event): "sync now" tries again
            row.push_due = False
            row.not_before = None
            row.last_error = error.user_message
        release(row)

    await ctx.transaction(work)
