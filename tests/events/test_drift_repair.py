"""Drift repaired, not only shown (E11): a webinar deleted in Zoom puts the event in "needs
attention", withdraws the join links, fails new registrations at once with the reason, and
"recreate in Zoom" makes it again with everyone registered and sent their new links."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.events.helpers import create_connection
from tests.events.test_events_api import BASE, event_body
from tests.events.test_events_with_worker import sync
from tests.fixtures.api import ApiHarness
from tests.fixtures.simulator import fetch_token
from tests.orders.helpers import people
from zoombridge.settings import Settings
from zoombridge.simulator import SimulatorServer
from zoombridge.worker import Worker


@pytest.fixture
async def worker(
    api: ApiHarness, zoom_transport: httpx.AsyncBaseTransport, tmp_path: Path
) -> AsyncIterator[Worker]:
    # Every pass compares synced meetings with Zoom (every 15 minutes in production).
    worker = Worker(
        api.sessionmaker,
        Settings(data_dir=tmp_path),
        transport=zoom_transport,
        drift_check_every=timedelta(0),
    )
    yield worker
    await worker.aclose()


def _registrations(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["email"]: a["registrations"][0] for a in order["attendees"]}


async def test_a_webinar_deleted_in_zoom_is_shown_withdrawn_and_recreated(
    api: ApiHarness, simulator: SimulatorServer, worker: Worker
) -> None:
    connection = await create_connection(
        api.http,
        account_id="sim-account",
        client_id="sim-client-id",
        client_secret="sim-client-secret",
        api_url=simulator.api_url,
        oauth_url=simulator.oauth_url,
    )
    event = (await api.http.post(BASE, json=event_body(connection["id"]))).json()
    await sync(worker, api, event["id"])
    first = await api.http.post(
        f"/api/v1/events/{event['id']}/orders",
        json={"attendees": people("ada", "bob"), "status": "completed"},
    )
    order_id = first.json()["id"]
    synced = await sync(worker, api, event["id"])
    [link] = synced["links"]
    old_meeting = link["zoom_meeting_id"]
    order = (await api.http.get(f"/api/v1/orders/{order_id}")).json()
    old_links = {e: r["join_url"] for e, r in _registrations(order).items()}
    assert all(old_links.values())

    # Someone deletes the webinar in Zoom; the periodic check notices.
    async with httpx.AsyncClient() as zoom:
        gone = await zoom.delete(
            f"{simulator.api_url}/webinars/{old_meeting}",
            headers={"Authorization": f"Bearer {fetch_token(simulator)}"},
        )
    assert gone.status_code == 204
    await worker.run_once()

    view = (await api.http.get(f"{BASE}/{event['id']}")).json()
    assert view["links"][0]["state"] == "deleted"
    assert view["links"][0]["join_url"] is None
    assert any("deleted in Zoom" in a for a in view["attention"])
    listed = {e["id"]: e for e in (await api.http.get(BASE)).json()["items"]}
    assert listed[event["id"]]["attention"]
    order = (await api.http.get(f"/api/v1/orders/{order_id}")).json()
    assert {r["join_url"] for r in _registrations(order).values()} == {None}
    ticket = (await api.http.get(f"/api/v1/attendees/{order['attendees'][0]['id']}/ticket")).json()
    assert all(m["join_url"] is None for m in ticket["meetings"])

    # A new order now fails at once, saying why (not "pending" for ever).
    later = await api.http.post(
        f"/api/v1/events/{event['id']}/orders",
        json={"attendees": people("cy"), "status": "completed"},
    )
    await worker.run_once()
    cy = _registrations((await api.http.get(f"/api/v1/orders/{later.json()['id']}")).json())
    assert cy["cy@example.com"]["state"] == "failed"
    assert "deleted in Zoom" in cy["cy@example.com"]["last_error"]

    # Recreate in Zoom: a new webinar, everyone registered with a new link, tickets re-sent.
    repaired = await api.http.post(f"{BASE}/{event['id']}/links/{link['id']}/recreate")
    assert repaired.status_code == 202, repaired.text
    assert repaired.json()["attention"] == []
    again = await sync(worker, api, event["id"])
    await sync(worker, api, event["id"])
    [new_link] = again["links"]
    assert new_link["state"] == "synced"
    assert new_link["zoom_meeting_id"] not in (None, old_meeting)
    both = {
        **_registrations((await api.http.get(f"/api/v1/orders/{order_id}")).json()),
        **_registrations((await api.http.get(f"/api/v1/orders/{later.json()['id']}")).json()),
    }
    assert {e: r["state"] for e, r in both.items()} == {
        "ada@example.com": "registered",
        "bob@example.com": "registered",
        "cy@example.com": "registered",
    }
    assert all(both[e]["join_url"] and both[e]["join_url"] != old_links[e] for e in old_links)
    emails = (await api.http.get("/api/v1/emails", params={"event_id": event["id"]})).json()[
        "items"
    ]
    tickets = [e["to_address"] for e in emails if e["template_key"] == "event_ticket"]
    assert sorted(tickets).count("ada@example.com") == 2  # the first ticket and the new one

    refused = await api.http.post(f"{BASE}/{event['id']}/links/{link['id']}/unlink")
    assert refused.status_code == 409  # nothing to repair any more
