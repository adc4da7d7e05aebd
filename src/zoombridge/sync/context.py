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

from zoombridge.sync.backoff import Backoff
from zoombridge.sync.clients import ClientPool

log = logging.getLogger("zoombridge.sync")

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
