"""The worker step that sends register requests (H9) to Zoom, grouped by webinar.

Per webinar with requests due, what Zoom will refuse is read fresh first (the host, alternative
hosts, panelists, the registration form: three calls for all of its requests): a request for one
of them is
refused with the seed's message "The webinar host cannot register for the webinar", one for a
form asking more than first name, last name and email is refused naming the fields; neither
is sent. The others are registered one by one (first name, last name, email): Zoom's answer is
the contact's registration (how: workflow action) on its timeline, and its properties follow.

Zoom allows 3 registration requests per registrant, webinar and UTC day: each request is
counted on the row before it is sent, and a row at 3 waits for midnight UTC.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection
from zoombridge.contacts.models import (
    ContactRegisterRequest,
    ContactRegistration,
    ContactWebinar,
    RegistrationHow,
    RegistrationStatus,
    RequestState,
)
from zoombridge.contacts.service import properties
from zoombridge.contacts.service.register import HOST_REFUSAL, refusal
from zoombridge.contacts.service.store import upsert
from zoombridge.contacts.tasks.facts import apply_facts, read_facts, subjects_of
from zoombridge.engine import audit
from zoombridge.engine.claims import claim, release
from zoombridge.engine.context import SyncContext
from zoombridge.engine.outcomes import Verdict, classify, defer, fail, schedule_retry, succeed
from zoombridge.engine.steps import guard
from zoombridge.zoom import (
    DailyLimitReached,
    HostCannotRegister,
    MeetingNotFound,
    RegistrantCreate,
    ValidationFailed,
    ZoomClient,
    ZoomError,
)
from zoombridge.zoom.daily_caps import next_utc_midnight
from zoombridge.zoom.models import RegistrationResult
from zoombridge.zoom.plans import REGISTRATIONS_PER_REGISTRANT_PER_DAY

CLAIM = 60
OPEN = (RequestState.PENDING, RequestState.DEFERRED)


async def send_due_requests(ctx: SyncContext) -> int:
    ids = await ctx.transaction(
        lambda session: claim(
            session,
            ContactRegisterRequest,
            [ContactRegisterRequest.state.in_(OPEN)],
            owner=ctx.owner,
            now=ctx.now(),
            lease=ctx.lease,
            limit=CLAIM,
            order_by=[ContactRegisterRequest.created_at],
        )
    )
    if not ids:
        return 0

    async def groups(session: AsyncSession) -> dict[uuid.UUID, list[uuid.UUID]]:
        found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        rows = await session.execute(
            select(ContactRegisterRequest.webinar_id, ContactRegisterRequest.id).where(
                ContactRegisterRequest.id.in_(ids)
            )
        )
        for webinar_id, request_id in rows:
            found[webinar_id].append(request_id)
        return found

    for webinar_id, request_ids in (await ctx.transaction(groups)).items():
        await guard(
            ctx,
            ContactRegisterRequest,
            request_ids,
            lambda w=webinar_id, r=request_ids: _webinar(ctx, w, r),  # type: ignore[misc]
            doing="reading the webinar before registering contacts to it",
            give_up=_give_up,
        )
    return len(ids)


def _give_up(row: ContactRegisterRequest, message: str) -> None:
    fail(row, message)
    row.state = RequestState.FAILED


@dataclass(frozen=True)
class _Webinar:
    id: uuid.UUID
    zoom_webinar_id: int
    connection: ZoomConnection
    row: ContactWebinar  # detached snapshot: what refusal() reads


async def _load(ctx: SyncContext, webinar_id: uuid.UUID) -> _Webinar:
    async def work(session: AsyncSession) -> _Webinar:
        webinar = await session.get(ContactWebinar, webinar_id)
        assert webinar is not None  # requests go with their webinar (cascade)
        connection = await session.get(ZoomConnection, webinar.connection_id)
        assert connection is not None
        return _Webinar(webinar.id, webinar.zoom_webinar_id, connection, webinar)

    return await ctx.transaction(work)


async def _webinar(ctx: SyncContext, webinar_id: uuid.UUID, request_ids: list[uuid.UUID]) -> None:
    webinar = await _load(ctx, webinar_id)
    zoom = await ctx.clients.client(webinar.connection)
    subjects = subjects_of(webinar.connection.id, webinar.id)
    try:
        facts = await read_facts(ctx, zoom, webinar.zoom_webinar_id, subjects)
    except ZoomError as error:
        failure = error

        async def record(session: AsyncSession) -> None:
            await _record_all(ctx, session, request_ids, failure)

        await ctx.transaction(record)
        return

    async def store(session: AsyncSession) -> ContactWebinar:
        row = await session.get(ContactWebinar, webinar.id)
        assert row is not None
        apply_facts(row, facts, ctx.now())
        return row

    webinar = _Webinar(
        webinar.id, webinar.zoom_webinar_id, webinar.connection, await ctx.transaction(store)
    )
    for request_id in request_ids:  # one bad request stops alone
        await guard(
            ctx,
            ContactRegisterRequest,
            [request_id],
            lambda r=request_id: _one(ctx, zoom, webinar, r),  # type: ignore[misc]
            doing="registering a contact to a webinar",
            give_up=_give_up,
        )


async def _record_all(
    ctx: SyncContext, session: AsyncSession, ids: list[uuid.UUID], error: ZoomError
) -> None:
    for request_id in ids:
        row = await session.get(ContactRegisterRequest, request_id)
        if row is not None and row.lease_owner == ctx.owner:
            _outcome(ctx, row, error)


def _outcome(ctx: SyncContext, row: ContactRegisterRequest, error: ZoomError) -> None:
    release(row)
    if isinstance(error, HostCannotRegister):
        fail(row, HOST_REFUSAL)
        row.state = RequestState.REFUSED
        return
    if isinstance(error, MeetingNotFound):
        fail(row, f"Not registered: {error.user_message}")
        row.state = RequestState.FAILED
        return
    if isinstance(error, ValidationFailed) and error.field_errors:
        fields = "; ".join(f"{f.field}: {f.message}" for f in error.field_errors)
        fail(row, f"Zoom refused the registration ({fields}).")
        row.state = RequestState.FAILED
        return
    verdict = classify(error)
    if verdict == Verdict.RETRY:
        schedule_retry(row, error, ctx.now(), ctx.backoff)
    elif verdict == Verdict.DEFERRED and isinstance(error, DailyLimitReached):
        defer(row, error)
        row.state = RequestState.DEFERRED
    else:
        fail(row, f"Not registered: {error.user_message}")
        row.state = RequestState.FAILED


def _today(now: datetime) -> str:
    return now.date().isoformat()


async def _prepare(
    ctx: SyncContext, session: AsyncSession, webinar: _Webinar, request_id: uuid.UUID
) -> ContactRegisterRequest | None:
    """The request, counted, when it is to be sent now; else its outcome is written."""
    row = await session.get(ContactRegisterRequest, request_id)
    if row is None or row.lease_owner != ctx.owner:
        return None
    now = ctx.now()
    refused = refusal(webinar.row, row.email)
    if refused is not None:
        release(row)
        fail(row, refused[1])
        row.state = RequestState.REFUSED
        return None
    if row.zoom_requests_day != _today(now):
        row.zoom_requests_day, row.zoom_requests = _today(now), 0
    if row.zoom_requests >= REGISTRATIONS_PER_REGISTRANT_PER_DAY:
        release(row)
        row.state = RequestState.DEFERRED
        row.not_before = next_utc_midnight(now)
        row.last_error = (
            f"Zoom allows {REGISTRATIONS_PER_REGISTRANT_PER_DAY} registration requests a day "
            f"per person and webinar: resumes at {row.not_before:%Y-%m-%d %H:%M} UTC."
        )
        return None
    row.zoom_requests += 1  # counted (and committed) before it is sent
    row.lease_expires_at = now + ctx.lease
    return row


async def _one(
    ctx: SyncContext, zoom: ZoomClient, webinar: _Webinar, request_id: uuid.UUID
) -> None:
    row = await ctx.transaction(lambda s: _prepare(ctx, s, webinar, request_id))
    if row is None:
        return
    body = RegistrantCreate(
        email=row.email, first_name=row.first_name, last_name=row.last_name or None
    )
    started = time.monotonic()
    result: RegistrationResult | None = None
    error: ZoomError | None = None
    try:
        result = await zoom.add_registrant("webinar", webinar.zoom_webinar_id, body)
    except ZoomError as exc:
        error = exc
    ms = int((time.monotonic() - started) * 1000)

    async def record(session: AsyncSession) -> None:
        audit.record(
            session,
            "webinarRegistrantCreate",
            {
                "connection": webinar.connection.id,
                "webinar": webinar.id,
                "contact": row.contact_id,
                "register_request": row.id,
            },
            error=error,
            message=f"Registered {row.email} to the webinar." if error is None else "",
            duration_ms=ms,
        )
        current = await session.get(ContactRegisterRequest, row.id)
        if current is None or current.lease_owner != ctx.owner:
            return
        if error is not None:
            _outcome(ctx, current, error)
            return
        assert result is not None
        now = ctx.now()
        release(current)
        succeed(current)
        current.state, current.registered_at = RequestState.REGISTERED, now
        current.zoom_registrant_id, current.join_url = result.registrant_id, result.join_url
        await upsert(
            session,
            ContactRegistration,
            [
                {
                    "id": uuid.uuid4(),
                    "webinar_id": webinar.id,
                    "contact_id": current.contact_id,
                    "email": current.email,
                    "registrant_id": result.registrant_id,
                    "status": RegistrationStatus.REGISTERED,
                    "how": RegistrationHow.WORKFLOW,
                    "registered_at": now,
                    "cancelled_at": None,
                    "join_url": result.join_url,
                    "seen_sync_id": None,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
            ["webinar_id", "email"],
            ["contact_id", "registrant_id", "status", "cancelled_at", "join_url", "updated_at"],
        )
        await properties.recompute(session, [current.contact_id])

    await ctx.transaction(record)
