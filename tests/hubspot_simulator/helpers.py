"""A plain HTTP client for the HubSpot simulator whose every answer is checked against
HubSpot's specs (requests are sent as given: tests send invalid ones on purpose)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.hubspot_spec import load_specs
from zoombridge.hubspot_simulator import HubSpotSimulatorServer


class HubSpotApi:
    def __init__(self, server: HubSpotSimulatorServer, token: str | None = None) -> None:
        self.server = server
        self.token = token if token is not None else server.config.token
        self.http = httpx.Client(base_url=server.url, timeout=10)
        self.problems: list[str] = []
        self.specs = load_specs()

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        response = self.http.request(method, path, headers=headers, **kwargs)
        self._check(response)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def _check(self, response: httpx.Response) -> None:
        if self.specs is None or response.status_code >= 500:
            return
        path = response.request.url.raw_path.decode("ascii").split("?", 1)[0]
        operation = self.specs.match(response.request.method, path)
        if operation is None:
            self.problems.append(f"{response.request.method} {path}: no operation in the specs")
            return
        for problem in self.specs.response_errors(operation, response.request, response):
            self.problems.append(f"{operation} -> {response.status_code}: {problem[:800]}")

    def upsert(self, *emails: str, **properties: str) -> httpx.Response:
        inputs = [{"id": e, "idProperty": "email", "properties": dict(properties)} for e in emails]
        return self.post("/crm/v3/objects/contacts/batch/upsert", json={"inputs": inputs})
