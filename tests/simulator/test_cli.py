"""`zoombridge simulator`: the sub-command's options and the banner."""

from __future__ import annotations

import argparse
import io

import pytest

from zoombridge.simulator import cli


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zoombridge")
    cli.register(parser.add_subparsers(dest="command"))
    return parser


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _parser().parse_args(["simulator", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for option in (
        "--port",
        "--plan",
        "--no-webinar-addon",
        "--drop-rate",
        "--webhook-retry-scale",
        "--seed",
    ):
        assert option in text


def test_options_become_a_config() -> None:
    args = _parser().parse_args(
        [
            "simulator",
            "--port", "9100",
            "--plan", "business",
            "--no-webinar-addon",
            "--no-rate-limits",
            "--latency-ms-min", "5",
            "--latency-ms-max", "10",
            "--error-rate", "0.1",
            "--drop-rate", "0.05",
            "--seed", "7",
        ]
    )  # fmt: skip
    assert args.handler is cli.run
    assert args.port == 9100
    config = cli.config_from_args(args)
    assert config.plan == "business"
    assert config.webinar_addon is False
    assert config.rate_limits is False
    assert config.faults.latency_ms_min == 5
    assert config.faults.error_rate == 0.1
    assert config.faults.drop_rate == 0.05
    assert config.seed == 7
    with pytest.raises(SystemExit):
        cli.config_from_args(_parser().parse_args(["simulator", "--error-rate", "2"]))


def test_banner_has_urls_credentials_and_curl() -> None:
    out = io.StringIO()
    config = cli.config_from_args(_parser().parse_args(["simulator"]))
    cli.print_banner("http://127.0.0.1:9000", config, out)
    text = out.getvalue()
    assert "http://127.0.0.1:9000/v2" in text
    assert "http://127.0.0.1:9000/_sim" in text
    assert "sim-account" in text
    assert "sim-client-secret" in text
    assert (
        "curl -s -X POST -u 'sim-client-id:sim-client-secret' "
        "'http://127.0.0.1:9000/oauth/token?grant_type=account_credentials&account_id=sim-account'"
    ) in text
