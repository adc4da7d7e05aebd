"""Steps and their failures: what the worker runs, and how a failure stays with its item.

A step is one kind of work a domain registers with the engine (send the outbox, register
attendees, pull attendance …): `run(ctx)` claims what is due, handles it, and answers how many
items it handled. The worker runs the steps one after the other; a step that raises is logged
and the next step still runs.

Within a step, an unexpected exception while handling ONE item (one email, one registration
batch, one link, one webhook event) must not stop the others: `guard` runs the handling of one
item, and on an exception records it on that item's own row — a readable reason in
`last_error`, tried again with backoff when it may pass later (the database or the network was
briefly away), or stopped for a person to look at when it cannot (a value the code cannot
handle) — and releases the item's lease. The items handled with it go on.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.db.trouble import DatabaseTrouble, database_trouble
from zoombridge.engine.claims import release, release_ids
from zoombridge.engine.context import SyncContext
from zoombridge.engine.work import WorkMixin

log = logging.getLogger("zoombridge.engine")

T = TypeVar("T")

# Transient failures tried again this many times (with backoff) before a person is asked.
MAX_UNEXPECTED_RETRIES = 5
_REASON_MAX = 300


class DatabaseUnavailable(Exception):
    """A step could not use the database at all: the pass stops (every other step would fail
    the same way) and the worker waits before the next one (engine.worker)."""

    def __init__(self, step: str, trouble: DatabaseTrouble) -> None:
        super().__init__(f"{trouble.message} (in step {step})")
        self.step = step
        self.trouble = trouble


@dataclass(frozen=True)
class Step:
    """One kind of work the worker runs each pass; `run` answers how many items it handled."""

    name: str
    run: Callable[[SyncContext], Awaitable[int]]


def may_pass_later(exc: BaseException) -> bool:
    """Whether trying again later could succeed: the network, a server or the database was
    away or busy. Anything else (a value the code cannot handle) fails again the same way."""
    if isinstance(exc, OperationalError | PoolTimeout | httpx.TransportError | TimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    return isinstance(exc, OSError)


def describe(exc: BaseException) -> str:
    """The exception in one short line: its kind and message, never a traceback."""
    text = " ".join(str(exc).split()) or "no details"
    if len(text) > _REASON_MAX:
        text = text[: _REASON_MAX - 1] + "…"
    return f"{type(exc).__name__}: {text}"


GiveUp = Callable[[Any, str], None]


def _stop_plainly(row: WorkMixin, message: str) -> None:
    row.not_before = None
    row.last_error = message


async def record_unexpected(
    ctx: SyncContext,
    model: Any,
    ids: Sequence[uuid.UUID],
    exc: BaseException,
    *,
    doing: str,
    give_up: GiveUp = _stop_plainly,
) -> None:
    """Write an unexpected failure onto each row of `model` in `ids` and release our leases.

    `doing` says what was being done ("sending this email"); `give_up(row, message)` marks a row
    failed for a person, in the model's own terms (state FAILED …). A transient failure is
    retried with backoff, up to MAX_UNEXPECTED_RETRIES times, then given up too."""
    now = ctx.now()
    reason = describe(exc)
    transient = may_pass_later(exc)

    async def work(session: AsyncSession) -> None:
        rows = await session.scalars(select(model).where(model.id.in_(list(ids))))
        for row in rows:
            if row.lease_owner not in (None, ctx.owner):
                continue  # another worker holds it now: its outcome is theirs to record
            row.attempts = (row.attempts or 0) + 1
            release(row)
            if transient and row.attempts <= MAX_UNEXPECTED_RETRIES:
                row.not_before = ctx.backoff.next_try(now, row.attempts)
                row.last_error = (
                    f"Something went wrong while {doing} ({reason}). Attempt {row.attempts}; "
                    f"trying again after {row.not_before:%Y-%m-%d %H:%M:%S} UTC."
                )
            else:
                give_up(
                    row,
                    f"Stopped: something went wrong while {doing} ({reason}). Correct the data "
                    "shown here, then retry.",
                )

    try:
        await ctx.transaction(work)
    except Exception as exc:  # the database itself is away: the lease expires and it comes back
        trouble = database_trouble(exc)
        if trouble is None:
            log.exception("could not record the failure of %s %s", model.__name__, list(ids))
        else:
            log.warning(
                "could not record the failure of %s %s: %s", model.__name__, list(ids), trouble.kind
            )


async def guard(
    ctx: SyncContext,
    model: Any,
    ids: Sequence[uuid.UUID],
    handle: Callable[[], Awaitable[T]],
    *,
    doing: str,
    give_up: GiveUp = _stop_plainly,
) -> T | None:
    """Run `handle()` for the item(s) `ids` of `model`; on an unexpected exception record it on
    them (see `record_unexpected`) and answer None instead of raising."""
    try:
        return await handle()
    except Exception as exc:
        trouble = database_trouble(exc)
        if trouble is None:
            log.exception("%s failed for %s %s", doing, model.__name__, list(ids))
        else:  # the database's state, not a bug: one line, no traceback
            log.warning("%s failed for %s %s: %s", doing, model.__name__, list(ids), trouble.kind)
        await record_unexpected(ctx, model, ids, exc, doing=doing, give_up=give_up)
        return None


async def run_step(ctx: SyncContext, step: Step) -> tuple[int, str | None]:
    """Run one step: (items handled, None) or (0, the reason it failed as a whole).

    Raises DatabaseUnavailable when the step failed because the database is in trouble."""
    try:
        return await step.run(ctx), None
    except Exception as exc:  # the next step must still run
        trouble = database_trouble(exc)
        if trouble is not None:
            raise DatabaseUnavailable(step.name, trouble) from exc
        log.exception("worker step %s failed; the other steps go on", step.name)
        return 0, describe(exc)


# Rounds of claiming within one pass of a step: rows an answer left out come back at once, and
# this keeps such a row from holding a pass forever.
MAX_ROUNDS = 50


async def hand_back(ctx: SyncContext, model: Any, ids: Sequence[uuid.UUID]) -> None:
    """Release leases we took but will not work on in this pass."""
    if not ids:
        return

    async def work(session: AsyncSession) -> None:
        await release_ids(session, model, ids, ctx.owner)

    await ctx.transaction(work)
