"""`zoombridge demo`: the product in one process with the simulator standing in for Zoom.

At this stage the product is its foundation: the Zoom client, storage and the simulator. The
demo therefore serves the simulator with its default Pro account and prints how to use it; the
REST API, web UI and sync worker join this process as they are built.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the product locally with the Zoom simulator (no Zoom account needed)",
        description="Run zoombridge locally: the Zoom simulator with a sample Pro account.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=9000, help="port to listen on")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from zoombridge.simulator.app import create_app
    from zoombridge.simulator.cli import print_banner
    from zoombridge.simulator.config import SimulatorConfig
    from zoombridge.simulator.server import quiet_dropped_connections

    config = SimulatorConfig()
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
    print("zoombridge demo: Zoom is simulated here, no account needed. Ctrl-C stops it.\n")
    print_banner(f"http://{shown_host}:{args.port}", config)
    quiet_dropped_connections()
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning")
    return 0
