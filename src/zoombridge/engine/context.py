"""What every step of the worker shares: database, Zoom clients, clock, identity, policies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.db.engine import sqlite_read_only
from zoombridge.engine.backoff import Backoff
from zoombridge.engine.clients import ClientPool
from zoombridge.engine.shared_writes import SharedWrites

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
    # Seconds a part-filled batch of a single-occurrence meeting may wait for rows still
    # arriving, so that each call carries as many registrants as it can (0: send at once).
    batch_fill_wait: float = 0.0
    _shared: SharedWrites | None = field(default=None, init=False, repr=False, compare=False)

    def now(self) -> datetime:
        return self.clock()

    async def shared_transaction(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` (a small write, safe to rerun) in a transaction shared with the other
        writes asked for meanwhile (`zoombridge.engine.shared_writes`): fewer turns at the
        write lock for steps with many calls in flight. Raises what `work` raised."""
        if self._shared is None:
            self._shared = SharedWrites(self.transaction)
        result: T = await self._shared.run(work)
        return result

    async def transaction(
        self, work: Callable[[AsyncSession], Awaitable[T]], *, reads_first: bool = False
    ) -> T:
        """Run `work` in one short transaction, committed at the end; rerun when SQLite says
        another writer holds the lock.

        `reads_first`, for polls that mostly find nothing to do (claims): on SQLite the first
        try begins without the write lock, so a poll that only reads never takes it (nor waits
        for it while the API writes); when it does write and SQLite refuses the late upgrade
        (another process wrote meanwhile), it is rerun at once with the lock taken up front.
        Only for work that can simply be run again (it changes nothing outside the database).
        """
        deferred = reads_first
        for attempt in range(_LOCKED_RETRIES):
            try:
                with sqlite_read_only(deferred):
                    async with self.sessionmaker() as session, session.begin():
                        return await work(session)
            except OperationalError as exc:
                if "locked" not in str(exc.orig) or attempt == _LOCKED_RETRIES - 1:
                    raise
                if deferred:
                    deferred = False  # the upgrade was refused: take the lock up front
                    continue
                log.debug("database locked, rerunning the transaction (%d)", attempt + 1)
                await asyncio.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")
