"""SQLite through aiosqlite with one thread hand-off per statement instead of four.

aiosqlite runs every sqlite3 call on its connection's own thread and hands each result back to
the event loop. SQLAlchemy's adapter makes four such calls per statement (open a cursor,
execute, fetch the rows, close the cursor), and each costs a queue put, a thread wake-up and a
wake-up of the event loop: measured, that was a large part of an order's CPU (an order and its
receivers run about twenty statements). The cursor here runs the four in one function on the
connection's thread and keeps what SQLAlchemy reads afterwards (description, rows, rowcount,
lastrowid), so each statement costs one hand-off.

Everything else is SQLAlchemy's aiosqlite dialect as it is: transactions, errors, pooling,
server-side cursors (`stream_results`, which keep the stock cursor). It relies on aiosqlite's
`Connection._execute` (queue a function for the connection's thread); where an aiosqlite
without it is installed, `dbapi()` answers None and the stock adapter is used.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from threading import Thread
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, list[Any], int, int | None]


def _run(connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    # On the connection's thread: the whole statement, start to finish.
    cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_lastrowid", "_rowcount", "_size")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor: the statement opens and closes its own on the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._size = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._size

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._size = value

    async def _async_soft_close(self) -> None:
        return  # nothing is open between statements

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._statement(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return await_(self._statement(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _statement(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            outcome: _Outcome = await connection._execute(  # type: ignore[no-untyped-call]
                _run, connection, operation, parameters, many
            )
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _OneHopCursor  # type: ignore[assignment]


class _OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        connection = self.aiosqlite.connect(*arg, **kw)
        # As SQLAlchemy's adapter does: the connection's thread never holds up the exit.
        thread = connection if isinstance(connection, Thread) else connection._thread
        thread.daemon = True
        return _OneHopConnection(self, await_(connection))


def dbapi() -> AsyncAdapt_aiosqlite_dbapi | None:
    """The module to give `create_async_engine(..., module=)` for SQLite, or None to use the
    stock adapter (an aiosqlite this one does not know)."""
    known = hasattr(aiosqlite.Connection, "_execute") and hasattr(aiosqlite.Connection, "stop")
    if not known:
        return None
    return _OneHopDBAPI(aiosqlite, sqlite3)
