"""The simulator answers as HubSpot does: error bodies, batch limits, 207s, headers, emails."""

from __future__ import annotations

from tests.fixtures.hubspot_simulator import HubSpotAdmin
from tests.hubspot_simulator.helpers import HubSpotApi
from zoombridge.hubspot_simulator import HubSpotSimulatorServer

UPSERT = "/crm/v3/objects/contacts/batch/upsert"
ATTEND = "/marketing/v3/marketing-events/attendance/w1/{state}/email-create?externalAccountId=zb"


def test_a_wrong_token_is_401_invalid_authentication(hubspot_sim: HubSpotSimulatorServer) -> None:
    api = HubSpotApi(hubspot_sim, token="pat-wrong")
    response = api.get("/crm/v3/objects/contacts")
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"
    missing = HubSpotApi(hubspot_sim, token="").get("/crm/v3/objects/contacts")
    assert "credentials not found" in missing.json()["message"]
    api.close()
    assert api.problems == []


def test_a_missing_scope_is_403_naming_it(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin
) -> None:
    token = hubspot_admin.add_token(hubspot_sim.config.hub_id, ["crm.objects.contacts.read"])
    api = HubSpotApi(hubspot_sim, token=token)
    response = api.upsert("a@example.com")
    assert response.status_code == 403
    body = response.json()
    assert body["category"] == "MISSING_SCOPES"
    assert body["context"]["missingScopes"] == ["crm.objects.contacts.write"]
    # Property reads accept any contact scope the spec lists for them.
    assert api.get("/crm/v3/properties/contacts").status_code == 200
    api.close()
    assert api.problems == []


def test_more_than_100_inputs_is_a_validation_error(api: HubSpotApi) -> None:
    response = api.upsert(*(f"p{i}@example.com" for i in range(101)))
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert "101" in body["message"]


def test_repeated_ids_in_one_batch_are_refused(api: HubSpotApi) -> None:
    assert api.upsert("a@example.com", "a@example.com").status_code == 400


def test_some_bad_inputs_make_a_207_naming_them(api: HubSpotApi) -> None:
    response = api.upsert("ok@example.com", "broken-address", firstname="Ann")
    assert response.status_code == 207
    body = response.json()
    assert [r["properties"]["email"] for r in body["results"]] == ["ok@example.com"]
    [error] = body["errors"]
    assert error["context"]["ids"] == ["broken-address"]
    assert body["numErrors"] == 1


def test_emails_are_matched_exactly_so_capitals_collide(api: HubSpotApi) -> None:
    assert api.upsert("ann@example.com").status_code == 200
    response = api.upsert("Ann@Example.com")
    assert response.status_code == 207
    assert "already exists" in response.json()["errors"][0]["message"]


def test_answers_carry_rate_limit_headers_and_search_answers_none(api: HubSpotApi) -> None:
    headers = api.get("/crm/v3/objects/contacts").headers
    assert headers["X-HubSpot-RateLimit-Max"] == "100"
    assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert headers["X-HubSpot-RateLimit-Daily"] == "250000"
    assert int(headers["X-HubSpot-RateLimit-Daily-Remaining"]) == 250_000 - 1
    search = api.post(
        "/crm/v3/objects/contacts/search",
        json={"after": "0", "filterGroups": [], "limit": 10, "properties": [], "sorts": []},
    )
    assert search.status_code == 200
    assert not [h for h in search.headers if h.lower().startswith("x-hubspot-ratelimit")]


def test_the_101st_request_in_ten_seconds_gets_hubspots_429(api: HubSpotApi) -> None:
    for _ in range(100):
        assert api.get("/crm/v3/objects/contacts?limit=1").status_code == 200
    refused = api.get("/crm/v3/objects/contacts?limit=1")
    assert refused.status_code == 429
    body = refused.json()
    assert (body["errorType"], body["policyName"]) == ("RATE_LIMIT", "TEN_SECONDLY_ROLLING")
    assert "category" not in body
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"


def test_participation_failures_come_back_inside_a_200(api: HubSpotApi) -> None:
    api.post(
        "/marketing/v3/marketing-events/events",
        json={
            "externalAccountId": "zb",
            "externalEventId": "w1",
            "eventName": "W",
            "eventOrganizer": "Acme",
            "customProperties": [],
        },
    )
    inputs = [
        {
            "email": "ok@example.com",
            "interactionDateTime": 1,
            "properties": {},
            "contactProperties": {},
        },
        {"email": "nope", "interactionDateTime": 1, "properties": {}, "contactProperties": {}},
    ]
    response = api.post(ATTEND.format(state="register"), json={"inputs": inputs})
    assert response.status_code == 200
    body = response.json()
    assert [r["email"] for r in body["results"]] == ["ok@example.com"]
    assert body["errors"][0]["context"]["emails"] == ["nope"]
    wrong = api.post(ATTEND.format(state="maybe"), json={"inputs": []})
    assert wrong.status_code == 400


def test_an_unknown_event_and_contact_are_404(api: HubSpotApi) -> None:
    assert (
        api.get("/marketing/v3/marketing-events/events/x?externalAccountId=zb").status_code == 404
    )
    missing = api.get("/crm/v3/objects/contacts/999999")
    assert (missing.status_code, missing.json()["category"]) == (404, "OBJECT_NOT_FOUND")


def test_a_property_that_exists_is_409(api: HubSpotApi) -> None:
    body = {
        "name": "email",
        "label": "Email",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
    }
    response = api.post("/crm/v3/properties/contacts", json=body)
    assert response.status_code == 409
    assert response.json()["category"] == "OBJECT_ALREADY_EXISTS"
