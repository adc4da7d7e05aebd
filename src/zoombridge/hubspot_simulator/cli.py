"""`zoombridge hubspot-simulator`: the HubSpot simulator as its own HTTP server."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from zoombridge.hubspot_simulator.config import TIERS, FaultConfig, HubSpotSimulatorConfig


def _port(text: str) -> int:
    # The simulators share nothing with the product, not even its argument types.
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: use 1 to 65535")
    return int(text)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "hubspot-simulator",
        help="run the HubSpot simulator (a local stand-in for HubSpot's API)",
        description="Serve a simulated HubSpot API, its /_sim admin paths and a page at /.",
    )
    defaults = HubSpotSimulatorConfig()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=_port, default=9100)
    parser.add_argument("--hub-id", type=int, default=defaults.hub_id)
    parser.add_argument("--tier", choices=TIERS, default=defaults.tier)
    parser.add_argument("--api-limit-pack", action="store_true")
    parser.add_argument("--time-zone", default=defaults.time_zone, help="IANA name")
    parser.add_argument("--token", default=defaults.token, help="the private app token")
    parser.add_argument("--app-secret", default=defaults.app_secret, help="signs workflow requests")
    parser.add_argument("--no-rate-limits", action="store_true", help="count but never refuse")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--latency-ms-min", type=float, default=None)
    parser.add_argument("--latency-ms-max", type=float, default=None)
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction answered 5xx")
    parser.add_argument("--rate-429", type=float, default=0.0, help="fraction answered 429")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="fraction dropped")
    parser.add_argument("--workflow-retry-scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.set_defaults(handler=run)


def config_from_args(args: argparse.Namespace) -> HubSpotSimulatorConfig:
    if (args.latency_ms_min is None) != (args.latency_ms_max is None):
        raise SystemExit("--latency-ms-min and --latency-ms-max go together")
    for name in ("error_rate", "rate_429", "drop_rate"):
        if not 0 <= getattr(args, name) <= 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be between 0 and 1")
    return HubSpotSimulatorConfig(
        hub_id=args.hub_id,
        tier=args.tier,
        api_limit_pack=args.api_limit_pack,
        time_zone=args.time_zone,
        token=args.token,
        app_secret=args.app_secret,
        rate_limits=not args.no_rate_limits,
        workflow_retry_scale=args.workflow_retry_scale,
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


def print_banner(url: str, config: HubSpotSimulatorConfig, out: TextIO | None = None) -> None:
    """What an operator needs to talk to a simulator at `url` (a demo may reuse it).

    The token and app secret are printed on purpose: they are the simulator's own, made up.
    """
    out = out or sys.stdout
    lines = [
        "HubSpot simulator",
        f"  API:          {url}   (stands in for https://api.hubapi.com)",
        f"  Page:         {url}/",
        f"  Admin:        {url}/_sim",
        f"  Hub ID:       {config.hub_id}",
        f"  Tier:         {config.tier}"
        + (" + API limit pack" if config.api_limit_pack else "")
        + ("" if config.rate_limits else ", rate limits off"),
        f"  Time zone:    {config.time_zone}",
        f"  Token:        {config.token}",
        f"  App secret:   {config.app_secret}",
        "",
        "Try it:",
        f"  curl -s -H 'Authorization: Bearer {config.token}' '{url}/crm/v3/objects/contacts'",
        "",
    ]
    out.write("\n".join(lines) + "\n")
    out.flush()


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from zoombridge.hubspot_simulator.app import create_app
    from zoombridge.hubspot_simulator.server import quiet_dropped_connections

    config = config_from_args(args)
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
    print_banner(f"http://{host}:{args.port}", config)
    quiet_dropped_connections()
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="info")
    return 0
