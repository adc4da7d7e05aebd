"""What the push steps share: the job being pushed, how a HubSpot refusal stops it, leases."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.engine.claims import renew
from zoombridge.engine.context import SyncContext
from zoombridge.hubspot import (
    DailyLimitReached,
    HubSpotClient,
    HubSpotError,
    MissingScopes,
    TokenInvalid,
)
from zoombridge.hubspot.models import BatchOutcome
from zoombridge.hubspot_sync.models import HubSpotWebinarPush

Job_ = Callable[[], Awaitable[None]]
CHUNK = 100  # HubSpot's batch size: one call per 100 inputs
# Calls of one push in flight at once: enough to keep the account's limiter busy at HubSpot's
# 100-200 ms answers (the limiter, not this, paces them).
IN_FLIGHT = 8


@dataclass(frozen=True)
class Job:
    push_id: uuid.UUID
    connection_id: uuid.UUID
    webinar_id: uuid.UUID
    due_version: int
    client: HubSpotClient

    @property
    def external_event_id(self) -> str:
        # zoombridge's own id of the webinar: HubSpot addresses the event by it.
        return str(self.webinar_id)

    @property
    def subjects(self) -> dict[str, uuid.UUID | None]:
        return {"hubspot_connection": self.connection_id, "webinar": self.webinar_id}


class Stop(Exception):
    """HubSpot refused in a way that stops the whole push for now (the account's token, scopes
    or limits; HubSpot down): what was confirmed so far is kept, the rest waits."""

    def __init__(self, error: HubSpotError) -> None:
        super().__init__(error.user_message)
        self.error = error


class LeaseLost(Exception):
    """Another worker took the push over (our lease expired): its outcome is theirs."""


def stops_the_push(error: HubSpotError) -> bool:
    return error.retryable or isinstance(error, TokenInvalid | MissingScopes | DailyLimitReached)


def raise_if_stopped(outcome: BatchOutcome[Any]) -> None:
    for item in outcome.outcomes:
        if item.error is not None and stops_the_push(item.error):
            raise Stop(item.error)


async def keep_lease(ctx: SyncContext, job: Job) -> None:
    """Renew our lease before a call; raise LeaseLost when it is no longer ours."""
    expires: datetime = ctx.now() + ctx.lease

    async def work(session: AsyncSession) -> set[uuid.UUID]:
        return await renew(session, HubSpotWebinarPush, [job.push_id], ctx.owner, expires)

    if job.push_id not in await ctx.transaction(work):
        raise LeaseLost()


async def bounded(jobs: Iterable[Job_] | AsyncIterable[Job_], limit: int = IN_FLIGHT) -> None:
    """Run `jobs` with at most `limit` at once, starting each as soon as it is produced (an
    async iterable keeps loading the next while the first are sent); the first Stop or
    LeaseLost cancels the rest and is raised as itself (what the others confirmed is committed
    already)."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Job_) -> None:
        try:
            await job()
        finally:
            gate.release()

    try:
        async with asyncio.TaskGroup() as group:
            if isinstance(jobs, AsyncIterable):
                async for job in jobs:
                    await gate.acquire()
                    group.create_task(one(job))
            else:
                for job in jobs:
                    await gate.acquire()
                    group.create_task(one(job))
    except BaseExceptionGroup as failed:
        for kind in (LeaseLost, Stop):
            for exc in failed.exceptions:
                if isinstance(exc, kind):
                    raise exc from None
        raise failed.exceptions[0] from None
