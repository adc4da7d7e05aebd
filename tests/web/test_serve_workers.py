"""`zoombridge serve --workers N`: several API processes on one port, on PostgreSQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from zoombridge.db.encryption import SecretBox

ZOOMBRIDGE = Path(sys.executable).with_name("zoombridge")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_two_api_processes_serve_one_port_on_postgresql(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("several processes are for PostgreSQL (SQLite refuses them, tested apart)")
    if not ZOOMBRIDGE.exists():
        pytest.skip(f"the zoombridge command is not installed beside {sys.executable}")
    port = _free_port()
    env = {
        **os.environ,
        "ZOOMBRIDGE_DATABASE_URL": database_url,
        "ZOOMBRIDGE_SECRET_KEY": SecretBox.new_key(),
        "ZOOMBRIDGE_DATA_DIR": str(tmp_path),
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [str(ZOOMBRIDGE), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        answered = 0
        while time.monotonic() < deadline and answered < 5:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    answered += 1
            except httpx.TransportError:
                time.sleep(0.2)
        assert answered == 5, (tmp_path / "serve.log").read_text()
        assert len(_children(process.pid)) >= 2  # the two API processes (and the supervisor's)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
