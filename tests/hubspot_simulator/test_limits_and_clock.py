"""The daily count resets at midnight in the account's time zone on the movable clock; the
rate limit can be switched off; search has its own window."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fixtures.hubspot_simulator import HubSpotAdmin
from tests.hubspot_simulator.helpers import HubSpotApi
from zoombridge.hubspot_simulator import HubSpotSimulatorServer

SEARCH = {"after": "0", "filterGroups": [], "limit": 1, "properties": [], "sorts": []}


def test_the_daily_cap_resets_at_local_midnight_not_utc(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin
) -> None:
    account = hubspot_admin.create_account(time_zone="Asia/Tokyo", daily_limit=2)
    api = HubSpotApi(hubspot_sim, token=account["token"])
    hubspot_admin.set_clock(datetime(2030, 1, 1, 14, 50, tzinfo=UTC))  # 23:50 in Tokyo
    assert [api.get("/crm/v3/objects/contacts").status_code for _ in range(3)] == [200, 200, 429]
    refused = api.get("/crm/v3/objects/contacts")
    assert refused.json()["policyName"] == "DAILY"
    assert int(refused.headers["Retry-After"]) == 10 * 60
    hubspot_admin.advance_clock(11 * 60)  # 00:01 in Tokyo
    assert api.get("/crm/v3/objects/contacts").status_code == 200
    assert hubspot_admin.account(account["hub_id"])["daily_used"] == 1
    api.close()
    assert api.problems == []


def test_without_rate_limits_nothing_is_refused(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin
) -> None:
    account = hubspot_admin.create_account(rate_limits=False, burst_limit=1, daily_limit=1)
    api = HubSpotApi(hubspot_sim, token=account["token"])
    assert {api.get("/crm/v3/objects/contacts").status_code for _ in range(5)} == {200}
    assert hubspot_admin.account(account["hub_id"])["daily_used"] == 5
    api.close()


def test_search_allows_four_a_second(api: HubSpotApi) -> None:
    codes = [api.post("/crm/v3/objects/contacts/search", json=SEARCH).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
