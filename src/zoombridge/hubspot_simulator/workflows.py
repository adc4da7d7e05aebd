"""HubSpot's "Send a webhook" workflow action, sent from the simulator to any URL.

The body is the enrolled contact's properties as JSON (all of them, or the ones chosen, plus
fixed fields such as a webinar id). Requests are signed as HubSpot signs them (v3):
`X-HubSpot-Signature-v3` = base64(HMAC-SHA256(app secret, method + URI + body + timestamp)),
`X-HubSpot-Request-Timestamp` in milliseconds (the simulator's clock); or carry an API key in a
named header or query parameter. Each attempt is signed afresh.

Retries follow HubSpot's rules: none after a 4xx, except 429, retried after its `Retry-After`
(which HubSpot reads as milliseconds); 5xx, timeouts and network errors are retried from one
minute after the failure, at doubling intervals up to eight hours apart, for up to three days.
The schedule is multiplied by `workflow_retry_scale` so tests take milliseconds.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from zoombridge.hubspot_simulator.clock import epoch_ms
from zoombridge.hubspot_simulator.runtime import Simulation
from zoombridge.hubspot_simulator.state import Account, Contact

FIRST_RETRY_S = 60.0
MAX_GAP_S = 8 * 3600.0
GIVE_UP_AFTER_S = 3 * 86400.0


def signature_v3(secret: str, method: str, uri: str, body: bytes, timestamp_ms: int) -> str:
    message = method.upper().encode() + uri.encode() + body + str(timestamp_ms).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def retry_delays() -> list[float]:
    """Seconds between attempts, unscaled: 1 min, doubling, at most 8 h apart, within 3 days."""
    delays, total, gap = [], 0.0, FIRST_RETRY_S
    while total + gap <= GIVE_UP_AFTER_S:
        delays.append(gap)
        total += gap
        gap = min(gap * 2, MAX_GAP_S)
    return delays


@dataclass
class Attempt:
    at: datetime
    status_code: int | None
    error: str = ""

    def public(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "status_code": self.status_code, "error": self.error}


@dataclass
class Delivery:
    id: int
    url: str
    method: str
    hub_id: int
    contact_id: int
    body: bytes
    secret: str | None = field(repr=False)
    api_key: dict[str, str] | None = field(repr=False)
    status: str = "pending"  # pending | retrying | delivered | failed
    attempts: list[Attempt] = field(default_factory=list)

    def public(self, include_body: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "url": self.url,
            "method": self.method,
            "hub_id": self.hub_id,
            "contact_id": self.contact_id,
            "status": self.status,
            "attempts": [a.public() for a in self.attempts],
        }
        if include_body and self.body:
            out["body"] = json.loads(self.body)
        return out


def workflow_body(
    account: Account,
    contact: Contact,
    properties: list[str] | None,
    fields: dict[str, Any],
) -> dict[str, Any]:
    """All properties in HubSpot's object shape, or only the chosen ones as top-level keys (a
    customised body); fixed `fields` are added at the top level either way."""
    if properties is None:
        body: dict[str, Any] = {
            "portalId": account.hub_id,
            "objectType": "CONTACT",
            "objectId": contact.id,
            "properties": dict(contact.properties),
        }
    else:
        body = {name: contact.properties.get(name) for name in properties}
    body.update(fields)
    return body


class WorkflowSender:
    def __init__(self, sim: Simulation) -> None:
        self._sim = sim
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._sim.config.workflow_timeout_s)
        return self._client

    def send(
        self,
        *,
        url: str,
        account: Account,
        contact: Contact,
        method: str = "POST",
        secret: str | None = None,
        api_key: dict[str, str] | None = None,
        properties: list[str] | None = None,
        fields: dict[str, Any] | None = None,
    ) -> Delivery:
        body = workflow_body(account, contact, properties, fields or {})
        if method == "GET":
            # A GET carries the values in the query string and has no body.
            parts = urlsplit(url)
            query = "&".join(q for q in (parts.query, urlencode(_flat(body))) if q)
            url, raw = urlunsplit(parts._replace(query=query)), b""
        else:
            raw = json.dumps(body, separators=(",", ":")).encode()
        delivery = Delivery(
            id=len(self.deliveries) + 1,
            url=url,
            method=method,
            hub_id=account.hub_id,
            contact_id=contact.id,
            body=raw,
            secret=secret,
            api_key=api_key,
        )
        self.deliveries.append(delivery)
        task = asyncio.get_running_loop().create_task(self._run(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return delivery

    async def _run(self, delivery: Delivery) -> None:
        scale = self._sim.config.workflow_retry_scale
        schedule = retry_delays()
        waited = 0.0
        for attempt_number in range(len(schedule) + 1):
            status, _, retry_after_ms = await self._attempt(delivery)
            if status is not None and 200 <= status < 300:
                delivery.status = "delivered"
                return
            retryable = status is None or status >= 500 or status == 429
            if not retryable or attempt_number >= len(schedule):
                delivery.status = "failed"
                return
            delivery.status = "retrying"
            delay = schedule[attempt_number] * scale
            if status == 429 and retry_after_ms is not None:
                delay = retry_after_ms / 1000  # the receiver's own instruction, not scaled
            if waited + delay > GIVE_UP_AFTER_S * scale and status != 429:
                delivery.status = "failed"
                return
            waited += delay
            await asyncio.sleep(delay)
        delivery.status = "failed"

    async def _attempt(self, delivery: Delivery) -> tuple[int | None, str, float | None]:
        now = self._sim.clock.now()
        headers = {"Content-Type": "application/json", "User-Agent": "HubSpot Connect 2.0"}
        url = delivery.url
        if delivery.api_key:
            name, value = delivery.api_key["name"], delivery.api_key["value"]
            if delivery.api_key.get("in") == "query":
                parts = urlsplit(url)
                query = "&".join(q for q in (parts.query, urlencode({name: value})) if q)
                url = urlunsplit(parts._replace(query=query))
            else:
                headers[name] = value
        if delivery.secret is not None:
            stamp = epoch_ms(now)
            headers["X-HubSpot-Request-Timestamp"] = str(stamp)
            headers["X-HubSpot-Signature-v3"] = signature_v3(
                delivery.secret, delivery.method, url, delivery.body, stamp
            )
        try:
            response = await self._http().request(
                delivery.method, url, content=delivery.body or None, headers=headers
            )
        except httpx.HTTPError as exc:
            delivery.attempts.append(Attempt(now, None, type(exc).__name__))
            return None, type(exc).__name__, None
        delivery.attempts.append(Attempt(now, response.status_code))
        retry_after = response.headers.get("Retry-After")
        try:
            retry_after_ms = float(retry_after) if retry_after is not None else None
        except ValueError:
            retry_after_ms = None
        return response.status_code, "", retry_after_ms

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()


def _flat(body: dict[str, Any]) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in body.items():
        if isinstance(value, dict):
            flat.update({k: str(v) for k, v in value.items() if v is not None})
        elif value is not None:
            flat[key] = str(value)
    return flat
