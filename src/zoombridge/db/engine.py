"""Async engines for SQLite (aiosqlite) and PostgreSQL (psycopg 3).

On SQLite a process may say how its write transactions wait for the one write lock
(`sqlite_write_turns`, see `zoombridge.db.write_turns`): `zoombridge serve` queues them in
arrival order, the worker announces its waits so that serve lets it in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_

from zoombridge.db import sqlite_driver
from zoombridge.db.base import NaiveDatetimeError
from zoombridge.db.encryption import (
    EncryptionError,
    SecretBox,
    bind_secret_box,
    load_secret_box,
)
from zoombridge.db.write_turns import (
    LOCK_POLL_MS,
    AnnouncedWaits,
    WriteQueue,
    WriteTurns,
    waiters_folder,
)
from zoombridge.settings import Settings

# How long a SQLite writer waits for another writer's lock before giving up. Long: a request
# that gives up is an error (an order lost unless the client retries), and with the API under
# load plus the worker the queue for the one write lock can be seconds long.
SQLITE_BUSY_TIMEOUT_MS = 60_000

# Set while a unit of work only reads (a GET request): its SQLite transactions begin DEFERRED,
# so readers never queue for the write lock (WAL lets them read beside the writer).
_sqlite_read_only: ContextVar[bool] = ContextVar("zoombridge_sqlite_read_only", default=False)


@contextmanager
def sqlite_read_only(read_only: bool = True) -> Iterator[None]:
    """Within the block, SQLite transactions begin DEFERRED (True) or IMMEDIATE (False).

    Only for work that never writes: a deferred transaction that reads and then writes fails at
    once ("database is locked") if another connection committed in between.
    """
    token = _sqlite_read_only.set(read_only)
    try:
        yield
    finally:
        _sqlite_read_only.reset(token)


async def begin_writes(session: AsyncSession) -> None:
    """From here on the session writes: on SQLite, end the deferred (read-only) transaction it
    may be in and take the write lock at the next statement (BEGIN IMMEDIATE).

    For work that reads first (authenticate, load the event) and writes at the end: the write
    lock is then held only around the writes, so other writers (the worker) get their turns
    while this one reads. What was read stays in the session (objects are not expired); the
    writes re-check in SQL what another writer may have changed meanwhile. A no-op on
    PostgreSQL and when the session already writes.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or not _sqlite_read_only.get():
        return
    if session.in_transaction():
        await session.commit()  # it only read: nothing to write, no lock to give back
    _sqlite_read_only.set(False)


_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg2": "postgresql+psycopg",
    "postgresql+asyncpg": "postgresql+psycopg",
}


class UnsupportedDatabaseError(ValueError):
    """The URL names a database zoombridge does not run on."""


def normalize_url(url: str | URL) -> URL:
    """`url` with the async driver zoombridge uses (plain `sqlite://` and `postgresql://` work)."""
    parsed = make_url(url)
    driver = _DRIVERS.get(parsed.drivername, parsed.drivername)
    if driver not in ("sqlite+aiosqlite", "postgresql+psycopg"):
        raise UnsupportedDatabaseError(
            f"unsupported database URL scheme {parsed.drivername!r}: use "
            "sqlite+aiosqlite:///path/to/zoombridge.db or postgresql+psycopg://user@host/db"
        )
    return parsed.set(drivername=driver)


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for in-memory databases and other backends."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


# How a process's SQLite write transactions take their turn at the lock
# (`zoombridge.db.write_turns`): "queue" (serve: in arrival order, letting announced outside
# writers in), "announce" (the worker: says it waits), or a policy of one's own (tests).
SqliteWriteTurns = Literal["queue", "announce"] | WriteTurns | None


def create_engine(
    url: str | URL,
    *,
    secret_box: SecretBox | None = None,
    echo: bool = False,
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    sqlite_write_turns: SqliteWriteTurns = None,
    **kwargs: Any,
) -> AsyncEngine:
    """An async engine for `url`; `secret_box` is the key for encrypted columns.

    SQLite gets WAL (readers never block the writer), foreign keys enforced and a busy
    timeout (`sqlite_busy_timeout_ms`); the parent folder of the file is created. On a SQLite
    file, `sqlite_write_turns` says how write transactions wait for the lock (None: in SQLite's
    busy handler alone). Bound parameters are never logged or shown in errors, since some are
    (encrypted) secrets.
    """
    parsed = normalize_url(url)
    path = sqlite_path(parsed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
    if parsed.get_backend_name() == "sqlite":
        one_hop = sqlite_driver.dbapi()  # one thread hand-off per statement, not four
        if one_hop is not None:
            kwargs.setdefault("module", one_hop)
    engine = create_async_engine(parsed, echo=echo, hide_parameters=True, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        turns = _write_turns(sqlite_write_turns, path, sqlite_busy_timeout_ms)
        _configure_sqlite(engine, sqlite_busy_timeout_ms, turns)
    event.listen(engine.sync_engine, "handle_error", _unwrap_typed_error)
    if secret_box is not None:
        bind_secret_box(engine, secret_box)
    return engine


def create_engine_from_settings(settings: Settings, **kwargs: Any) -> AsyncEngine:
    """The product's engine: `settings.effective_database_url` with the settings' key.

    On SQLite its writers announce their waits (serve lets them in between its own writes)
    unless the caller says otherwise: serve itself queues ("queue")."""
    kwargs.setdefault("sqlite_busy_timeout_ms", settings.sqlite_busy_timeout_ms)
    # Not only the worker: a CLI command writing (a token, an import) beside a busy serve would
    # otherwise find the lock handed from one of serve's writes to the next with no gap.
    kwargs.setdefault("sqlite_write_turns", "announce")
    return create_engine(
        settings.effective_database_url, secret_box=load_secret_box(settings), **kwargs
    )


def _unwrap_typed_error(context: ExceptionContext) -> BaseException | None:
    # Our column types raise typed errors while binding parameters (no key, a naive datetime);
    # SQLAlchemy would wrap them in a StatementError carrying the SQL. Callers get ours.
    if isinstance(context.original_exception, EncryptionError | NaiveDatetimeError):
        return context.original_exception
    return None


def _write_turns(
    wanted: SqliteWriteTurns, path: Path | None, busy_timeout_ms: int
) -> WriteTurns | None:
    if wanted is None or (isinstance(wanted, str) and path is None):
        return None  # in memory: one connection, no other process
    if wanted == "queue":
        assert path is not None
        return WriteQueue(waiters_folder(path), max_wait=busy_timeout_ms / 1000)
    if wanted == "announce":
        assert path is not None
        return AnnouncedWaits(waiters_folder(path), max_wait=busy_timeout_ms / 1000)
    assert not isinstance(wanted, str)
    return wanted


# Where a connection (its pool entry's info) keeps the turn its transaction took.
_TURN = "zoombridge_write_turn"


def _info_of(connection: Any) -> Any:
    # The pool entry's info; the dialect is also handed bare connections (at the first
    # connect), which have none and hold no turn.
    try:
        return connection.info
    except (AttributeError, NotImplementedError):
        return None


def _give_back(info: Any) -> None:
    turns = info.pop(_TURN, None) if isinstance(info, dict) else None
    if turns is not None:
        turns.give_back()


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int, turns: WriteTurns | None) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # The driver's own transaction handling would defer BEGIN until the first write and
        # break SAVEPOINT; SQLAlchemy emits BEGIN itself (below) instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            # Safe with WAL (a power cut can lose the last commits, never corrupt the file)
            # and far fewer fsyncs than FULL.
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: a transaction that reads and then writes
        # would otherwise fail at once ("database is locked") whenever another connection
        # committed in between, instead of waiting out the busy timeout. Work declared read-only
        # (`sqlite_read_only`) begins deferred and never takes the write lock.
        if _sqlite_read_only.get():
            connection.exec_driver_sql("BEGIN")
            return
        # The turn is taken before asking SQLite for the lock (the hook runs inside the async
        # engine's greenlet, so it can wait on the event loop) and given back after the
        # transaction's COMMIT or ROLLBACK (below).
        if turns is not None and _TURN not in connection.info and await_(turns.take()):
            connection.info[_TURN] = turns
        try:
            if turns is not None and turns.polls_for_lock and _polled_for_lock(connection):
                return
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _give_back(connection.info)
            raise

    def _polled_for_lock(connection: Any) -> bool:
        # Tries with a busy timeout of a few ms, for the whole busy timeout; False when it ran
        # out (the caller then waits once more the usual way, and fails as usual). On the
        # driver's own cursor: a refused try is not an error of the SQLAlchemy connection.
        cursor = connection.connection.dbapi_connection.cursor()
        locked = connection.dialect.loaded_dbapi.OperationalError
        deadline = time.monotonic() + busy_timeout_ms / 1000
        try:
            cursor.execute(f"PRAGMA busy_timeout={LOCK_POLL_MS}")
            while time.monotonic() < deadline:
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    return True
                except locked as exc:
                    if "locked" not in str(exc):
                        raise
            return False
        finally:
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.close()

    if turns is None:
        return
    # After the DBAPI's own commit or rollback (SQLAlchemy's commit/rollback events fire before
    # it): only then is the lock free for the next turn. The pool's rollback on return and a
    # connection that is invalidated or closed give the turn back too.
    dialect = sync_engine.dialect
    do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

    def _commit(dbapi_connection: Any) -> None:
        try:
            do_commit(dbapi_connection)
        finally:
            _give_back(_info_of(dbapi_connection))

    def _rollback(dbapi_connection: Any) -> None:
        try:
            do_rollback(dbapi_connection)
        finally:
            _give_back(_info_of(dbapi_connection))

    dialect.do_commit = _commit  # type: ignore[method-assign]
    dialect.do_rollback = _rollback  # type: ignore[method-assign]

    def _lost(_dbapi_connection: Any, record: ConnectionPoolEntry, *_: Any) -> None:
        _give_back(record.info if record is not None else None)

    for name in ("checkin", "invalidate", "close"):
        event.listen(sync_engine, name, _lost)
