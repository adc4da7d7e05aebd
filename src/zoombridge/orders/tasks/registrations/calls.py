"""The Zoom calls for one batch of registrations: counted before they are sent (Zoom's 3 requests
per registrant and day), sent, and their outcome recorded on each row."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection
from zoombridge.engine import audit, outcomes
from zoombridge.engine.claims import release
from zoombridge.engine.context import SyncContext
from zoombridge.engine.outcomes import Verdict
from zoombridge.orders.models import Registration, RegistrationState, RegistrationWant
from zoombridge.zoom import (
    BatchRegistrantBody,
    DailyLimitReached,
    HostCannotRegister,
    RegistrantCreate,
    RegistrantRef,
    ValidationFailed,
    ZoomError,
)
from zoombridge.zoom.daily_caps import next_utc_midnight
from zoombridge.zoom.models import BatchRegistrant
from zoombridge.zoom.operations import Kind

MAX_BATCH = 30


PER_REGISTRANT_PER_DAY = 3


OPEN = (RegistrationState.PENDING, RegistrationState.DEFERRED)


# Refusals of a whole batch caused by one registrant in it (a bad field, the host's own email):
# the batch is split so the others go through and only that row stops.
_ONE_BAD_REGISTRANT = (ValidationFailed, HostCannotRegister)


@dataclass(frozen=True)
class Link:
    id: uuid.UUID
    event_id: uuid.UUID | None
    connection: ZoomConnection
    kind: Kind
    meeting_id: int
    recurring: bool
    occurrence_ids: tuple[str, ...]
    confirmation_email: bool | None


def _today(now: datetime) -> str:
    return now.date().isoformat()


async def cancel_without_call(ctx: SyncContext, ids: list[uuid.UUID]) -> None:
    async def work(session: AsyncSession) -> None:
        for row in await _held(session, ctx, ids):
            if row.want is RegistrationWant.CANCELLED:
                row.state = RegistrationState.CANCELLED
                outcomes.succeed(row)
            release(row)

    await ctx.transaction(work)


async def _held(
    session: AsyncSession, ctx: SyncContext, ids: list[uuid.UUID]
) -> list[Registration]:
    found = await session.scalars(
        select(Registration)
        .where(Registration.id.in_(ids), Registration.lease_owner == ctx.owner)
        .order_by(Registration.created_at)
    )
    return list(found)


def _body(row: Registration) -> BatchRegistrantBody:
    first = row.first_name.strip() or row.email.split("@")[0]
    return BatchRegistrantBody(email=row.email, first_name=first, last_name=row.last_name or None)


async def _prepare_registrations(
    ctx: SyncContext, ids: list[uuid.UUID]
) -> list[tuple[uuid.UUID, BatchRegistrantBody]]:
    """Count the request in each row (committed before sending); rows that may be sent."""
    now = ctx.now()
    today = _today(now)

    async def work(session: AsyncSession) -> list[tuple[uuid.UUID, BatchRegistrantBody]]:
        send: list[tuple[uuid.UUID, BatchRegistrantBody]] = []
        for row in await _held(session, ctx, ids):
            if row.want is not RegistrationWant.REGISTERED or row.state not in OPEN:
                release(row)
                continue
            try:
                body = _body(row)
            except ValidationError as exc:
                row.state = RegistrationState.FAILED
                problems = "; ".join(str(e["msg"]) for e in exc.errors())
                outcomes.fail(row, f"This attendee cannot be registered on Zoom: {problems}.")
                release(row)
                continue
            if row.zoom_requests_day != today:
                row.zoom_requests_day = today
                row.zoom_requests = 0
            if row.zoom_requests >= PER_REGISTRANT_PER_DAY:
                resume = next_utc_midnight(now)
                row.state = RegistrationState.DEFERRED
                row.not_before = resume
                row.last_error = (
                    f"Zoom allows {PER_REGISTRANT_PER_DAY} registration requests per person "
                    f"and meeting a day, all used today: tried again at {resume:%Y-%m-%d %H:%M} "
                    "UTC."
                )
                release(row)
                continue
            row.zoom_requests += 1
            row.lease_expires_at = now + ctx.lease  # renewed for the call
            send.append((row.id, body))
        return send

    # Shared with the other batches in flight: one turn at the write lock for many calls.
    return await ctx.shared_transaction(work)


async def register_batch(ctx: SyncContext, link: Link, ids: list[uuid.UUID]) -> None:
    send = await _prepare_registrations(ctx, ids)
    if not send:
        return
    zoom = await ctx.clients.client(link.connection)
    started = time.monotonic()
    answered: dict[str, BatchRegistrant] = {}
    skipped: set[str] = set()
    error: ZoomError | None = None
    operation: str
    try:
        if link.recurring:
            operation = f"{link.kind}RegistrantCreate"
            (row_id, body) = send[0]
            result = await zoom.add_registrant(
                link.kind,
                link.meeting_id,
                RegistrantCreate(
                    email=body.email,
                    first_name=body.first_name,
                    last_name=body.last_name,
                    auto_approve=True,
                ),
                occurrence_ids=list(link.occurrence_ids),
            )
            answered[str(body.email).lower()] = BatchRegistrant(
                email=str(body.email), registrant_id=result.registrant_id, join_url=result.join_url
            )
        else:
            operation = (
                "addBatchRegistrants" if link.kind == "meeting" else ("addBatchWebinarRegistrants")
            )
            batch = await zoom.add_registrants_batch(
                link.kind,
                link.meeting_id,
                [body for _, body in send],
                auto_approve=True,
                registrants_confirmation_email=link.confirmation_email,
                on_capped="skip",
            )
            answered = {r.email.lower(): r for r in batch.registrants}
            skipped = {e.lower() for e in batch.skipped_at_cap}
    except ZoomError as exc:
        error = exc
    duration = int((time.monotonic() - started) * 1000)
    if error is not None and len(send) > 1 and isinstance(error, _ONE_BAD_REGISTRANT):
        # One bad registrant refuses the whole batch: find which by sending them one by one.
        await _record_registrations(
            ctx, link, send, operation, duration, {}, set(), error, split=True
        )
        for row_id, _ in send:
            await register_batch(ctx, link, [row_id])
        return
    await _record_registrations(ctx, link, send, operation, duration, answered, skipped, error)


async def _record_registrations(
    ctx: SyncContext,
    link: Link,
    send: list[tuple[uuid.UUID, BatchRegistrantBody]],
    operation: str,
    duration_ms: int,
    answered: dict[str, BatchRegistrant],
    skipped: set[str],
    error: ZoomError | None,
    *,
    split: bool = False,
) -> None:
    now = ctx.now()

    async def work(session: AsyncSession) -> None:
        concerns = {
            "connection": link.connection.id,
            "event": link.event_id,
            "link": link.id,
            "registration": send[0][0] if len(send) == 1 else None,
        }
        audit.record(
            session,
            operation,
            concerns,
            error=error,
            message=f"{len(answered)} registered" if error is None else "",
            items=len(send),
            duration_ms=duration_ms,
        )
        if split:
            return  # the rows stay leased: each is sent alone right after
        for row in await _held(session, ctx, [row_id for row_id, _ in send]):
            release(row)
            got = answered.get(row.email.lower())
            if got is not None and got.registrant_id:
                row.zoom_registrant_id = got.registrant_id
                row.join_url = got.join_url
                row.confirmed_at = now
                outcomes.succeed(row)
                # Still wanted? (want may have flipped while we called: then another pass.)
                row.state = (
                    RegistrationState.REGISTERED
                    if row.want is RegistrationWant.REGISTERED
                    else RegistrationState.PENDING
                )
                continue
            if error is None:
                if row.email.lower() in skipped:
                    resume = next_utc_midnight(now)
                    row.state = RegistrationState.DEFERRED
                    row.not_before = resume
                    row.last_error = (
                        "Zoom's daily limit of registration requests for this person is used "
                        f"up: tried again at {resume:%Y-%m-%d %H:%M} UTC."
                    )
                else:
                    row.state = RegistrationState.PENDING
                    row.last_error = "Zoom's answer did not list this registrant; asked again."
                continue
            _apply_error(row, error, now, ctx)

    await ctx.shared_transaction(work)  # with the other answers that came meanwhile


def _apply_error(row: Registration, error: ZoomError, now: datetime, ctx: SyncContext) -> None:
    verdict = outcomes.classify(error)
    if verdict == Verdict.DEFERRED:
        assert isinstance(error, DailyLimitReached)
        capped = {k.lower() for k in error.capped_keys}
        if capped and row.email.lower() not in capped and row.zoom_registrant_id is None:
            row.state = RegistrationState.PENDING  # not this one's cap: next pass
            return
        row.state = RegistrationState.DEFERRED
        outcomes.defer(row, error)
    elif verdict == Verdict.RETRY:
        row.state = RegistrationState.PENDING
        outcomes.schedule_retry(row, error, now, ctx.backoff)
    else:
        row.state = RegistrationState.FAILED
        outcomes.fail(row, error.user_message)


async def cancel_batch(ctx: SyncContext, link: Link, ids: list[uuid.UUID]) -> None:
    now = ctx.now()

    async def prepare(session: AsyncSession) -> list[tuple[uuid.UUID, RegistrantRef]]:
        refs: list[tuple[uuid.UUID, RegistrantRef]] = []
        for row in await _held(session, ctx, ids):
            if row.want is not RegistrationWant.CANCELLED or row.state not in OPEN:
                release(row)
                continue
            row.lease_expires_at = now + ctx.lease
            ref = (
                RegistrantRef(id=row.zoom_registrant_id)
                if row.zoom_registrant_id
                else RegistrantRef(email=row.email)
            )
            refs.append((row.id, ref))
        return refs

    refs = await ctx.transaction(prepare)
    if not refs:
        return
    zoom = await ctx.clients.client(link.connection)
    started = time.monotonic()
    error: ZoomError | None = None
    try:
        await zoom.update_registrant_status(
            link.kind, link.meeting_id, "cancel", [ref for _, ref in refs]
        )
    except ZoomError as exc:
        error = exc
    duration = int((time.monotonic() - started) * 1000)
    done_at = ctx.now()

    async def record(session: AsyncSession) -> None:
        audit.record(
            session,
            f"{link.kind}RegistrantStatus",
            {
                "connection": link.connection.id,
                "event": link.event_id,
                "link": link.id,
                "registration": refs[0][0] if len(refs) == 1 else None,
            },
            error=error,
            message=f"{len(refs)} cancelled" if error is None else "",
            items=len(refs),
            duration_ms=duration,
        )
        for row in await _held(session, ctx, [row_id for row_id, _ in refs]):
            release(row)
            if error is not None:
                _apply_error(row, error, done_at, ctx)
                continue
            outcomes.succeed(row)
            row.confirmed_at = done_at
            row.state = (
                RegistrationState.CANCELLED
                if row.want is RegistrationWant.CANCELLED
                else RegistrationState.PENDING
            )

    await ctx.transaction(record)
