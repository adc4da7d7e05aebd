"""`zoombridge db …`, driven through the parser `register()` builds, as the main CLI does."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from zoombridge.db import cli, migrate
from zoombridge.settings import get_settings


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="zoombridge")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ZOOMBRIDGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ZOOMBRIDGE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_upgrade_then_current(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/zb.db"
    head = migrate.head_revision()

    assert run("db", "current", "--database-url", url) == 0
    assert "not migrated yet" in capsys.readouterr().out

    assert run("db", "upgrade", "--database-url", url) == 0
    assert f"upgraded (new database) -> {head}" in capsys.readouterr().out
    assert migrate.current(url) == head

    assert run("db", "upgrade", "--database-url", url) == 0
    assert f"already at {head}" in capsys.readouterr().out

    assert run("db", "current", "--database-url", url) == 0
    assert f"{head} (up to date)" in capsys.readouterr().out


def test_defaults_to_the_settings_database(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("db", "upgrade") == 0

    assert (data_dir / "zoombridge.db").is_file()
    assert str(data_dir / "zoombridge.db") in capsys.readouterr().out


def test_unsupported_url_fails_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("db", "upgrade", "--database-url", "mysql://zb@127.0.0.1/zb") == 1

    assert "unsupported database URL scheme 'mysql'" in capsys.readouterr().err


def test_unreachable_server_fails_with_a_message_and_no_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "postgresql://zb:pa55word@127.0.0.1:1/zb"

    assert run("db", "current", "--database-url", url) == 1

    err = capsys.readouterr().err
    assert err.startswith("zoombridge db: cannot read postgresql+psycopg://zb:***@127.0.0.1:1/zb")
    assert "pa55word" not in err
