"""Turns at SQLite's write lock (`zoombridge.db.write_turns`), on a real SQLite file: serve's
writers get it in arrival order, one at a time at SQLite; reads never queue; an error gives the
turn back; a worker that announces its wait gets in while serve writes without a pause; a
crashed worker's marker holds nobody up."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from zoombridge.db.engine import SqliteWriteTurns, create_engine, sqlite_read_only
from zoombridge.db.session import create_sessionmaker
from zoombridge.db.write_turns import WriteQueue, announced, waiters_folder

INSERT = text("INSERT INTO notes (who) VALUES (:who)")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "zb.db"


@pytest.fixture
async def engines(database: Path) -> AsyncIterator[list[AsyncEngine]]:
    made: list[AsyncEngine] = []
    yield made
    for engine in made:
        await engine.dispose()


@pytest.fixture
def engine_for(
    database: Path, engines: list[AsyncEngine]
) -> Callable[[SqliteWriteTurns], AsyncEngine]:
    def make(turns: SqliteWriteTurns) -> AsyncEngine:
        engine = create_engine(f"sqlite+aiosqlite:///{database}", sqlite_write_turns=turns)
        engines.append(engine)
        return engine

    return make


async def _schema(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (who TEXT NOT NULL UNIQUE)"))


async def _write(maker: async_sessionmaker[AsyncSession], who: str, got: list[str]) -> None:
    async with maker() as session, session.begin():
        await session.execute(INSERT, {"who": who})
        got.append(who)  # the first statement ran: this writer holds SQLite's lock


async def _until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def _queue_of(database: Path, **kwargs: float) -> WriteQueue:
    return WriteQueue(waiters_folder(database), max_wait=30.0, **kwargs)


async def test_serve_writers_get_the_lock_one_at_a_time_in_arrival_order(
    database: Path, engine_for: Callable[[SqliteWriteTurns], AsyncEngine]
) -> None:
    queue = _queue_of(database)
    serve = engine_for(queue)
    outside = engine_for(None)  # another process's connection: no turns
    await _schema(serve)
    maker = create_sessionmaker(serve)
    got: list[str] = []
    async with outside.connect() as blocker:
        await blocker.execute(INSERT, {"who": "outside"})  # holds SQLite's write lock
        writers: list[asyncio.Task[None]] = []
        for who in ("a", "b", "c", "d"):
            writers.append(asyncio.create_task(_write(maker, who, got)))
            queued = len(writers) - 1
            await _until(lambda queued=queued: queue.held and queue.waiting == queued)  # type: ignore[misc]
        # "a" waits at SQLite (in its busy handler); the others wait their turn in the queue.
        assert got == []
        await blocker.commit()
    await asyncio.wait_for(asyncio.gather(*writers), 30)
    assert got == ["a", "b", "c", "d"]
    assert not queue.held


async def test_a_read_never_queues_and_a_rollback_gives_the_turn_back(
    database: Path, engine_for: Callable[[SqliteWriteTurns], AsyncEngine]
) -> None:
    queue = _queue_of(database)
    serve = engine_for(queue)
    await _schema(serve)
    maker = create_sessionmaker(serve)
    got: list[str] = []
    async with maker() as holder:
        await holder.execute(INSERT, {"who": "holder"})  # a turn and the lock, held
        assert queue.held
        writer = asyncio.create_task(_write(maker, "next", got))
        await _until(lambda: queue.waiting == 1)
        with sqlite_read_only():
            async with maker() as reader:
                count = await asyncio.wait_for(reader.scalar(text("SELECT count(*) FROM notes")), 5)
        assert count == 0  # answered beside the writer, without queueing
        assert queue.waiting == 1
        assert got == []
        await holder.rollback()
    await asyncio.wait_for(writer, 10)
    assert got == ["next"]
    assert not queue.held


async def test_a_failed_transaction_and_a_cancelled_waiter_pass_the_turn_on(
    database: Path, engine_for: Callable[[SqliteWriteTurns], AsyncEngine]
) -> None:
    queue = _queue_of(database)
    serve = engine_for(queue)
    await _schema(serve)
    maker = create_sessionmaker(serve)
    got: list[str] = []
    await _write(maker, "taken", got)
    with pytest.raises(Exception, match="UNIQUE"):
        await _write(maker, "taken", got)  # the statement fails: rolled back
    assert not queue.held

    async with maker() as holder:
        await holder.execute(INSERT, {"who": "holder"})
        gone = asyncio.create_task(_write(maker, "gone", got))
        await _until(lambda: queue.waiting == 1)
        after = asyncio.create_task(_write(maker, "after", got))
        await _until(lambda: queue.waiting == 2)
        gone.cancel()  # a client that went away while queued
        with pytest.raises(asyncio.CancelledError):
            await gone
        await holder.commit()
    await asyncio.wait_for(after, 10)
    assert got == ["taken", "after"]
    assert not queue.held


async def test_an_announced_worker_gets_in_while_serve_writes_without_a_pause(
    database: Path, engine_for: Callable[[SqliteWriteTurns], AsyncEngine]
) -> None:
    queue = _queue_of(database)
    serve = engine_for(queue)
    worker = engine_for("announce")
    await _schema(serve)
    serve_maker, worker_maker = create_sessionmaker(serve), create_sessionmaker(worker)
    stop = asyncio.Event()
    serve_writes = 0

    async def client(n: int) -> None:
        # Each of serve's transactions holds the lock 20 ms; with 6 clients one is always
        # queued, so the lock goes from one to the next with no gap.
        nonlocal serve_writes
        i = 0
        while not stop.is_set():
            async with serve_maker() as session, session.begin():
                await session.execute(INSERT, {"who": f"serve-{n}-{i}"})
                await asyncio.sleep(0.02)
            serve_writes += 1
            i += 1

    clients = [asyncio.create_task(client(n)) for n in range(6)]
    try:
        await _until(lambda: serve_writes > 20)
        before = serve_writes
        started = time.monotonic()
        for i in range(10):
            async with worker_maker() as session, session.begin():
                await session.execute(INSERT, {"who": f"worker-{i}"})
        took = time.monotonic() - started
        during = serve_writes - before
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*clients), 30)
    # Not starved: 10 turns in well under the seconds a busy-handler-only wait took.
    assert took < 8.0, took
    assert during >= 3  # and serve went on writing, turn about
    assert announced(waiters_folder(database)) == {}  # the marker is gone with the last one


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert done.returncode == 0
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def test_a_fresh_marker_holds_a_turn_back_a_stale_one_does_not(
    database: Path, engine_for: Callable[[SqliteWriteTurns], AsyncEngine]
) -> None:
    # A long wait for outside writers, so that being held up shows plainly.
    queue = _queue_of(database, outside_turn_max=60.0, outside_after=0.0)
    serve = engine_for(queue)
    await _schema(serve)
    maker = create_sessionmaker(serve)
    folder = waiters_folder(database)
    folder.mkdir()
    got: list[str] = []

    crashed = folder / str(_dead_pid())  # a worker that died waiting
    crashed.touch()
    old = folder / str(os.getpid())  # a live process, but its marker is ancient
    old.touch()
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert announced(folder) == {}
    await asyncio.wait_for(_write(maker, "not held up", got), 5)

    old.touch()  # fresh again: a live worker waiting now
    writer = asyncio.create_task(_write(maker, "let it in first", got))
    await asyncio.sleep(0.5)
    assert not writer.done()  # holds its turn, not yet asking SQLite
    assert queue.held
    old.unlink()  # the worker's transaction ended
    await asyncio.wait_for(writer, 5)
    assert got == ["not held up", "let it in first"]


async def test_the_worker_marker_lasts_while_it_waits_or_writes_and_moves_on_per_transaction(
    database: Path, engine_for: Callable[[SqliteWriteTurns], AsyncEngine]
) -> None:
    worker = engine_for("announce")
    await _schema(worker)
    maker = create_sessionmaker(worker)
    folder = waiters_folder(database)
    mine = str(os.getpid())
    got: list[str] = []
    done = asyncio.Event()

    async def second_writer() -> None:
        async with maker() as session, session.begin():
            await session.execute(INSERT, {"who": "second"})
            got.append("second")
            await done.wait()

    assert announced(folder) == {}
    async with maker() as first:
        await first.execute(INSERT, {"who": "first"})
        marker = announced(folder)
        assert list(marker) == [mine]  # holds the lock: serve keeps out of its way
        second = asyncio.create_task(second_writer())
        await asyncio.sleep(0.05)
        assert got == []  # queued behind the first, in the worker's own process
        await first.commit()
    await _until(lambda: got == ["second"])
    # The second transaction is a new announcement (serve lets each in once, not the run).
    assert announced(folder)[mine] != marker[mine]
    done.set()
    await asyncio.wait_for(second, 5)
    assert announced(folder) == {}  # all ended: nothing left to hold serve up
