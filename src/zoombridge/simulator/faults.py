"""Injected misbehaviour for Zoom paths: latency, 5xx answers, spurious 429s, dropped connections.

A dropped connection must look like one to the client (a transport error, not an HTTP answer):
the response head is sent with a Content-Length and the body never follows, so the server
closes the connection mid-response. Drops happen either before the request takes effect or
after it did; the second kind is what makes client idempotency matter.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Literal

from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from zoombridge.simulator.config import FaultConfig
from zoombridge.simulator.errors import ZoomError
from zoombridge.simulator.ratelimit import QPS_MESSAGE

DropWhen = Literal["before", "after"]


@dataclass
class FaultPlan:
    """What to do to one request, decided when it arrives."""

    latency_s: float = 0.0
    error: Response | None = None
    spurious_429: bool = False
    drop: DropWhen | None = None


def plan_for(config: FaultConfig, rng: random.Random) -> FaultPlan:
    plan = FaultPlan()
    if config.latency_ms_min is not None and config.latency_ms_max is not None:
        plan.latency_s = rng.uniform(config.latency_ms_min, config.latency_ms_max) / 1000
    elif config.latency_ms:
        plan.latency_s = config.latency_ms / 1000
    roll = rng.random()
    if roll < config.drop_rate:
        plan.drop = "before" if rng.random() < 0.5 else "after"
    elif roll < config.drop_rate + config.error_rate:
        plan.error = server_error(rng)
    elif roll < config.drop_rate + config.error_rate + config.rate_429:
        plan.spurious_429 = True
    return plan


def server_error(rng: random.Random) -> Response:
    """A 500/502/503 as Zoom's edge answers them: sometimes JSON, sometimes a plain page."""
    status = rng.choice((500, 502, 503))
    if rng.random() < 0.5:
        return JSONResponse(
            {"code": status, "message": "Internal Error. The server encountered a problem."},
            status_code=status,
        )
    text = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    return PlainTextResponse(text[status], status_code=status)


def spurious_429(category: str, limit: int) -> ZoomError:
    return ZoomError(
        429,
        429,
        QPS_MESSAGE,
        headers={
            "X-RateLimit-Category": category,
            "X-RateLimit-Type": "QPS",
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "Retry-After": "1",
        },
        kind="fault",
    )


class DroppedConnection(Response):
    """Sends a response head promising a body, then stops: the server closes the socket."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        # Returning without the body makes uvicorn close the connection mid-response.
        await asyncio.sleep(0)
