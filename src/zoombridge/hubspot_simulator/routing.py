"""HubSpot paths matched segment by segment (ids may be emails, percent-encoded), and the
`Call` handlers receive."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from zoombridge.hubspot_simulator.errors import ApiError, validation_error
from zoombridge.hubspot_simulator.runtime import Simulation
from zoombridge.hubspot_simulator.state import Account, Token


@dataclass
class Call:
    """One authenticated API call as handlers see it."""

    sim: Simulation
    request: Request
    account: Account
    token: Token
    operation_id: str
    params: dict[str, str]
    _body: Any = field(default=None, repr=False)

    @property
    def now(self) -> datetime:
        return self.sim.clock.now()

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def query_list(self, name: str) -> list[str]:
        """A list parameter, sent repeated (`a=1&a=2`) or comma-separated (`a=1,2`)."""
        values: list[str] = []
        for raw in self.request.query_params.getlist(name):
            values.extend(v for v in raw.split(",") if v)
        return values

    def flag(self, name: str) -> bool:
        return (self.query(name) or "").lower() == "true"

    async def json(self) -> dict[str, Any]:
        if self._body is None:
            raw = await self.request.body()
            try:
                self._body = json.loads(raw) if raw.strip() else {}
            except ValueError:
                raise validation_error("The request body is not valid JSON.") from None
        if not isinstance(self._body, dict):
            raise validation_error("The request body must be a JSON object.")
        return self._body

    async def inputs(self, limit: int = 100) -> list[Any]:
        body = await self.json()
        inputs = body.get("inputs")
        if not isinstance(inputs, list):
            raise validation_error("inputs is required and must be an array.", field="inputs")
        if len(inputs) > limit:
            raise validation_error(
                f"Batch input limit exceeded: {len(inputs)} inputs were sent, at most {limit} "
                "are allowed.",
                field="inputs",
            )
        return inputs


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    method: str
    segments: tuple[str, ...]
    operation_id: str
    handler: Handler
    search: bool = False


class Router:
    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(
        self, method: str, path: str, operation_id: str, handler: Handler, *, search: bool = False
    ) -> None:
        route = Route(method, tuple(path.strip("/").split("/")), operation_id, handler, search)
        self._routes.append(route)
        # Literal segments win over parameters: /contacts/search before /contacts/{contactId}.
        self._routes.sort(key=lambda r: sum(s.startswith("{") for s in r.segments))

    @property
    def routes(self) -> list[Route]:
        return list(self._routes)

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        parts = raw_path.strip("/").split("/")
        path_matched = False
        for route in self._routes:
            params = _match(route.segments, parts)
            if params is None:
                continue
            path_matched = True
            if route.method == method:
                return route, params
        if path_matched:
            raise ApiError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on this path.")
        return None


def _match(pattern: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(parts):
        return None
    params: dict[str, str] = {}
    for want, got in zip(pattern, parts, strict=True):
        if want.startswith("{"):
            if not got:
                return None
            params[want[1:-1]] = unquote(got)
        elif want != got:
            return None
    return params
