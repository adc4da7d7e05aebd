"""Admin paths and the page that shows what arrived."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.hubspot_simulator import HubSpotAdmin
from tests.hubspot_simulator.helpers import HubSpotApi
from zoombridge.hubspot_simulator import HubSpotSimulatorServer

EVENT = {
    "externalAccountId": "zb",
    "externalEventId": "w1",
    "eventName": "Launch <b>day</b>",
    "eventOrganizer": "Acme",
    "customProperties": [],
}


def test_the_page_lists_contacts_properties_and_events_escaped(
    hubspot_sim: HubSpotSimulatorServer, api: HubSpotApi
) -> None:
    api.upsert("ann@example.com", firstname="<script>alert(1)</script>")
    api.post("/marketing/v3/marketing-events/events", json=EVENT)
    api.post(
        "/marketing/v3/marketing-events/attendance/w1/attend/email-create?externalAccountId=zb",
        json={
            "inputs": [
                {
                    "email": "ann@example.com",
                    "interactionDateTime": 1_900_000_000_000,
                    "properties": {"joinedAt": "1900000000000", "leftAt": "1900001800000"},
                    "contactProperties": {},
                }
            ]
        },
    )
    page = httpx.get(hubspot_sim.url + "/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "ann@example.com" in html
    assert "&lt;script&gt;" in html
    assert "<script" not in html
    assert "Launch &lt;b&gt;day&lt;/b&gt;" in html
    assert "ATTENDED" in html
    assert "hs_additional_emails" in html  # the properties table
    assert "http" not in html.split("<body>", 1)[0]  # nothing fetched from elsewhere


def test_accounts_tokens_clock_and_faults(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin
) -> None:
    account = hubspot_admin.create_account(
        tier="professional", api_limit_pack=True, time_zone="Europe/Helsinki"
    )
    assert account["limits"] == {"burst": 250, "window_ms": 10_000, "daily": 1_650_000}
    view = hubspot_admin.account(account["hub_id"])
    assert [t["scopes"] for t in view["tokens"]] == [None]
    bad = httpx.post(hubspot_sim.admin_url + "/accounts", json={"time_zone": "Mars/Base"})
    assert bad.status_code == 400
    before = hubspot_admin.now()
    hubspot_admin.advance_clock(86_400)
    assert (hubspot_admin.now() - before).total_seconds() >= 86_400
    assert hubspot_admin.faults(error_rate=0.5)["error_rate"] == 0.5
    assert httpx.put(hubspot_sim.admin_url + "/faults", json={"error_rate": 2}).status_code == 400
    hubspot_admin.faults(error_rate=0.0)


def test_faults_answer_5xx_and_drop_connections(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, api: HubSpotApi
) -> None:
    hubspot_admin.script("5xx")
    assert api.get("/crm/v3/objects/contacts").status_code in (500, 502, 503)
    hubspot_admin.script("drop_after")
    with pytest.raises(httpx.RemoteProtocolError):
        api.upsert("dropped@example.com")
    # The drop came after the write: the contact exists although nobody heard so.
    assert hubspot_admin.contact(hubspot_sim.config.hub_id, "dropped@example.com")
    assert hubspot_admin.stats()["dropped"] == {"after": 1}
