"""The workflow sender: HubSpot's "Send a webhook" action, signed (v3) and retried by HubSpot's
rules, to a real receiver on loopback. The receiver checks signatures with its own code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fixtures.hubspot_simulator import HubSpotAdmin
from tests.hubspot_simulator.helpers import HubSpotApi
from tests.simulator.helpers import ThreadedServer, wait_for
from zoombridge.hubspot_simulator import HubSpotSimulatorServer
from zoombridge.hubspot_simulator.workflows import retry_delays


class Receiver:
    """Answers with the next status of `script` (then 200) and keeps what arrived."""

    def __init__(self, script: list[tuple[int, dict[str, str]]] | None = None) -> None:
        self.script = list(script or [])
        self.seen: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST", "GET"])])

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        self.seen.append(
            {
                "method": request.method,
                "url": str(request.url),
                "body": body,
                "headers": dict(request.headers),
            }
        )
        status, headers = self.script.pop(0) if self.script else (200, {})
        return Response(status_code=status, headers=headers)


def expected_signature(secret: str, method: str, uri: str, body: bytes, stamp: str) -> str:
    message = method.encode() + uri.encode() + body + stamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def enrolled(api: HubSpotApi, hubspot_admin: HubSpotAdmin, hub: int) -> int:
    api.upsert("ann@example.com", firstname="Ann")
    contact_id: int = hubspot_admin.contact(hub, "ann@example.com")["id"]
    return contact_id


def test_a_signed_request_with_the_contacts_properties(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, api: HubSpotApi
) -> None:
    hub = hubspot_sim.config.hub_id
    contact_id = enrolled(api, hubspot_admin, hub)
    receiver = Receiver()
    with ThreadedServer(receiver.app) as server:
        url = f"{server.url}/hook?source=hubspot"
        hubspot_admin.send_workflow(url=url, contact_id=contact_id, fields={"webinar_id": "123"})
        wait_for(lambda: hubspot_admin.deliveries()[0]["status"] == "delivered")
    [seen] = receiver.seen
    headers = seen["headers"]
    stamp = headers["x-hubspot-request-timestamp"]
    assert len(stamp) == 13  # milliseconds
    assert headers["x-hubspot-signature-v3"] == expected_signature(
        hubspot_sim.config.app_secret, "POST", url, seen["body"], stamp
    )
    body = json.loads(seen["body"])
    assert body["objectId"] == contact_id
    assert body["properties"]["firstname"] == "Ann"
    assert body["webinar_id"] == "123"


def test_5xx_is_retried_4xx_is_not_and_429_waits_retry_after_ms(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, api: HubSpotApi
) -> None:
    contact_id = enrolled(api, hubspot_admin, hubspot_sim.config.hub_id)
    receiver = Receiver([(503, {}), (429, {"Retry-After": "50"}), (200, {}), (400, {})])
    with ThreadedServer(receiver.app) as server:
        hubspot_admin.send_workflow(url=f"{server.url}/hook", contact_id=contact_id)
        wait_for(lambda: hubspot_admin.deliveries()[0]["status"] == "delivered")
        hubspot_admin.send_workflow(url=f"{server.url}/hook", contact_id=contact_id)
        wait_for(lambda: hubspot_admin.deliveries()[1]["status"] == "failed")
    first, second = hubspot_admin.deliveries()
    assert [a["status_code"] for a in first["attempts"]] == [503, 429, 200]
    assert [a["status_code"] for a in second["attempts"]] == [400]
    assert len(receiver.seen) == 4


def test_an_api_key_instead_of_a_signature_and_a_chosen_body(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, api: HubSpotApi
) -> None:
    contact_id = enrolled(api, hubspot_admin, hubspot_sim.config.hub_id)
    receiver = Receiver()
    with ThreadedServer(receiver.app) as server:
        hubspot_admin.send_workflow(
            url=f"{server.url}/hook",
            contact_id=contact_id,
            sign=False,
            api_key={"name": "X-Api-Key", "value": "k-123", "in": "header"},
            properties=["email", "firstname"],
            fields={"webinar_id": "9"},
        )
        wait_for(lambda: receiver.seen)
    [seen] = receiver.seen
    assert seen["headers"]["x-api-key"] == "k-123"
    assert "x-hubspot-signature-v3" not in seen["headers"]
    assert seen["body"] == b'{"email":"ann@example.com","firstname":"Ann","webinar_id":"9"}'


def test_the_retry_schedule_is_hubspots() -> None:
    delays = retry_delays()
    assert delays[:3] == [60, 120, 240]
    assert max(delays) == 8 * 3600
    assert sum(delays) <= 3 * 86_400 < sum(delays) + 8 * 3600
