"""Routing of Zoom paths on the raw (still percent-encoded) path.

Zoom's instance UUIDs may hold `/`: clients send them as `%2F`, or `%252F` (double-encoded)
when the UUID starts with `/` or contains `//`. Starlette decodes the path before routing, which
would split such an id into two segments, so Zoom paths are matched here segment by segment on
`scope["raw_path"]`, and each id segment is decoded once, then again if it still holds `%`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from zoombridge.simulator.errors import ZoomError
from zoombridge.simulator.request_models import QUERIES, REQUEST_BODIES, ZoomRequest, parse
from zoombridge.simulator.runtime import Simulation
from zoombridge.simulator.state import Account

R = TypeVar("R", bound=ZoomRequest)


@dataclass
class Call:
    """One authenticated Zoom API call as handlers see it."""

    sim: Simulation
    request: Request
    account: Account
    operation_id: str
    params: dict[str, str]
    query: dict[str, str]
    _body: Any = field(default=None, repr=False)
    _query: ZoomRequest | None = field(default=None, repr=False)

    @property
    def now(self) -> datetime:
        return self.sim.clock.now()

    def check_query(self) -> None:
        """Checks the query against the operation's query model (Zoom's 300 if it is wrong)."""
        self._query = parse(QUERIES[self.operation_id], self.query)

    def query_as(self, model: type[R]) -> R:
        """The checked query, as the model the handler expects for this operation."""
        if self._query is None:
            self.check_query()
        if not isinstance(self._query, model):
            raise TypeError(f"{self.operation_id} queries are {QUERIES[self.operation_id]}")
        return self._query

    async def body(self, model: type[R]) -> R:
        """The JSON body checked against the operation's request model."""
        if REQUEST_BODIES.get(self.operation_id) is not model:
            # A handler reading a body with another model than the table says is a bug here.
            raise TypeError(f"{self.operation_id} bodies are not {model.__name__}")
        return parse(model, await self.json())

    async def json(self) -> dict[str, Any]:
        """The JSON body as an object ({} when empty); anything else is Zoom's 300."""
        if self._body is None:
            raw = await self.request.body()
            if not raw.strip():
                self._body = {}
            else:
                try:
                    self._body = json.loads(raw)
                except ValueError:
                    raise ZoomError(
                        400,
                        300,
                        "Validation Failed.",
                        errors=[
                            {"field": "body", "message": "The request body is not valid JSON."}
                        ],
                    ) from None
        if not isinstance(self._body, dict):
            raise ZoomError(
                400,
                300,
                "Validation Failed.",
                errors=[{"field": "body", "message": "The request body must be a JSON object."}],
            )
        return self._body


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class ZoomRoute:
    method: str
    segments: tuple[str, ...]
    operation_id: str
    handler: Handler

    @property
    def param_count(self) -> int:
        return sum(1 for s in self.segments if s.startswith("{"))


class ZoomRouter:
    def __init__(self) -> None:
        self._routes: list[ZoomRoute] = []

    def add(self, method: str, path: str, operation_id: str, handler: Handler) -> None:
        segments = tuple(path.strip("/").split("/"))
        self._routes.append(ZoomRoute(method, segments, operation_id, handler))
        # Literal segments win over parameters: /registrants/status before /{registrantId}.
        self._routes.sort(key=lambda r: r.param_count)

    def match(self, method: str, raw_path: str) -> tuple[ZoomRoute, dict[str, str]] | None:
        parts = raw_path.strip("/").split("/")
        path_matched = False
        for route in self._routes:
            params = _match_segments(route.segments, parts)
            if params is None:
                continue
            path_matched = True
            if route.method == method:
                return route, params
        if path_matched:
            raise ZoomError(405, 405, f"Method {method} is not allowed on this path.")
        return None

    @property
    def routes(self) -> list[ZoomRoute]:
        return list(self._routes)


def _match_segments(pattern: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(parts):
        return None
    params: dict[str, str] = {}
    for want, got in zip(pattern, parts, strict=True):
        if want.startswith("{"):
            if not got:
                return None
            params[want[1:-1]] = decode_segment(got)
        elif want != got:
            return None
    return params


def decode_segment(raw: str) -> str:
    once = unquote(raw)
    return unquote(once) if "%" in once else once
