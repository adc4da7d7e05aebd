"""`zoombridge serve`: the REST API, the web UI and the Zoom webhook receiver under uvicorn.

On SQLite the database is migrated at start (one file, one process: nothing else can be midway
through a migration). On PostgreSQL run `zoombridge db upgrade` first, once per release: several
`serve` processes starting together must not race to migrate.

`--workers N` runs N API processes on one port (PostgreSQL only: on SQLite they would only take
turns for its one write lock, so it is refused with the reason).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.engine import make_url

from zoombridge.db.readiness import database_problem
from zoombridge.kit.listening import ListenError, listen, port_number
from zoombridge.settings import Settings, get_settings


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the REST API, the web UI and the Zoom webhook receiver",
        description="Serve zoombridge over HTTP (API at /api/v1, UI at /, webhooks at "
        "/webhooks/zoom/{connection_id}). Run `zoombridge worker` beside it.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=port_number, default=8000, help="port to listen on")
    parser.add_argument(
        "--workers",
        type=_worker_count,
        default=1,
        help="API processes sharing the port (PostgreSQL only; default 1)",
    )
    parser.set_defaults(handler=run)


MAX_WORKERS = 64
SQLITE_ONE_PROCESS = (
    "--workers needs PostgreSQL. SQLite takes one writer at a time, so more API processes would "
    "only queue for its write lock (and hold up the worker's turns). Run one process on SQLite, "
    "or move to PostgreSQL (ZOOMBRIDGE_DATABASE_URL=postgresql://…) to serve with several."
)


def _worker_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes") from None
    if not 1 <= count <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"give 1 to {MAX_WORKERS} processes")
    return count


def workers_problem(settings: Settings, workers: int) -> str | None:
    """Why `serve` cannot run `workers` processes on this database, or None."""
    if workers > 1 and make_url(settings.effective_database_url).get_backend_name() == "sqlite":
        return SQLITE_ONE_PROCESS
    return None


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How `serve` runs uvicorn behind a TLS-terminating proxy: the scheme (for the cookie's
    Secure flag) and the client's address (for sign-in throttling) come from the proxy's
    X-Forwarded-Proto and X-Forwarded-For, when the proxy is one of `forwarded_allow_ips`."""
    return {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from zoombridge.web.app import create_app

    settings = get_settings()
    workers = getattr(args, "workers", 1)
    problem = workers_problem(settings, workers) or database_problem(settings)
    if problem is not None:
        print(f"zoombridge serve: {problem}", file=sys.stderr)
        return 1
    try:
        # Bound before uvicorn starts: a port in use is one line here, not a traceback after
        # "startup complete".
        sock = listen(args.host, args.port)
    except ListenError as exc:
        print(f"zoombridge serve: {exc}", file=sys.stderr)
        return 1
    if workers > 1:
        # Each process builds its own app (and engine) from the same settings; they share the
        # socket bound above, and uvicorn restarts a process that dies.
        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config(
            "zoombridge.web.app:create_app",
            factory=True,
            workers=workers,
            log_level="info",
            **uvicorn_options(settings),
        )
        Multiprocess(config, sockets=[sock]).run()
        return 0
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="info", **uvicorn_options(settings))
    )
    server.run(sockets=[sock])
    return 0
