"""`zoombridge serve`: the REST API, the web UI and the Zoom webhook receiver under uvicorn.

On SQLite the database is migrated at start (one file, one process: nothing else can be midway
through a migration). On PostgreSQL run `zoombridge db upgrade` first, once per release: several
`serve` processes starting together must not race to migrate.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

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
    parser.set_defaults(handler=run)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How `serve` runs uvicorn behind a TLS-terminating proxy: the scheme (for the cookie's
    Secure flag) and the client's address (for sign-in throttling) come from the proxy's
    X-Forwarded-Proto and X-Forwarded-For, when the proxy is one of `forwarded_allow_ips`."""
    return {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from zoombridge.web.app import create_app

    settings = get_settings()
    problem = database_problem(settings)
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
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="info", **uvicorn_options(settings))
    )
    server.run(sockets=[sock])
    return 0
