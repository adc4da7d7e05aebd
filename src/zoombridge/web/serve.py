"""`zoombridge serve`: the REST API, the web UI and the Zoom webhook receiver under uvicorn.

On SQLite the database is migrated at start (one file, one process: nothing else can be midway
through a migration). On PostgreSQL run `zoombridge db upgrade` first, once per release: several
`serve` processes starting together must not race to migrate.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from zoombridge.db import migrate
from zoombridge.db.engine import normalize_url
from zoombridge.settings import Settings, get_settings


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the REST API, the web UI and the Zoom webhook receiver",
        description="Serve zoombridge over HTTP (API at /api/v1, UI at /, webhooks at "
        "/webhooks/zoom/{connection_id}). Run `zoombridge worker` beside it.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.set_defaults(handler=run)


def is_sqlite(settings: Settings) -> bool:
    return make_url(normalize_url(settings.effective_database_url)).get_backend_name() == "sqlite"


def prepare_database(settings: Settings) -> str | None:
    """Migrates a SQLite database; on PostgreSQL says what to do when it is behind.

    Returns a problem to show (and exit with), or None when the database is ready.
    """
    url = settings.effective_database_url
    if is_sqlite(settings):
        migrate.upgrade(url)
        return None
    current = migrate.current(url)
    head = migrate.head_revision()
    if current != head:
        return (
            f"the database is at {current or 'an empty schema'}, this zoombridge needs {head}; "
            "run `zoombridge db upgrade` first"
        )
    return None


def database_problem(settings: Settings) -> str | None:
    """`prepare_database`, with a failure to reach the database as a one-line reason."""
    try:
        return prepare_database(settings)
    except (SQLAlchemyError, OSError) as exc:
        # The driver's first line says what to fix ("connection refused", "does not exist").
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"cannot use the database: {reason}"


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from zoombridge.web.app import create_app

    settings = get_settings()
    problem = database_problem(settings)
    if problem is not None:
        print(f"zoombridge serve: {problem}", file=sys.stderr)
        return 1
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0
