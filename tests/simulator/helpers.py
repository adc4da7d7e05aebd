"""Helpers for simulator tests: a Zoom API client that checks every answer against Zoom's
specs, and a threaded uvicorn server for webhook receivers."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from tests.fixtures.contract import load_specs
from tests.fixtures.simulator import fetch_token
from zoombridge.simulator import SimulatorServer


class ZoomApi:
    """httpx against the simulator's /v2 with a token; answers are checked against the specs.

    Requests are sent as given (tests send invalid ones on purpose); only answers are checked.
    """

    def __init__(self, server: SimulatorServer, token: str | None = None) -> None:
        self.server = server
        self.token = token or fetch_token(server)
        self.http = httpx.Client(base_url=server.api_url, timeout=10)
        self.problems: list[str] = []
        self.specs = load_specs()

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        response = self.http.request(method, path, headers=headers, **kwargs)
        self._check(response)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def _check(self, response: httpx.Response) -> None:
        if self.specs is None or response.status_code >= 500:
            return
        raw = response.request.url.raw_path.decode("ascii").split("?", 1)[0]
        operation = self.specs.match(response.request.method, raw.removeprefix("/v2"))
        if operation is None:
            self.problems.append(f"{response.request.method} {raw}: no operation in the specs")
            return
        # The named spec gaps (tests/fixtures/spec_gaps.py) are allowed for inside the check.
        for problem in self.specs.response_errors(operation, response.request, response, "/v2"):
            self.problems.append(f"{operation} -> {response.status_code}: {problem[:800]}")

    # conveniences
    def create_meeting(self, user: str = "me", **body: Any) -> dict[str, Any]:
        body.setdefault("topic", "Test meeting")
        body.setdefault("type", 2)
        body.setdefault("start_time", "2030-01-15T10:00:00Z")
        body.setdefault("duration", 60)
        response = self.post(f"/users/{user}/meetings", json=body)
        assert response.status_code == 201, response.text
        meeting: dict[str, Any] = response.json()
        return meeting

    def create_webinar(self, user: str = "me", **body: Any) -> dict[str, Any]:
        body.setdefault("topic", "Test webinar")
        body.setdefault("type", 5)
        body.setdefault("start_time", "2030-01-15T10:00:00Z")
        body.setdefault("duration", 60)
        response = self.post(f"/users/{user}/webinars", json=body)
        assert response.status_code == 201, response.text
        webinar: dict[str, Any] = response.json()
        return webinar


class ThreadedServer:
    """Any ASGI app served by uvicorn on loopback in a background thread."""

    def __init__(self, app: ASGIApp) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def wait_for(predicate: Any, timeout: float = 10.0) -> Any:
    """Polls until predicate() is truthy (for background webhook deliveries)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)
