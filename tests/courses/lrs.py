"""A real Learning Record Store for the xAPI tests: Ralph (`ralph-malph` on PyPI), its LRS app
served on loopback with its file-system backend (`ralph_serve.py`: what `ralph runserver -b fs`
runs, the backend set to append — Ralph 5.1's refuses every write after the first), with
basic-auth credentials made by `ralph auth`.

Ralph pins versions that conflict with ours (FastAPI among them), so it runs from a virtual
environment of its own, `.venv-ralph/` at the repository's root, built from
`tests/courses/ralph-requirements.txt` the first time a test needs it (a few tens of seconds)
and reused while that file is unchanged. Parallel test workers build it once, under a file
lock. Where PyPI cannot be reached to build it, the tests that need Ralph skip and say why.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).with_name("ralph-requirements.txt")
VENV = ROOT / ".venv-ralph"
KEY = "zoombridge"
SECRET = "ralph-secret-for-tests"
START_TIMEOUT_S = 60.0


def _stamp() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def ralph_executable() -> Path:
    """`.venv-ralph/bin/ralph`, built (once, under a lock) when missing or out of date."""
    executable = VENV / "bin" / "ralph"
    stamp = VENV / ".requirements-sha256"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with (ROOT / ".venv-ralph.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if executable.exists() and stamp.exists() and stamp.read_text() == _stamp():
            return executable
        try:
            subprocess.run(  # noqa: S603 - a fixed command
                [sys.executable, "-m", "venv", "--clear", str(VENV)],
                check=True,
                capture_output=True,
            )
            subprocess.run(  # noqa: S603 - a fixed command, our own requirements file
                [
                    str(VENV / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "-r",
                    str(REQUIREMENTS),
                ],
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            output = getattr(exc, "stderr", b"") or b""
            pytest.skip(
                "Ralph (the LRS of the xAPI tests) could not be installed into .venv-ralph from "
                f"{REQUIREMENTS.name}: {output.decode(errors='replace').strip()[-300:]}"
            )
        stamp.write_text(_stamp())
        return executable


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Ralph:
    url: str  # the xAPI base, e.g. http://127.0.0.1:PORT/xAPI/
    key: str
    secret: str

    def statements(self, **params: Any) -> list[dict[str, Any]]:
        """Statements stored (every page), filtered by xAPI query parameters."""
        found: list[dict[str, Any]] = []
        url: str | None = self.url + "statements"
        query: dict[str, Any] | None = {"limit": 500, **params}
        with httpx.Client(auth=(self.key, self.secret), timeout=30) as http:
            while url:
                answer = http.get(url, params=query, headers={"X-Experience-API-Version": "1.0.3"})
                answer.raise_for_status()
                body = answer.json()
                found.extend(body["statements"])
                more = body.get("more")
                url = (self.url.split("/xAPI/")[0] + more) if more else None
                query = None
        return found


@pytest.fixture(scope="session")
def ralph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ralph]:
    executable = ralph_executable()
    home = tmp_path_factory.mktemp("ralph")
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(home / "app"),
        "RALPH_RUNSERVER_BACKEND": "fs",
    }
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            str(executable),
            "auth",
            "-u",
            KEY,
            "-p",
            SECRET,
            "-s",
            "all",
            "-M",
            "mailto:lrs@example.com",
            "-w",
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    port = _free_port()
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(executable.with_name("python")),
            str(Path(__file__).with_name("ralph_serve.py")),
            "127.0.0.1",
            str(port),
            str(home / "data"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if httpx.get(base + "/__heartbeat__", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "Ralph did not start:\n" + (home / "server.log").read_text(errors="replace")
                )
            time.sleep(0.2)
        yield Ralph(base + "/xAPI/", KEY, SECRET)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
