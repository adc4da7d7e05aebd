"""Whether an exception means "the database is in trouble" (busy, away, read-only, full) rather
than a bug, and what to tell a person about it in one plain line.

A request that meets such trouble is answered 503 with `Retry-After` (web.problems), the worker
waits and tries again (engine.worker), and a starting process prints the line and exits. The
line never carries SQL, parameters or a driver's traceback: only which kind of trouble it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

TroubleKind = Literal["busy", "unreachable", "read_only", "full"]

_MESSAGES: dict[TroubleKind, str] = {
    "busy": "The database is busy (a lock was held too long, or every connection is in use).",
    "unreachable": "The database cannot be reached at the moment.",
    "read_only": "The database accepts no writes at the moment (it is read-only).",
    "full": "The database has run out of space.",
}

# PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_PG_BY_CLASS: dict[str, TroubleKind] = {"08": "unreachable"}
_PG_BY_CODE: dict[str, TroubleKind] = {
    "57P01": "unreachable",  # admin_shutdown (pg_terminate_backend, a restart)
    "57P02": "unreachable",  # crash_shutdown
    "57P03": "unreachable",  # cannot_connect_now (starting up, recovering)
    "58030": "unreachable",  # io_error
    "53100": "full",  # disk_full
    "53200": "busy",  # out_of_memory
    "53300": "busy",  # too_many_connections
    "53400": "busy",  # configuration_limit_exceeded
    "25006": "read_only",  # read_only_sql_transaction (a standby, default_transaction_read_only)
    "40001": "busy",  # serialization_failure
    "40P01": "busy",  # deadlock_detected
    "55P03": "busy",  # lock_not_available (lock_timeout)
    "57014": "busy",  # query_canceled (statement_timeout)
}
# SQLite's primary result codes (Python's sqlite3 names them on the exception).
_SQLITE: dict[str, TroubleKind] = {
    "SQLITE_BUSY": "busy",
    "SQLITE_LOCKED": "busy",
    "SQLITE_READONLY": "read_only",
    "SQLITE_FULL": "full",
    "SQLITE_IOERR": "unreachable",
    "SQLITE_CANTOPEN": "unreachable",
    "SQLITE_PROTOCOL": "busy",
}


@dataclass(frozen=True)
class DatabaseTrouble:
    kind: TroubleKind

    @property
    def message(self) -> str:
        return _MESSAGES[self.kind]


def _sqlite_kind(orig: BaseException) -> TroubleKind | None:
    name = getattr(orig, "sqlite_errorname", None)
    if not isinstance(name, str):
        return None
    # Extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED …) share
    # their primary code's meaning.
    for primary, kind in _SQLITE.items():
        if name == primary or name.startswith(primary + "_"):
            return kind
    return None


def _postgres_kind(orig: BaseException) -> TroubleKind | None:
    code = getattr(orig, "sqlstate", None)
    if not isinstance(code, str):
        return None
    return _PG_BY_CODE.get(code) or _PG_BY_CLASS.get(code[:2])


def database_trouble(exc: BaseException) -> DatabaseTrouble | None:
    """The kind of trouble `exc` reports, or None when it is not the database's state (a bug,
    a constraint, a missing table …)."""
    if isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        return database_trouble(exc.exceptions[0])
    if isinstance(exc, PoolTimeout):
        return DatabaseTrouble("busy")
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    kind = None if orig is None else (_sqlite_kind(orig) or _postgres_kind(orig))
    if kind is not None:
        return DatabaseTrouble(kind)
    if exc.connection_invalidated:
        return DatabaseTrouble("unreachable")
    # A driver error with no code is one from the connection itself (refused, closed, reset):
    # psycopg raises OperationalError without a SQLSTATE when the server cannot be reached.
    driver_code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    if isinstance(exc, OperationalError | InterfaceError) and driver_code is None:
        return DatabaseTrouble("unreachable")
    return None
