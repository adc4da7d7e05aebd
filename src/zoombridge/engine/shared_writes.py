"""Small writes asked for at about the same time, committed together in one transaction.

A step with many calls in flight (registrations: up to 24 batches at once) writes before and
after each call: the request counted before it is sent, the answer recorded after. One
transaction each is two turns at the write lock per call. On SQLite, while `zoombridge serve`
is busy, the worker is let in for one transaction at a time between serve's (see
`zoombridge.db.write_turns`), so at two turns per call it fell far behind Zoom's pace while
orders poured in. Here the writes that arrive while one transaction waits or runs go together
in the next: a turn carries every call that finished meanwhile.

Each write runs in its own savepoint: one that fails is rolled back alone and raises to its
caller, while the others commit. A write must be safe to run again (the whole transaction is
rerun when SQLite reports a lock conflict), as every `SyncContext.transaction` work is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

Work = Callable[[AsyncSession], Awaitable[Any]]
Transaction = Callable[[Work], Awaitable[Any]]


@dataclass
class _Asked:
    work: Work
    answer: asyncio.Future[Any]


class SharedWrites:
    """Runs each write given to `run` in the next shared transaction of `transaction`."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction
        self._queue: list[_Asked] = []
        self._draining: asyncio.Task[None] | None = None

    async def run(self, work: Work) -> Any:
        asked = _Asked(work, asyncio.get_running_loop().create_future())
        self._queue.append(asked)
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        return await asked.answer

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                results = await self._transaction(partial(_run_each, batch=batch))
            except asyncio.CancelledError:
                for asked in batch + self._queue:
                    asked.answer.cancel()
                raise
            except Exception as exc:  # the transaction itself failed: every write with it
                for asked in batch:
                    if not asked.answer.done():
                        asked.answer.set_exception(exc)
                continue
            for asked, (ok, value) in zip(batch, results, strict=True):
                if asked.answer.done():  # its caller was cancelled meanwhile
                    continue
                if ok:
                    asked.answer.set_result(value)
                else:
                    asked.answer.set_exception(value)


async def _run_each(session: AsyncSession, *, batch: list[_Asked]) -> list[tuple[bool, Any]]:
    results: list[tuple[bool, Any]] = []
    for asked in batch:
        try:
            async with session.begin_nested():
                results.append((True, await asked.work(session)))
        except OperationalError:
            raise  # the database's, not this write's: the transaction decides (rerun or fail)
        except Exception as exc:  # this write alone is rolled back; it raises to its caller
            results.append((False, exc))
    return results
