"""`zoombridge hubspot-simulator`: options and the banner."""

from __future__ import annotations

import io

import pytest

from zoombridge.cli import build_parser
from zoombridge.hubspot_simulator.cli import config_from_args, print_banner


def test_options_make_the_config() -> None:
    args = build_parser().parse_args(
        [
            "hubspot-simulator",
            "--port",
            "9200",
            "--tier",
            "professional",
            "--api-limit-pack",
            "--time-zone",
            "Europe/Helsinki",
            "--error-rate",
            "0.1",
            "--no-rate-limits",
        ]
    )
    config = config_from_args(args)
    assert (args.host, args.port) == ("127.0.0.1", 9200)
    assert (config.tier, config.api_limit_pack, config.time_zone) == (
        "professional",
        True,
        "Europe/Helsinki",
    )
    assert (config.faults.error_rate, config.rate_limits) == (0.1, False)


def test_rates_out_of_range_are_refused() -> None:
    args = build_parser().parse_args(["hubspot-simulator", "--drop-rate", "2"])
    with pytest.raises(SystemExit):
        config_from_args(args)


def test_the_banner_says_how_to_call_it() -> None:
    args = build_parser().parse_args(["hubspot-simulator"])
    out = io.StringIO()
    print_banner("http://127.0.0.1:9100", config_from_args(args), out)
    text = out.getvalue()
    assert "Hub ID:       1234567" in text
    assert "curl -s -H 'Authorization: Bearer pat-sim-" in text
