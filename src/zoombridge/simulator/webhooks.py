"""Outbound webhooks as Zoom sends them: URL validation, signed deliveries, retries.

Deliveries run as tasks in the server's event loop, so the API call that caused an event
answers at once. Zoom retries only on HTTP >= 500 or network errors, three times, after
5, 20 and 60 minutes (multiplied by `webhook_retry_scale` so tests take milliseconds).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from zoombridge.simulator.clock import Clock, epoch_ms

RETRY_DELAYS_S = (5 * 60, 20 * 60, 60 * 60)
DELIVERY_TIMEOUT_S = 3.0  # Zoom expects an answer within 3 seconds


def sign(secret: str, timestamp: str, body: bytes) -> str:
    message = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class Subscription:
    id: str
    account_id: str
    url: str
    secret_token: str = field(repr=False)
    events: frozenset[str] | None  # None: every event
    validated: bool = False
    validation_error: str = ""

    def wants(self, event: str) -> bool:
        return self.validated and (self.events is None or event in self.events)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account_id": self.account_id,
            "url": self.url,
            "events": sorted(self.events) if self.events is not None else None,
            "validated": self.validated,
            "validation_error": self.validation_error,
        }


@dataclass
class Attempt:
    at: datetime
    status_code: int | None
    error: str

    def public(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "status_code": self.status_code, "error": self.error}


@dataclass
class Delivery:
    id: int
    subscription_id: str
    event: str
    body: bytes
    status: str = "pending"  # pending | delivered | retrying | failed
    attempts: list[Attempt] = field(default_factory=list)

    def public(self, include_body: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "subscription_id": self.subscription_id,
            "event": self.event,
            "status": self.status,
            "attempts": [a.public() for a in self.attempts],
        }
        if include_body:
            out["body"] = json.loads(self.body)
        return out


class WebhookHub:
    """Subscriptions and deliveries; a few worker tasks send queued deliveries in order.

    A fixed number of workers (not one task per event) keeps 20,000 queued events from
    waiting on the connection pool and failing for the simulator's own reasons.
    """

    WORKERS = 16

    def __init__(self, clock: Clock, retry_scale: float) -> None:
        self._clock = clock
        self.retry_scale = retry_scale
        self.subscriptions: dict[str, Subscription] = {}
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._queue: asyncio.Queue[tuple[Subscription, Delivery]] | None = None
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(DELIVERY_TIMEOUT_S, pool=None),
                limits=httpx.Limits(max_connections=self.WORKERS + 4),
            )
        return self._client

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _enqueue(self, sub: Subscription, delivery: Delivery) -> None:
        if self._queue is None:
            self._queue = asyncio.Queue()
            for _ in range(self.WORKERS):
                self._spawn(self._worker(self._queue))
        self._queue.put_nowait((sub, delivery))

    async def _worker(self, queue: asyncio.Queue[tuple[Subscription, Delivery]]) -> None:
        while True:
            sub, delivery = await queue.get()
            try:
                retry = await self._attempt(sub, delivery)
                if retry:
                    self._schedule_retry(sub, delivery)
            finally:
                queue.task_done()

    def _schedule_retry(self, sub: Subscription, delivery: Delivery) -> None:
        done = len(delivery.attempts)
        if done > len(RETRY_DELAYS_S):
            delivery.status = "failed"
            return
        delivery.status = "retrying"
        delay = RETRY_DELAYS_S[done - 1] * self.retry_scale

        async def later() -> None:
            await asyncio.sleep(delay)
            self._enqueue(sub, delivery)

        self._spawn(later())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._queue = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _headers(self, secret: str, body: bytes) -> dict[str, str]:
        # The signed timestamp says when the request leaves, in wall-clock time: receivers
        # compare it with their own clock to refuse replays. The movable clock models Zoom's
        # calendar (when a meeting started, when someone left), so a test that jumps it forward
        # must not make every delivery look like it came from the future.
        timestamp = str(int(time.time()))
        return {
            "content-type": "application/json",
            "x-zm-request-timestamp": timestamp,
            "x-zm-signature": sign(secret, timestamp, body),
            "x-zm-trackingid": "v=2.0;clid=sim;rid=" + secrets.token_hex(8),
        }

    async def subscribe(
        self, account_id: str, url: str, secret_token: str, events: list[str] | None
    ) -> Subscription:
        """Adds a subscription after Zoom's `endpoint.url_validation` handshake."""
        sub = Subscription(
            id=secrets.token_hex(8),
            account_id=account_id,
            url=url,
            secret_token=secret_token,
            events=frozenset(events) if events else None,
        )
        plain = secrets.token_urlsafe(16)
        body = json.dumps(
            {
                "payload": {"plainToken": plain},
                "event_ts": epoch_ms(self._clock.now()),
                "event": "endpoint.url_validation",
            }
        ).encode()
        expected = hmac.new(secret_token.encode(), plain.encode(), hashlib.sha256).hexdigest()
        try:
            answer = await self._http().post(
                url, content=body, headers=self._headers(secret_token, body)
            )
            data = answer.json() if answer.status_code == 200 else None
            if not isinstance(data, dict):
                sub.validation_error = f"endpoint answered HTTP {answer.status_code}"
            elif data.get("plainToken") != plain:
                sub.validation_error = "plainToken in the answer is not the one sent"
            elif data.get("encryptedToken") != expected:
                sub.validation_error = (
                    "encryptedToken is not hex HMAC-SHA256(secret token, plainToken)"
                )
            else:
                sub.validated = True
        except (httpx.HTTPError, ValueError) as exc:
            sub.validation_error = f"could not reach the endpoint: {type(exc).__name__}"
        self.subscriptions[sub.id] = sub
        return sub

    def emit(
        self,
        account_id: str,
        event: str,
        obj: dict[str, Any],
        extra_payload: dict[str, Any] | None = None,
        extra_body: dict[str, Any] | None = None,
    ) -> None:
        """Queues the event for every validated subscription of the account that wants it."""
        targets = [
            s for s in self.subscriptions.values() if s.account_id == account_id and s.wants(event)
        ]
        if not targets:
            return
        payload: dict[str, Any] = {"account_id": account_id, "object": obj}
        if extra_payload:
            payload.update(extra_payload)
        message: dict[str, Any] = {
            "event": event,
            "event_ts": epoch_ms(self._clock.now()),
            "payload": payload,
        }
        if extra_body:
            message.update(extra_body)
        body = json.dumps(message, separators=(",", ":")).encode()
        for sub in targets:
            delivery = Delivery(len(self.deliveries) + 1, sub.id, event, body)
            self.deliveries.append(delivery)
            self._enqueue(sub, delivery)

    async def _attempt(self, sub: Subscription, delivery: Delivery) -> bool:
        """One POST; True when Zoom would retry it."""
        now = self._clock.now()
        try:
            answer = await self._http().post(
                sub.url,
                content=delivery.body,
                headers=self._headers(sub.secret_token, delivery.body),
            )
        except httpx.HTTPError as exc:
            delivery.attempts.append(Attempt(now, None, type(exc).__name__))
            return True
        delivery.attempts.append(Attempt(now, answer.status_code, ""))
        if answer.status_code >= 500:
            return True
        delivery.status = "delivered" if answer.status_code < 300 else "failed"
        return False
