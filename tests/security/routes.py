"""Every route the app serves, found by walking `app.routes` (never listed by hand).

FastAPI 0.16x keeps included routers as `_IncludedRouter` entries whose
`effective_route_contexts()` yield the real routes; plain Starlette routes (the OpenAPI and
docs pages, the static mount) sit at the top level.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.routing import Mount

from zoombridge.web.auth_session import UIRoute


@dataclass(frozen=True)
class ServedRoute:
    method: str
    path: str  # the template, e.g. /api/v1/events/{event_id}
    ui: bool  # a UIRoute (cookie session), as opposed to the token API and the rest

    def concrete_path(self) -> str:
        """The path with every parameter replaced by an id that exists nowhere."""
        return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _walk(routes: list[object]) -> Iterator[tuple[str, set[str], object]]:
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for context in contexts():
                original = getattr(context, "original_route", context)
                yield context.path, set(context.methods or ()), original
        elif isinstance(route, Mount):
            yield route.path, set(), route
        else:
            yield getattr(route, "path", ""), set(getattr(route, "methods", None) or ()), route


def served_routes(app: FastAPI) -> list[ServedRoute]:
    found: set[ServedRoute] = set()
    for path, methods, original in _walk(list(app.routes)):
        if not path or isinstance(original, Mount):
            continue  # the static files mount: public by design
        for method in methods - {"HEAD"}:
            found.add(ServedRoute(method, path, isinstance(original, UIRoute)))
    return sorted(found, key=lambda r: (r.path, r.method))
