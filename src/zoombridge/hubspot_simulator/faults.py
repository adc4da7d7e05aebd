"""Injected misbehaviour for API paths: latency, 5xx answers, spurious 429s, dropped connections.

Faults come from rates (`FaultConfig`, for chaos runs) or from a script of the next N requests
(`POST /_sim/faults/script`, for tests that need one exact fault). A dropped connection must
look like one to the client, a transport error and not an HTTP answer: the response head is
sent promising a body that never follows. Half the dropped requests never took effect, half
did (the contact was written, the answer lost), which is what makes idempotent resends matter.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Literal

from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from zoombridge.hubspot_simulator.config import FaultConfig
from zoombridge.hubspot_simulator.errors import ApiError

DropWhen = Literal["before", "after"]
SCRIPT_KINDS = ("429", "daily_429", "5xx", "drop_before", "drop_after")


@dataclass
class FaultPlan:
    """What to do to one request, decided when it arrives."""

    latency_s: float = 0.0
    error: Response | None = None
    rate_limited: ApiError | None = None
    drop: DropWhen | None = None


@dataclass
class ScriptedFault:
    kind: str
    retry_after_s: float | None = None


class FaultScript:
    """Faults for the next requests, in order, one request each."""

    def __init__(self) -> None:
        self._queue: deque[ScriptedFault] = deque()

    def add(self, kind: str, count: int, retry_after_s: float | None) -> None:
        if kind not in SCRIPT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(SCRIPT_KINDS)}")
        self._queue.extend(ScriptedFault(kind, retry_after_s) for _ in range(count))

    def clear(self) -> None:
        self._queue.clear()

    def pending(self) -> list[dict[str, object]]:
        return [{"kind": f.kind, "retry_after_s": f.retry_after_s} for f in self._queue]

    def next(self) -> ScriptedFault | None:
        return self._queue.popleft() if self._queue else None


def plan_for(config: FaultConfig, script: FaultScript, rng: random.Random) -> FaultPlan:
    plan = FaultPlan()
    if config.latency_ms_min is not None and config.latency_ms_max is not None:
        plan.latency_s = rng.uniform(config.latency_ms_min, config.latency_ms_max) / 1000
    elif config.latency_ms:
        plan.latency_s = config.latency_ms / 1000
    scripted = script.next()
    if scripted is not None:
        if scripted.kind == "5xx":
            plan.error = server_error(rng)
        elif scripted.kind in ("429", "daily_429"):
            plan.rate_limited = spurious_429(scripted.kind == "daily_429", scripted.retry_after_s)
        else:
            plan.drop = "before" if scripted.kind == "drop_before" else "after"
        return plan
    roll = rng.random()
    if roll < config.drop_rate:
        plan.drop = "before" if rng.random() < 0.5 else "after"
    elif roll < config.drop_rate + config.error_rate:
        plan.error = server_error(rng)
    elif roll < config.drop_rate + config.error_rate + config.rate_429:
        plan.rate_limited = spurious_429(False, 1.0)
    return plan


def server_error(rng: random.Random) -> Response:
    """A 500/502/503 as HubSpot's edge answers them: sometimes JSON, sometimes a plain page."""
    status = rng.choice((500, 502, 503))
    if rng.random() < 0.5:
        return JSONResponse(
            {
                "status": "error",
                "message": "internal error",
                "correlationId": str(uuid.uuid4()),
                "category": "INTERNAL_ERROR",
            },
            status_code=status,
        )
    text = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    return PlainTextResponse(text[status], status_code=status)


def spurious_429(daily: bool, retry_after_s: float | None) -> ApiError:
    policy = "DAILY" if daily else "TEN_SECONDLY_ROLLING"
    headers = {"Retry-After": f"{retry_after_s:g}"} if retry_after_s is not None else {}
    return ApiError(
        429,
        "RATE_LIMIT",
        f"You have reached your {'daily' if daily else 'ten_secondly_rolling'} limit.",
        headers=headers,
        kind="fault",
        policy=policy,
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
        await asyncio.sleep(0)
