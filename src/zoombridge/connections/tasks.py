"""The worker's side of "test access" (C2) and "fetch hosts" (C3) for a Zoom connection.

The web request only stamps `test_requested_at` / `hosts_requested_at`; the worker takes a
request by clearing that stamp with a guarded UPDATE (so two workers never run it twice), calls
Zoom, and records the outcome on the connection and in zoom_hosts / zoom_meeting_choices.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection, ZoomHost, ZoomMeetingChoice
from zoombridge.connections.scopes import missing_scopes
from zoombridge.engine import audit
from zoombridge.engine.context import SyncContext, log
from zoombridge.engine.models import Outcome
from zoombridge.engine.steps import describe
from zoombridge.zoom import WebinarPlanMissing, ZoomClient, ZoomError
from zoombridge.zoom.models import MeetingSummary, User
from zoombridge.zoom.operations import Kind

# Features without which the product cannot do its job; attendance and recordings are extras
# (the connection page lists every missing scope, from connections.scopes, either way).
REQUIRED_FEATURES = ("users", "meetings", "registrants")


def missing_required(granted: frozenset[str], *, webinars: bool) -> dict[str, list[str]]:
    """Feature -> scopes to add, for the features test access insists on."""
    required = (*REQUIRED_FEATURES, "webinars") if webinars else REQUIRED_FEATURES
    return {f: scopes for f, scopes in missing_scopes(granted).items() if f in required}


def describe_missing(missing: dict[str, list[str]]) -> str:
    parts = [f"{feature}: {', '.join(items)}" for feature, items in missing.items()]
    return (
        "The Zoom app lacks scopes: "
        + "; ".join(parts)
        + ". Add them to the Server-to-Server OAuth app in the Zoom App Marketplace and "
        "activate it again, then test access again."
    )


Request = tuple[uuid.UUID, datetime | None, datetime | None]


async def _pending_requests(ctx: SyncContext) -> list[Request]:
    """Connections with a request: (id, test requested at, hosts requested at). A request is
    cleared in the same transaction that records its outcome (`_clear`), so it is never lost
    when recording fails: it is simply run again. Two workers may both run one (both calls only
    read from Zoom); a request made meanwhile stays, for a fresh run."""

    async def work(session: AsyncSession) -> list[Request]:
        rows = await session.execute(
            select(
                ZoomConnection.id,
                ZoomConnection.test_requested_at,
                ZoomConnection.hosts_requested_at,
            ).where(
                (ZoomConnection.test_requested_at.is_not(None))
                | (ZoomConnection.hosts_requested_at.is_not(None))
            )
        )
        return [(row[0], row[1], row[2]) for row in rows]

    return await ctx.transaction(work)


async def _clear(
    session: AsyncSession, connection_id: uuid.UUID, column: str, seen: datetime
) -> bool:
    field = getattr(ZoomConnection, column)
    result = await session.execute(
        update(ZoomConnection)
        .where(ZoomConnection.id == connection_id, field == seen)
        .values({column: None})
        .returning(ZoomConnection.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def run_connection_requests(ctx: SyncContext) -> int:
    done = 0
    for connection_id, test, hosts in await _pending_requests(ctx):
        connection = await ctx.transaction(_getter(connection_id))
        if connection is None:
            continue
        if test is not None:
            try:
                await test_access(ctx, connection, test)
            except Exception as exc:  # one connection's failure must not stop the others
                log.exception("test access of connection %s failed", connection_id)
                await _record_unexpected(ctx, connection_id, "testing access", exc, test)
            done += 1
        if hosts is not None:
            try:
                await fetch_hosts(ctx, connection, hosts)
            except Exception as exc:
                log.exception("fetching the hosts of connection %s failed", connection_id)
                await _record_unexpected(ctx, connection_id, "fetching hosts", exc, None, hosts)
            done += 1
    return done


async def _record_unexpected(
    ctx: SyncContext,
    connection_id: uuid.UUID,
    doing: str,
    exc: Exception,
    test: datetime | None,
    hosts: datetime | None = None,
) -> None:
    """The failure in the connection's audit log (and, for a test, as its result)."""
    message = f"Something went wrong while {doing} ({describe(exc)}); try again."
    now = ctx.now()

    async def work(session: AsyncSession) -> None:
        row = await session.get(ZoomConnection, connection_id)
        if row is None:
            return
        audit.record(
            session,
            "connection:test" if test else "connection:hosts",
            {"connection": row.id},
            outcome=Outcome.FAILED,
            message=message,
        )
        # The request is answered (with its failure): not run again until asked again.
        if test is not None:
            await _clear(session, row.id, "test_requested_at", test)
        if hosts is not None:
            await _clear(session, row.id, "hosts_requested_at", hosts)
        if test is not None:
            row.last_tested_at = now
            row.last_test_ok = False
            row.last_test_error = message

    try:
        await ctx.transaction(work)
    except Exception:
        log.exception("could not record the failure of connection %s", connection_id)


def _getter(
    connection_id: uuid.UUID,
) -> Callable[[AsyncSession], Awaitable[ZoomConnection | None]]:
    async def get(session: AsyncSession) -> ZoomConnection | None:
        return await session.get(ZoomConnection, connection_id)

    return get


async def test_access(ctx: SyncContext, connection: ZoomConnection, requested: datetime) -> None:
    """Token (and its scopes), then one call as the credential owner."""
    zoom = await ctx.clients.client(connection)
    entries: list[tuple[str, ZoomError | None, int, str]] = []
    error_text: str | None = None
    granted: frozenset[str] | None = None
    started = time.monotonic()
    try:
        granted = await zoom.granted_scopes()
        entries.append(("oauth.token", None, _ms(started), "token granted"))
        started = time.monotonic()
        await zoom.get_user("me")
        entries.append(("user", None, _ms(started), ""))
    except ZoomError as exc:
        entries.append((exc.operation_id or "oauth.token", exc, _ms(started), ""))
        error_text = exc.user_message
    if error_text is None and granted is not None:
        missing = missing_required(granted, webinars=connection.webinar_addon)
        if missing:
            error_text = describe_missing(missing)
    now = ctx.now()

    async def record(session: AsyncSession) -> None:
        row = await session.get(ZoomConnection, connection.id)
        if row is None:
            return
        for operation, error, ms, message in entries:
            audit.record(
                session,
                operation,
                {"connection": row.id},
                error=error,
                message=message,
                duration_ms=ms,
            )
        await _clear(session, row.id, "test_requested_at", requested)
        row.last_tested_at = now
        row.last_test_ok = error_text is None
        row.last_test_error = error_text
        if granted is not None:
            row.granted_scopes = " ".join(sorted(granted))

    await ctx.transaction(record)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


async def fetch_hosts(ctx: SyncContext, connection: ZoomConnection, requested: datetime) -> None:
    """Users of the account -> zoom_hosts; the picker hosts' meetings -> zoom_meeting_choices."""
    zoom = await ctx.clients.client(connection)
    started = time.monotonic()
    users: list[User] = []
    error: ZoomError | None = None
    try:
        users = [u async for u in zoom.list_users()]
    except ZoomError as exc:
        error = exc
    listed_ms = _ms(started)
    if error is not None:
        await _record_hosts_failure(ctx, connection, error, listed_ms, requested)
        return
    now = ctx.now()
    picker_ids = await _picker_hosts(ctx, connection, users, zoom)
    choices: dict[str, list[tuple[Kind, MeetingSummary]]] = {}
    notes: list[tuple[str, ZoomError | None, int]] = [("users", None, listed_ms)]
    for user_id in picker_ids:
        kinds: list[Kind] = ["meeting", "webinar"] if connection.webinar_addon else ["meeting"]
        found: list[tuple[Kind, MeetingSummary]] = []
        for kind in kinds:
            started = time.monotonic()
            try:
                found.extend([(kind, m) async for m in zoom.list_meetings(kind, user_id)])
                notes.append((f"{kind}s", None, _ms(started)))
            except WebinarPlanMissing as exc:  # this host has no webinar licence: no webinars
                notes.append((f"{kind}s", exc, _ms(started)))
            except ZoomError as exc:
                notes.append((f"{kind}s", exc, _ms(started)))
        choices[user_id] = found

    async def record(session: AsyncSession) -> None:
        row = await session.get(ZoomConnection, connection.id)
        if row is None:
            return
        for operation, err, ms in notes:
            audit.record(session, operation, {"connection": row.id}, error=err, duration_ms=ms)
        existing = {
            h.zoom_user_id: h
            for h in await session.scalars(select(ZoomHost).where(ZoomHost.connection_id == row.id))
        }
        for user in users:
            host = existing.pop(user.id, None)
            if host is None:
                host = ZoomHost(connection_id=row.id, zoom_user_id=user.id)
                session.add(host)
            host.email = (user.email or "").lower()
            host.first_name = (user.first_name or "")[:64]
            host.last_name = (user.last_name or "")[:64]
            host.user_type = user.type
            host.status = user.status
            host.fetched_at = now
        for gone in existing.values():
            await session.delete(gone)
        for user_id, found in choices.items():
            await session.execute(
                delete(ZoomMeetingChoice).where(
                    ZoomMeetingChoice.connection_id == row.id,
                    ZoomMeetingChoice.zoom_user_id == user_id,
                )
            )
            seen: set[int] = set()
            for kind, m in found:
                if m.id in seen:
                    continue
                seen.add(m.id)
                session.add(
                    ZoomMeetingChoice(
                        connection_id=row.id,
                        zoom_user_id=user_id,
                        kind=kind,
                        zoom_meeting_id=m.id,
                        zoom_type=m.type,
                        topic=(m.topic or "")[:255],
                        start_time=m.start_time,
                        duration=m.duration,
                        timezone=m.timezone,
                        fetched_at=now,
                    )
                )
        await _clear(session, row.id, "hosts_requested_at", requested)
        row.hosts_fetched_at = now

    await ctx.transaction(record)


async def _picker_hosts(
    ctx: SyncContext, connection: ZoomConnection, users: list[User], zoom: ZoomClient
) -> list[str]:
    """C3: the credential owner's id, or the ids of the hosts chosen for the pickers."""
    if connection.picker_hosts != "selected":
        try:
            return [(await zoom.get_user("me")).id]
        except ZoomError:
            return []

    async def work(session: AsyncSession) -> list[str]:
        rows = await session.scalars(
            select(ZoomHost.zoom_user_id).where(
                ZoomHost.connection_id == connection.id, ZoomHost.shown_in_pickers.is_(True)
            )
        )
        return list(rows)

    chosen = set(await ctx.transaction(work))
    return [u.id for u in users if u.id in chosen]


async def _record_hosts_failure(
    ctx: SyncContext, connection: ZoomConnection, error: ZoomError, ms: int, requested: datetime
) -> None:
    async def record(session: AsyncSession) -> None:
        await _clear(session, connection.id, "hosts_requested_at", requested)
        row = await session.get(ZoomConnection, connection.id)
        if row is None:
            return
        audit.record(session, "users", {"connection": row.id}, error=error, duration_ms=ms)
        row.last_test_ok = False
        row.last_test_error = f"Fetching hosts failed: {error.user_message}"

    await ctx.transaction(record)
