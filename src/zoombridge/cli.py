"""The `zoombridge` command. Each domain adds its own sub-commands through `register()`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from zoombridge import __version__

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zoombridge",
        description="Connects tickets, bookings, courses and CRM contacts to Zoom.",
    )
    parser.add_argument("--version", action="version", version=f"zoombridge {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # Imported here so `zoombridge --help` stays fast and one broken domain names itself.
    from zoombridge import demo
    from zoombridge.accounts import cli as accounts_cli
    from zoombridge.db import cli as db_cli
    from zoombridge.simulator import cli as simulator_cli
    from zoombridge.sync import cli as sync_cli
    from zoombridge.web import serve as serve_cli

    demo.register(sub)
    simulator_cli.register(sub)
    db_cli.register(sub)
    sync_cli.register(sub)
    serve_cli.register(sub)
    accounts_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
