"""The `zoombridge` command. Each domain adds its own sub-commands through `register()`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from zoombridge import __version__
from zoombridge.db.encryption import EncryptionError
from zoombridge.db.engine import UnsupportedDatabaseError

CONFIGURATION_ERRORS = (UnsupportedDatabaseError, EncryptionError, ValidationError)

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
    from zoombridge import worker as worker_cli
    from zoombridge.accounts import cli as accounts_cli
    from zoombridge.db import cli as db_cli
    from zoombridge.hubspot_simulator import cli as hubspot_simulator_cli
    from zoombridge.simulator import cli as simulator_cli
    from zoombridge.web import serve as serve_cli

    demo.register(sub)
    simulator_cli.register(sub)
    hubspot_simulator_cli.register(sub)
    db_cli.register(sub)
    worker_cli.register(sub)
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
    except CONFIGURATION_ERRORS as exc:
        # A setting that cannot work (an unsupported database URL, a secret key that is not
        # one, a bad ZOOMBRIDGE_ variable): one line saying what to fix, not a traceback.
        print(f"zoombridge {args.command}: {_one_line(exc)}", file=sys.stderr)
        return 2


def _one_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "settings: " + "; ".join(
            f"ZOOMBRIDGE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
