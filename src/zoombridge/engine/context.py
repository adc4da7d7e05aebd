"""What every step of the worker shares: database, Zoom clients, clock, identity, policies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.engine.backoff import Backoff
from zoombridge.engine.clients import ClientPool

log = logging.getLogger("zoombridge.engine")

T = TypeVar("T")

# SQLite answers "database is locked" at once (not after busy_timeout) when a transaction that
# read first tries to write after another process wrote; the whole transaction is simply rerun.
_LOCKED_RETRIES = 20


@dataclass
class SyncContext:
    sessionmaker: async_sessionmaker[AsyncSession]
    clients: ClientPool
    clock: Callable[[], datetime]
    owner: str
    lease: timedelta
    backoff: Backoff
    batch_concurrency: int = 24  # calls in flight: enough to fill Business Light at 200 ms
    # Items claimed per round by steps that claim many at once (registrations): big enough to
    # keep Zoom busy, small enough that other workers on the same queue get their share.
    claim_size: int = 600

    def now(self) -> datetime:
        return self.clock()

    async def transaction(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in one short transaction, committed at the end; rerun when SQLite says
        another writer holds the lock."""
        for attempt in range(_LOCKED_RETRIES):
            try:
                async with self.sessionmaker() as session, session.begin():
                    return await work(session)
            except OperationalError as exc:
                if "locked" not in str(exc.orig) or attempt == _LOCKED_RETRIES - 1:
                    raise
                log.debug("database locked, rerunning the transaction (%d)", attempt + 1)
                await asyncio.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")
