"""Whether the database can be used by a process starting now (`serve`, the CLI), in one line.

On SQLite the database is migrated at start (one file, one process: nothing else can be midway
through a migration). On PostgreSQL `zoombridge db upgrade` runs first, once per release: several
processes starting together must not race to migrate.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from zoombridge.db import migrate
from zoombridge.db.engine import UnsupportedDatabaseError, normalize_url, sqlite_path
from zoombridge.settings import Settings


def is_sqlite(settings: Settings) -> bool:
    return make_url(normalize_url(settings.effective_database_url)).get_backend_name() == "sqlite"


def prepare_database(settings: Settings) -> str | None:
    """Migrates a SQLite database; on PostgreSQL says what to do when it is behind.

    Returns a problem to show (and exit with), or None when the database is ready.
    """
    url = settings.effective_database_url
    if is_sqlite(settings):
        _open_sqlite(url)
        migrate.upgrade(url)
        return None
    return _behind(url)


def _open_sqlite(url: str) -> None:
    """Open a SQLite file with the standard library first: one that cannot be opened (a
    directory, not a database) then fails here, plainly. (aiosqlite, failing to connect, can
    leave its thread reporting to an event loop that is already closed: a traceback at exit.)"""
    path = sqlite_path(normalize_url(url))
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA schema_version")
    finally:
        connection.close()


def _behind(url: str) -> str | None:
    current = migrate.current(url)
    head = migrate.head_revision()
    if current != head:
        return (
            f"the database is at {current or 'an empty schema'}, this zoombridge needs {head}; "
            "run `zoombridge db upgrade` first"
        )
    return None


def _one_line(exc: BaseException) -> str:
    # The driver's first line says what to fix ("connection refused", "does not exist"); never
    # the URL, which may hold a password.
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def database_problem(settings: Settings) -> str | None:
    """`prepare_database`, with a failure to reach the database as a one-line reason."""
    try:
        return prepare_database(settings)
    except UnsupportedDatabaseError as exc:
        return str(exc)
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        return f"cannot use the database: {_one_line(exc)}"


def worker_database_problem(settings: Settings) -> str | None:
    """For `zoombridge worker`: the database reachable and at this release's schema, on SQLite
    too (the worker never migrates: `serve` or `zoombridge db upgrade` does), as one line."""
    try:
        _open_sqlite(settings.effective_database_url)
        return _behind(settings.effective_database_url)
    except UnsupportedDatabaseError as exc:
        return str(exc)
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        return f"cannot use the database: {_one_line(exc)}"
