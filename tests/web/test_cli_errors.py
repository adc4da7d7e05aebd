"""Configuration errors on the command line: one line saying what to fix, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ZOOMBRIDGE = Path(sys.executable).with_name("zoombridge")


def zoombridge(tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    if not ZOOMBRIDGE.exists():
        pytest.skip(f"the zoombridge command is not installed beside {sys.executable}")
    environment = {**os.environ, "ZOOMBRIDGE_DATA_DIR": str(tmp_path), **env}
    environment.pop("ZOOMBRIDGE_DATABASE_URL", None)
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [str(ZOOMBRIDGE), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, result.stderr
    return lines[-1]


@pytest.mark.parametrize("command", [("serve",), ("worker", "--once"), ("user", "list")])
def test_an_unsupported_database_url_is_one_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = zoombridge(tmp_path, *command, ZOOMBRIDGE_DATABASE_URL="mysql://db/zoombridge")
    assert "unsupported database URL scheme 'mysql'" in _one_line(result)


def test_a_bad_setting_names_its_variable(tmp_path: Path) -> None:
    result = zoombridge(tmp_path, "worker", "--once", ZOOMBRIDGE_LOG_LEVEL="LOUD")
    assert "ZOOMBRIDGE_LOG_LEVEL" in _one_line(result)


def test_a_port_out_of_range_is_refused(tmp_path: Path) -> None:
    assert "99999 is not a port" in _one_line(zoombridge(tmp_path, "serve", "--port", "99999"))


def test_serve_on_a_busy_port_says_so_before_starting(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = zoombridge(tmp_path, "serve", "--port", str(port))
    line = _one_line(result)
    assert f"cannot listen on 127.0.0.1:{port}" in line
    assert "startup complete" not in result.stderr.lower()


def test_serve_with_several_processes_is_refused_on_sqlite_with_the_reason(
    tmp_path: Path,
) -> None:
    line = _one_line(zoombridge(tmp_path, "serve", "--workers", "2"))
    assert "--workers needs PostgreSQL" in line or "PostgreSQL" in line
    assert "zoombridge serve:" in line
