"""Turns at SQLite's one write lock: serve's writers queue in arrival order, and another process
(the worker) that announces it is waiting is let in between them.

Why: SQLite's busy handler is no queue. Each waiting connection sleeps and retries (1, 2, 5, …,
then 100 ms sleeps), so a writer that has waited long is often beaten by one that just arrived,
and a few of `zoombridge serve`'s orders waited seconds while the rest took milliseconds.

- `WriteQueue` (serve, and the demo's single process): every BEGIN IMMEDIATE first takes a turn
  in an in-process FIFO, held until that transaction's COMMIT or ROLLBACK, so at most one of
  the process's connections waits in SQLite's busy handler at a time and they get the lock in
  the order they asked for it. Read-only (deferred) transactions never take a turn.
- `AnnouncedWaits` (the worker, and any other process but serve, e.g. a CLI command): its
  writers queue in-process too, and it tries for the lock every few ms rather than in SQLite's
  growing sleeps; while any of them
  waits or writes, a marker file (named by its pid) lies in a folder next to the database,
  removed when the last transaction ends. A queue handing the lock from request to request
  with no gap starved the worker (measured earlier): so before a turn starts, `WriteQueue`
  looks for markers at least `OUTSIDE_AFTER` old and waits, at most `OUTSIDE_TURN_MAX`
  seconds, until each marker it saw is gone or has moved on
  (rewritten for the worker's next transaction): one worker transaction between two of
  serve's, no more.
- A marker whose process is gone (a crashed worker: its pid no longer runs) or older than
  `MARKER_STALE_AFTER` is ignored, so it never holds serve up for long.

Both are engaged by `zoombridge.db.engine.create_engine(..., sqlite_write_turns=...)`; the engine
takes the turn in its BEGIN hook and gives it back after the DBAPI commit or rollback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import deque
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

# How long a turn of serve waits for announced outside writers before it goes on to SQLite's
# own busy handler. Long enough for the worker's busy handler (which sleeps up to 100 ms between
# tries) to wake and find the lock free, and for one short worker transaction.
OUTSIDE_TURN_MAX = 0.2
# How long an outside writer has waited before serve lets it in. Not at once: a worker let in
# at once cycles through many small transactions (claims, batches handed back to fill) and takes
# the lock and the CPU from serve's orders; after this wait it still never waits long.
OUTSIDE_AFTER = 0.1
# How often serve looks at the markers while it waits for an outside writer.
_MARKER_POLL = 0.002
# How long one try for the lock waits in SQLite's busy handler when a writer polls for it.
LOCK_POLL_MS = 5
# A marker older than this is ignored: its writer has had far longer than any turn it is due.
MARKER_STALE_AFTER = 30.0


class WriteTurns(Protocol):
    """What the engine's BEGIN hook takes before BEGIN IMMEDIATE and gives back after the
    transaction ends."""

    # Whether BEGIN IMMEDIATE tries for the lock every few ms (`LOCK_POLL_MS`) rather than in
    # SQLite's busy handler, whose sleeps grow to 100 ms: a writer that serve lets in must take
    # the lock at once, or serve's writers wait while the lock sits free.
    polls_for_lock: bool

    async def take(self) -> bool:
        """Wait for a turn; True when one was taken (and must be given back)."""

    def give_back(self) -> None:
        """The transaction that took a turn has ended (committed, rolled back or lost)."""


def waiters_folder(database: Path) -> Path:
    """Where writers of `database` announce that they wait (beside it, as SQLite's -wal)."""
    return database.with_name(database.name + "-write-waiters")


def announced(folder: Path, *, min_age: float = 0.0) -> dict[str, tuple[int, int]]:
    """The live announcements in `folder` at least `min_age` seconds old: marker name ->
    (inode, mtime in ns), which changes when the marker is rewritten for a new transaction."""
    found: dict[str, tuple[int, int]] = {}
    try:
        entries = os.scandir(folder)
    except OSError:  # no folder: nobody has announced yet
        return found
    now = time.time()
    with entries:
        for entry in entries:
            try:
                stat = entry.stat()
            except OSError:  # removed as we looked
                continue
            age = now - stat.st_mtime
            if age < min_age or age > MARKER_STALE_AFTER or not _runs(entry.name):
                continue
            found[entry.name] = (stat.st_ino, stat.st_mtime_ns)
    return found


def _runs(marker: str) -> bool:
    """Whether the process that wrote `marker` (named by its pid) still runs."""
    try:
        os.kill(int(marker), 0)
    except ValueError:
        return False  # not one of our markers
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it runs, as another user
    return True


class WriteQueue:
    """serve's turns: first come, first served, one at a time, letting announced outside
    writers in before each turn starts."""

    # Its writers wait for each other here, not at SQLite: the head of the queue has only an
    # outside writer's transaction to wait out, which serve's marker wait has mostly covered.
    polls_for_lock = False

    def __init__(
        self,
        outside: Path | None,
        *,
        max_wait: float,
        outside_turn_max: float = OUTSIDE_TURN_MAX,
        outside_after: float = OUTSIDE_AFTER,
    ) -> None:
        self._outside = outside
        # A turn never waited for longer than SQLite's busy timeout: past it (a turn that was
        # never given back, which would be a bug) the writer goes on to SQLite's own wait.
        self._max_wait = max_wait
        self._outside_turn_max = outside_turn_max
        self._outside_after = outside_after
        self._held = False
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """Writers queued behind the current turn."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    @property
    def held(self) -> bool:
        return self._held

    async def take(self) -> bool:
        turn = await self._queue()
        try:
            if self._outside is not None:
                await self._let_outside_in(self._outside)
        except BaseException:
            if turn:
                self.give_back()
            raise
        return turn

    def give_back(self) -> None:
        # Handed straight to the next live waiter: nobody can slip in between.
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._held = False

    async def _queue(self) -> bool:
        if not self._held and not self._waiters:
            self._held = True
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self._max_wait):
                await waiter
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return True  # handed over just as the wait ran out
            self._drop(waiter)
            log.warning(
                "no write turn after %.0f s; waiting for SQLite's lock directly", self._max_wait
            )
            return False
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.give_back()  # handed over as the request was cancelled: pass it on
            else:
                self._drop(waiter)
            raise
        return True

    def _drop(self, waiter: asyncio.Future[None]) -> None:
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)

    async def _let_outside_in(self, folder: Path) -> None:
        seen = announced(folder, min_age=self._outside_after)
        if not seen:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._outside_turn_max
        while loop.time() < deadline:
            await asyncio.sleep(_MARKER_POLL)
            now = announced(folder)
            if not any(now.get(name) == marker for name, marker in seen.items()):
                return  # each writer seen has had its transaction (or is gone)


class AnnouncedWaits:
    """The worker's side: its own writers queue in-process first (so one of them at a time tries
    for the lock), and a marker file says so while any of them waits for or holds the lock,
    rewritten when one ends and another still waits."""

    polls_for_lock = True

    def __init__(self, folder: Path, *, max_wait: float) -> None:
        self._folder = folder
        self._marker = folder / str(os.getpid())
        self._queue = WriteQueue(None, max_wait=max_wait)
        self._open = 0
        self._last_ns = 0
        self._failed = False

    async def take(self) -> bool:
        self._open += 1
        if self._open == 1:
            self._write()
        try:
            turn = await self._queue.take()
        except BaseException:
            self._leave()
            raise
        if not turn:
            self._leave()
        return turn

    def give_back(self) -> None:
        self._queue.give_back()
        self._leave()

    def _leave(self) -> None:
        self._open = max(self._open - 1, 0)
        try:
            if self._open == 0:
                self._marker.unlink(missing_ok=True)
            else:
                self._write()  # a new announcement: serve lets this one in too, once
        except OSError as exc:
            self._fail(exc)

    def _write(self) -> None:
        # A new mtime each time (never the same ns twice), which is how serve tells a new
        # announcement from the one it already waited for.
        stamp = max(time.time_ns(), self._last_ns + 1)
        self._last_ns = stamp
        try:
            self._folder.mkdir(exist_ok=True)
            self._marker.touch()
            os.utime(self._marker, ns=(stamp, stamp))
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        # Announcing is a courtesy: without it the worker still gets the lock, later.
        if not self._failed:
            self._failed = True
            log.warning("cannot announce write waits in %s (%s)", self._folder, exc.strerror)
