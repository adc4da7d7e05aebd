"""The registrations step: due rows claimed in rounds, loaded per meeting link, cut into
batches and sent, a few batches at once; one batch that fails is recorded on its own rows."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection
from zoombridge.db.base import utc_now
from zoombridge.engine import outcomes
from zoombridge.engine.claims import claim, release_ids
from zoombridge.engine.context import SyncContext
from zoombridge.engine.steps import MAX_ROUNDS, guard, hand_back, record_unexpected
from zoombridge.events.models import Event, LinkMode, LinkState, LinkWant, MeetingLink
from zoombridge.events.tasks.links import RECURRING_TYPES, zoom_kind
from zoombridge.orders.models import Registration, RegistrationState, RegistrationWant
from zoombridge.orders.tasks.registrations.calls import (
    MAX_BATCH,
    OPEN,
    Link,
    cancel_batch,
    cancel_without_call,
    register_batch,
)


@dataclass(frozen=True)
class _Row:
    id: uuid.UUID
    want: RegistrationWant
    has_registrant: bool
    maybe_in_zoom: bool
    created_at: datetime


# A part-filled batch waits for rows still arriving at most this many times the fill wait
# (counted from its oldest row), then goes as it is.
FILL_WAIT_BOUND = 4


async def claim_registrations(ctx: SyncContext, limit: int = 600) -> list[uuid.UUID]:
    now = ctx.now()
    ready_links = select(MeetingLink.id).where(
        MeetingLink.zoom_meeting_id.is_not(None),
        MeetingLink.want == LinkWant.PRESENT,
        MeetingLink.state != LinkState.DELETED,
    )
    # A meeting the organiser linked (not ours) that the event let go of stays in Zoom: the
    # registrants zoombridge added to it are cancelled there.
    released_linked = select(MeetingLink.id).where(
        MeetingLink.zoom_meeting_id.is_not(None),
        MeetingLink.want == LinkWant.ABSENT,
        MeetingLink.mode == LinkMode.LINKED,
    )

    async def work(session: AsyncSession) -> list[uuid.UUID]:
        return await claim(
            session,
            Registration,
            [
                Registration.state.in_(OPEN),
                or_(
                    Registration.link_id.in_(ready_links),
                    and_(
                        Registration.link_id.in_(released_linked),
                        Registration.want == RegistrationWant.CANCELLED,
                    ),
                ),
            ],
            owner=ctx.owner,
            now=now,
            lease=ctx.lease,
            limit=limit,
            order_by=[Registration.link_id, Registration.created_at],
        )

    # A poll: on SQLite it takes the write lock only when it finds rows to lease.
    return await ctx.transaction(work, reads_first=True)


async def sync_due_registrations(ctx: SyncContext) -> int:
    """The step: rounds of claimed registrations, pipelined — the next round is claimed and
    started while the previous one's calls are still in flight (at most two rounds at once), so
    Zoom is kept busy across rounds. Claims skip leased rows, so the rounds never share a row."""
    done = await ctx.transaction(fail_on_gone_meetings, reads_first=True)
    seen: set[uuid.UUID] = set()
    running: list[asyncio.Task[int]] = []
    held: list[uuid.UUID] = []  # part-filled batches handed back to fill up
    try:
        for _ in range(MAX_ROUNDS):
            claimed = await claim_registrations(ctx, limit=ctx.claim_size)
            fresh = [i for i in claimed if i not in seen]
            if not fresh:
                # Ours again in the same pass: hand them back for the next one.
                await hand_back(ctx, Registration, claimed)
                if ctx.batch_fill_wait > 0:
                    while running:  # the rounds in flight may still hand a batch back
                        done += await running.pop(0)
                if not held:
                    break
                # A batch is filling: give the rows still arriving a moment, then look again.
                seen.difference_update(held)
                held.clear()
                await asyncio.sleep(ctx.batch_fill_wait / 2)
                continue
            seen.update(fresh)
            running.append(asyncio.create_task(sync_registrations(ctx, claimed, held)))
            if len(running) > 1:
                done += await running.pop(0)
    finally:
        # Never leave a round running unobserved, even when a claim failed.
        for result in await asyncio.gather(*running, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result
            done += result
    return done


async def fail_on_gone_meetings(session: AsyncSession) -> int:
    """Registrations waiting for a meeting that was deleted in Zoom fail at once, saying so
    (they cannot go through until the organiser recreates or unlinks the meeting)."""
    gone = select(MeetingLink.id).where(
        MeetingLink.want == LinkWant.PRESENT, MeetingLink.state == LinkState.DELETED
    )
    # Looked for first: an UPDATE takes SQLite's write lock even when it changes nothing.
    if not await session.scalar(
        select(Registration.id)
        .where(Registration.state.in_(OPEN), Registration.link_id.in_(gone))
        .limit(1)
    ):
        return 0
    result = await session.execute(
        update(Registration)
        .where(Registration.state.in_(OPEN), Registration.link_id.in_(gone))
        .values(
            state=RegistrationState.FAILED,
            not_before=None,
            last_error=(
                "The Zoom meeting of this registration was deleted in Zoom: it can be made "
                "again with “Recreate in Zoom” on the event page (everyone is then registered "
                "and sent their new link)."
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _give_up(row: Registration, message: str) -> None:
    row.state = RegistrationState.FAILED
    outcomes.fail(row, message)


async def sync_registrations(
    ctx: SyncContext, ids: Sequence[uuid.UUID], held: list[uuid.UUID] | None = None
) -> int:
    """Process claimed registration rows; how many were handled. A part-filled last batch of
    a single-occurrence meeting whose rows are still arriving is handed back (into `held`) to
    fill up, for at most a few times `ctx.batch_fill_wait` (see `_still_filling`)."""
    if not ids:
        return 0
    loaded = await guard(
        ctx,
        Registration,
        ids,
        lambda: _load(ctx, ids),
        doing="reading the registrations to send",
        give_up=_give_up,
    )
    if loaded is None:
        return len(ids)
    links, rows = loaded
    gate = asyncio.Semaphore(ctx.batch_concurrency)
    work: list[tuple[str, Link, list[uuid.UUID]]] = []
    for link_id, link_rows in rows.items():
        link = links[link_id]
        register = [r.id for r in link_rows if r.want is RegistrationWant.REGISTERED]
        cancel = [r for r in link_rows if r.want is RegistrationWant.CANCELLED]
        if link.recurring:
            work.extend(("register", link, [one]) for one in register)
        else:
            chunks = _chunks(register)
            if held is not None and chunks and _still_filling(ctx, link_rows, chunks[-1]):
                waiting = chunks.pop()
                await hand_back(ctx, Registration, waiting)
                held.extend(waiting)
            work.extend(("register", link, chunk) for chunk in chunks)
        # Never asked for in Zoom: nothing to cancel there.
        silent = [r.id for r in cancel if not r.has_registrant and not r.maybe_in_zoom]
        if silent:
            await cancel_without_call(ctx, silent)
        loud = [r.id for r in cancel if r.has_registrant or r.maybe_in_zoom]
        work.extend(("cancel", link, chunk) for chunk in _chunks(loud))

    async def one(action: str, link: Link, chunk: list[uuid.UUID]) -> None:
        async with gate:
            # One batch that cannot be sent (a value Zoom's body cannot hold …) is recorded
            # on its own rows; the other batches go on.
            await guard(
                ctx,
                Registration,
                chunk,
                partial(register_batch if action == "register" else cancel_batch, ctx, link, chunk),
                doing=f"{'registering' if action == 'register' else 'cancelling'} on Zoom",
                give_up=_give_up,
            )

    jobs = [asyncio.create_task(one(a, link, chunk)) for a, link, chunk in work]
    if jobs:
        await asyncio.gather(*jobs)
    return sum(len(r) for r in rows.values())


def _still_filling(ctx: SyncContext, rows: list[_Row], tail: list[uuid.UUID]) -> bool:
    """Whether a part-filled batch should wait for more rows: its newest row arrived within
    the fill wait (rows are still coming) and its oldest has not waited the bound yet. Row
    times are the database's own (`created_at`), compared with the real clock."""
    if ctx.batch_fill_wait <= 0 or len(tail) >= MAX_BATCH:
        return False
    wanted = set(tail)
    times = [r.created_at for r in rows if r.id in wanted]
    now = utc_now()
    return now - max(times) < timedelta(seconds=ctx.batch_fill_wait) and now - min(
        times
    ) < timedelta(seconds=ctx.batch_fill_wait * FILL_WAIT_BOUND)


def _chunks(ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
    return [ids[i : i + MAX_BATCH] for i in range(0, len(ids), MAX_BATCH)]


async def _load(
    ctx: SyncContext, ids: Sequence[uuid.UUID]
) -> tuple[dict[uuid.UUID, Link], dict[uuid.UUID, list[_Row]]]:
    async def work(
        session: AsyncSession,
    ) -> tuple[dict[uuid.UUID, Link], dict[uuid.UUID, list[_Row]]]:
        found = await session.scalars(
            select(Registration)
            .where(Registration.id.in_(list(ids)), Registration.lease_owner == ctx.owner)
            .order_by(Registration.created_at)
        )
        rows: dict[uuid.UUID, list[_Row]] = defaultdict(list)
        for r in found:
            rows[r.link_id].append(
                _Row(
                    r.id,
                    r.want,
                    r.zoom_registrant_id is not None,
                    r.zoom_requests_day is not None,
                    r.created_at,
                )
            )
        links: dict[uuid.UUID, Link] = {}
        for link_id in list(rows):
            link = await session.get(MeetingLink, link_id)
            if link is None or link.zoom_meeting_id is None:
                # The meeting went away since the claim: hand the rows back untouched.
                await release_ids(
                    session, Registration, [r.id for r in rows.pop(link_id)], ctx.owner
                )
                continue
            try:
                links[link_id] = await _link(session, link)
            except Exception as exc:  # this meeting's rows fail alone (e.g. its secret)
                broken.append(([r.id for r in rows.pop(link_id)], exc))
        return links, rows

    broken: list[tuple[list[uuid.UUID], Exception]] = []
    loaded = await ctx.transaction(work)
    for row_ids, exc in broken:
        await record_unexpected(
            ctx,
            Registration,
            row_ids,
            exc,
            doing="reading the Zoom meeting these registrations are for",
            give_up=_give_up,
        )
    return loaded


async def _link(session: AsyncSession, link: MeetingLink) -> Link:
    connection = await session.get(ZoomConnection, link.connection_id)
    assert connection is not None
    assert link.zoom_meeting_id is not None
    event = await session.get(Event, link.event_id) if link.event_id else None
    return Link(
        id=link.id,
        event_id=link.event_id,
        connection=connection,
        kind=zoom_kind(link.kind),
        meeting_id=link.zoom_meeting_id,
        recurring=link.zoom_type in RECURRING_TYPES and bool(link.occurrence_ids),
        occurrence_ids=tuple(link.occurrence_ids),
        confirmation_email=event.zoom_confirmation_email if event else None,
    )
