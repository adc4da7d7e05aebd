"""`zoombridge demo` as a new user runs it: one process, the URL, a login and an API token."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

START_TIMEOUT_S = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _read_banner(process: subprocess.Popen[str]) -> dict[str, str]:
    """Lines of the banner up to the token (the demo keeps running after it)."""
    assert process.stdout is not None
    found: dict[str, str] = {}
    deadline = time.monotonic() + START_TIMEOUT_S
    while "API token" not in found:
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"the demo exited early (code {process.poll()})")
        if time.monotonic() > deadline:
            pytest.fail("the demo did not print its banner in time")
        match = re.match(r"\s+([A-Za-z ()]+):\s+(\S+)", line)
        if match:
            found[match.group(1).strip()] = match.group(2)
    return found


def test_demo_serves_ui_and_api_with_the_printed_credentials(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "ZOOMBRIDGE_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "zoombridge.cli", "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        banner = _read_banner(process)
        url = banner["Web UI"].rstrip("/")
        assert url == f"http://127.0.0.1:{port}"
        assert (tmp_path / "demo.sqlite").exists()

        with httpx.Client(base_url=url, timeout=10) as browser:
            login = browser.get("/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
            assert csrf is not None
            signed_in = browser.post(
                "/login",
                data={
                    "email": banner["Login"],
                    "password": banner["Password"],
                    "csrf_token": csrf.group(1),
                },
            )
            assert signed_in.status_code == 303, signed_in.text
            events = browser.get("/events")
            assert events.status_code == 200
            assert "zoombridge demo webinar" in events.text

        api = httpx.get(
            f"{url}/api/v1/events",
            headers={"Authorization": f"Bearer {banner['API token']}"},
            timeout=10,
        )
        assert api.status_code == 200, api.text
        assert [e["topic"] for e in api.json()["items"]] == ["zoombridge demo webinar"]
        wrong = httpx.get(
            f"{url}/api/v1/events", headers={"Authorization": "Bearer nope"}, timeout=10
        )
        assert wrong.status_code == 401
    except BaseException:
        process.kill()
        print(process.communicate()[0])
        raise
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert process.returncode == 0, output
    assert "stopped" in output
