"""The worker step that lists, per Zoom connection in scope, the account's users and the
webinars of the hosts whose webinars are synced (H2), every 15 minutes and when the settings
change.

Users are all listed (they are the "Zoom account users" who never become contacts, and the
hosts one can select). Webinars are listed per host in scope (all hosts, or the selected ones),
whoever created them: a webinar seen for the first time gets the host's "sync newly scheduled
webinars by default" as its switch and is due for its first sync; one whose time changed is due
again. A host Zoom refuses webinars for (no webinar licence) is skipped, with its audit entry.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection
from zoombridge.contacts import emails
from zoombridge.contacts.exclusions import settings_row
from zoombridge.contacts.models import ContactConnection, ContactHost, ContactWebinar, HostsMode
from zoombridge.contacts.service.resolve import clean_name
from zoombridge.engine import audit
from zoombridge.engine.claims import claim, release
from zoombridge.engine.context import SyncContext
from zoombridge.engine.outcomes import Verdict, classify, defer, fail, schedule_retry, succeed
from zoombridge.engine.steps import guard
from zoombridge.events.models import LinkMode, MeetingLink
from zoombridge.zoom import (
    DailyLimitReached,
    NoPermission,
    UserNotFound,
    WebinarPlanMissing,
    ZoomClient,
    ZoomError,
)
from zoombridge.zoom.models import MeetingSummary, User

T = TypeVar("T")
LIST_EVERY = timedelta(minutes=15)
CLAIM = 5


async def list_due_connections(ctx: SyncContext) -> int:
    ids = await ctx.transaction(
        lambda session: claim(
            session,
            ContactConnection,
            [],
            owner=ctx.owner,
            now=ctx.now(),
            lease=ctx.lease,
            limit=CLAIM,
        )
    )
    for scope_id in ids:
        await guard(
            ctx,
            ContactConnection,
            [scope_id],
            lambda scope_id=scope_id: _list(ctx, scope_id),  # type: ignore[misc]
            doing="listing the Zoom users and webinars",
        )
    return len(ids)


async def _load(
    ctx: SyncContext, scope_id: uuid.UUID
) -> tuple[ContactConnection, ZoomConnection] | None:
    async def work(session: AsyncSession) -> tuple[ContactConnection, ZoomConnection] | None:
        scope = await session.get(ContactConnection, scope_id)
        if scope is None or scope.lease_owner != ctx.owner:
            return None
        settings = await settings_row(session)
        if not settings.sync_webinars or scope.hosts_mode is HostsMode.NONE:
            release(scope)
            succeed(scope)
            scope.not_before = ctx.now() + LIST_EVERY  # nothing in scope: look again later
            return None
        connection = await session.get(ZoomConnection, scope.connection_id)
        assert connection is not None
        return scope, connection

    return await ctx.transaction(work)


async def _list(ctx: SyncContext, scope_id: uuid.UUID) -> None:
    loaded = await _load(ctx, scope_id)
    if loaded is None:
        return
    scope, connection = loaded
    zoom = await ctx.clients.client(connection)
    subjects: audit.Subjects = {"connection": connection.id}
    try:
        users = await _timed(ctx, subjects, "users", zoom, _users)
        await ctx.transaction(lambda s: _store_users(s, connection.id, users, ctx.now()))
        hosts = await ctx.transaction(lambda s: _hosts_in_scope(s, connection.id, scope.hosts_mode))
        for host_id, zoom_user_id in hosts:
            try:
                listed = await _timed(
                    ctx,
                    subjects,
                    "webinars",
                    zoom,
                    partial(_webinars, user_id=zoom_user_id),
                )
            except (WebinarPlanMissing, NoPermission, UserNotFound):
                continue  # this host cannot hold webinars (its audit entry says why)
            await _store(ctx, connection.id, host_id, listed)
    except ZoomError as error:
        failure = error

        async def record(session: AsyncSession) -> None:
            await _record_failure(ctx, session, scope_id, failure)

        await ctx.transaction(record)
        return

    async def done(session: AsyncSession) -> None:
        row = await session.get(ContactConnection, scope_id)
        if row is None or row.lease_owner != ctx.owner:
            return
        release(row)
        succeed(row)
        row.listed_at = ctx.now()
        row.not_before = ctx.now() + LIST_EVERY

    await ctx.transaction(done)


async def _store(
    ctx: SyncContext, connection_id: uuid.UUID, host_id: uuid.UUID, listed: list[MeetingSummary]
) -> None:
    async def work(session: AsyncSession) -> None:
        await _store_webinars(session, connection_id, host_id, listed, ctx.now())

    await ctx.transaction(work)


async def _users(zoom: ZoomClient) -> list[User]:
    return [u async for u in zoom.list_users()]


async def _webinars(zoom: ZoomClient, user_id: str) -> list[MeetingSummary]:
    return [m async for m in zoom.list_meetings("webinar", user_id)]


async def _timed(
    ctx: SyncContext,
    subjects: audit.Subjects,
    operation: str,
    zoom: ZoomClient,
    call: Callable[[ZoomClient], Awaitable[list[T]]],
) -> list[T]:
    """`call(zoom)` with its audit entry (one per listing, `items` = rows listed)."""
    started = time.monotonic()
    error: ZoomError | None = None
    found: list[T] = []
    try:
        found = await call(zoom)
        return found
    except ZoomError as exc:
        error = exc
        raise
    finally:
        ms = int((time.monotonic() - started) * 1000)

        async def work(session: AsyncSession) -> None:
            audit.record(
                session,
                operation,
                subjects,
                error=error,
                message=f"Contacts: {len(found)} {operation} listed.",
                items=len(found),
                duration_ms=ms,
            )

        await ctx.transaction(work)


async def _store_users(
    session: AsyncSession, connection_id: uuid.UUID, users: list[User], now: datetime
) -> None:
    known = {
        h.zoom_user_id: h
        for h in await session.scalars(
            select(ContactHost).where(ContactHost.connection_id == connection_id)
        )
    }
    for user in users:
        host = known.pop(user.id, None)
        if host is None:
            host = ContactHost(connection_id=connection_id, zoom_user_id=user.id[:64])
            session.add(host)
        host.email = emails.normalize(user.email)[:255]
        host.first_name = clean_name(user.first_name)
        host.last_name = clean_name(user.last_name)
        host.user_type = user.type
        host.gone = False
    for host in known.values():
        host.gone = True


async def _hosts_in_scope(
    session: AsyncSession, connection_id: uuid.UUID, mode: HostsMode
) -> list[tuple[uuid.UUID, str]]:
    query = select(ContactHost.id, ContactHost.zoom_user_id).where(
        ContactHost.connection_id == connection_id, ContactHost.gone.is_(False)
    )
    if mode is HostsMode.SELECTED:
        query = query.where(ContactHost.selected.is_(True))
    return [(h, u) for h, u in (await session.execute(query.order_by(ContactHost.email)))]


async def _store_webinars(
    session: AsyncSession,
    connection_id: uuid.UUID,
    host_id: uuid.UUID,
    listed: list[MeetingSummary],
    now: datetime,
) -> None:
    host = await session.get(ContactHost, host_id)
    if host is None:
        return
    known = {
        w.zoom_webinar_id: w
        for w in await session.scalars(
            select(ContactWebinar).where(
                ContactWebinar.connection_id == connection_id,
                ContactWebinar.zoom_webinar_id.in_([m.id for m in listed]),
            )
        )
    }
    for item in listed:
        webinar = known.get(item.id)
        if webinar is None:
            ours = await session.scalar(
                select(
                    exists().where(
                        MeetingLink.zoom_meeting_id == item.id,
                        MeetingLink.mode == LinkMode.CREATED,
                    )
                )
            )
            webinar = ContactWebinar(
                connection_id=connection_id,
                zoom_webinar_id=item.id,
                created_by_zoombridge=bool(ours),
                sync_enabled=host.sync_new_by_default,
                sync_due=True,
                sync_trigger="listed",
            )
            session.add(webinar)
        elif item.start_time is not None and item.start_time != webinar.start_at:
            webinar.sync_due, webinar.sync_trigger, webinar.not_before = True, "rescheduled", None
        webinar.host_id = host.id
        webinar.host_email = host.email
        webinar.zoom_type = item.type
        webinar.topic = (item.topic or "")[:255]
        webinar.start_at = item.start_time
        webinar.duration_minutes = item.duration or webinar.duration_minutes or 60
        webinar.timezone = item.timezone
        webinar.join_url = item.join_url or webinar.join_url
        webinar.listed_at = now
    await session.execute(
        update(ContactConnection)
        .where(ContactConnection.connection_id == connection_id)
        .values(listed_at=now)
        .execution_options(synchronize_session=False)
    )


async def _record_failure(
    ctx: SyncContext, session: AsyncSession, scope_id: uuid.UUID, error: ZoomError
) -> None:
    scope = await session.get(ContactConnection, scope_id)
    if scope is None or scope.lease_owner != ctx.owner:
        return
    release(scope)
    verdict = classify(error)
    if verdict == Verdict.RETRY:
        schedule_retry(scope, error, ctx.now(), ctx.backoff)
    elif verdict == Verdict.DEFERRED and isinstance(error, DailyLimitReached):
        defer(scope, error)
    else:
        fail(scope, f"Webinars not listed: {error.user_message}")
        scope.not_before = ctx.now() + LIST_EVERY
