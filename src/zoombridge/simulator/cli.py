"""`zoombridge simulator`: the Zoom simulator as its own HTTP server, in the foreground."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from zoombridge.simulator.config import PLANS, FaultConfig, SimulatorConfig


def _port(text: str) -> int:
    # The simulators share nothing with the product, not even its argument types.
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: use 1 to 65535")
    return int(text)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "simulator",
        help="run the Zoom simulator (a local stand-in for Zoom's API)",
        description="Serve a simulated Zoom API (/v2, /oauth/token) and its /_sim admin paths.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=_port, default=9000)
    defaults = SimulatorConfig()
    parser.add_argument("--account-id", default=defaults.account_id)
    parser.add_argument("--client-id", default=defaults.client_id)
    parser.add_argument("--client-secret", default=defaults.client_secret)
    parser.add_argument("--plan", choices=PLANS, default=defaults.plan)
    parser.add_argument("--no-webinar-addon", action="store_true", help="account has no webinars")
    parser.add_argument("--no-rate-limits", action="store_true", help="count but never refuse")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="fixed added latency")
    parser.add_argument("--latency-ms-min", type=float, default=None)
    parser.add_argument("--latency-ms-max", type=float, default=None)
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction answered 5xx")
    parser.add_argument("--rate-429", type=float, default=0.0, help="fraction answered 429")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="fraction dropped")
    parser.add_argument(
        "--webhook-retry-scale",
        type=float,
        default=1.0,
        help="multiplies Zoom's webhook retry delays (5, 20, 60 min)",
    )
    parser.add_argument("--seed", type=int, default=None, help="for reproducible randomness")
    parser.set_defaults(handler=run)


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    if (args.latency_ms_min is None) != (args.latency_ms_max is None):
        raise SystemExit("--latency-ms-min and --latency-ms-max go together")
    for name in ("error_rate", "rate_429", "drop_rate"):
        if not 0 <= getattr(args, name) <= 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be between 0 and 1")
    return SimulatorConfig(
        account_id=args.account_id,
        client_id=args.client_id,
        client_secret=args.client_secret,
        plan=args.plan,
        webinar_addon=not args.no_webinar_addon,
        rate_limits=not args.no_rate_limits,
        webhook_retry_scale=args.webhook_retry_scale,
        seed=args.seed,
        faults=FaultConfig(
            latency_ms=args.latency_ms,
            latency_ms_min=args.latency_ms_min,
            latency_ms_max=args.latency_ms_max,
            error_rate=args.error_rate,
            rate_429=args.rate_429,
            drop_rate=args.drop_rate,
        ),
    )


def print_banner(url: str, config: SimulatorConfig, out: TextIO | None = None) -> None:
    """What an operator needs to talk to a simulator at `url` (the demo command reuses it).

    The client secret is printed on purpose: it is the simulator's own, made-up credential.
    """
    out = out or sys.stdout
    lines = [
        "Zoom simulator",
        f"  API:          {url}/v2",
        f"  OAuth token:  {url}/oauth/token",
        f"  Admin:        {url}/_sim",
        f"  Account id:   {config.account_id}",
        f"  Client id:    {config.client_id}",
        f"  Client secret:{' '}{config.client_secret}",
        f"  Plan:         {config.plan}"
        + ("" if config.webinar_addon else " (no webinar add-on)")
        + ("" if config.rate_limits else ", rate limits off"),
        "",
        "Get a token:",
        f"  curl -s -X POST -u '{config.client_id}:{config.client_secret}' "
        f"'{url}/oauth/token?grant_type=account_credentials&account_id={config.account_id}'",
        "",
    ]
    out.write("\n".join(lines) + "\n")
    out.flush()


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from zoombridge.simulator.app import create_app
    from zoombridge.simulator.server import quiet_dropped_connections

    config = config_from_args(args)
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
    print_banner(f"http://{host}:{args.port}", config)
    quiet_dropped_connections()
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="info")
    return 0
