"""Server-to-Server OAuth tokens, token errors (124) and scopes (4711)."""

from __future__ import annotations

import base64

import httpx

from tests.fixtures.simulator import SimAdmin, fetch_token
from tests.simulator.helpers import ZoomApi
from zoombridge.simulator import SimulatorServer


def test_token_with_basic_auth_like_curl(simulator: SimulatorServer) -> None:
    basic = base64.b64encode(b"sim-client-id:sim-client-secret").decode()
    response = httpx.post(
        simulator.oauth_url + "?grant_type=account_credentials&account_id=sim-account",
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert "meeting:write:registrant" in body["scope"].split(" ")
    assert body["api_url"] == simulator.url
    api = httpx.get(
        simulator.api_url + "/users/me",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert api.status_code == 200
    assert api.json()["email"] == "host@example.com"


def test_token_parameters_may_come_as_a_form_body(simulator: SimulatorServer) -> None:
    response = httpx.post(
        simulator.oauth_url,
        data={"grant_type": "account_credentials", "account_id": "sim-account"},
        auth=("sim-client-id", "sim-client-secret"),
    )
    assert response.status_code == 200
    assert response.json()["access_token"]


def test_bad_credentials_are_invalid_client(simulator: SimulatorServer) -> None:
    params = {"grant_type": "account_credentials", "account_id": "sim-account"}
    for auth in (("sim-client-id", "wrong"), ("nobody", "sim-client-secret")):
        response = httpx.post(simulator.oauth_url, params=params, auth=auth)
        assert response.status_code == 400
        assert response.json() == {
            "reason": "Invalid client_id or client_secret",
            "error": "invalid_client",
        }
    missing = httpx.post(simulator.oauth_url, params=params)
    assert missing.json()["error"] == "invalid_client"


def test_wrong_account_id_is_refused(simulator: SimulatorServer) -> None:
    response = httpx.post(
        simulator.oauth_url,
        params={"grant_type": "account_credentials", "account_id": "someone-else"},
        auth=("sim-client-id", "sim-client-secret"),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_unknown_or_missing_token_is_124(simulator: SimulatorServer) -> None:
    for headers in ({"Authorization": "Bearer not-a-token"}, {}):
        response = httpx.get(simulator.api_url + "/users/me", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"code": 124, "message": "Invalid access token."}


def test_token_expires_after_an_hour_on_the_simulator_clock(
    simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    api = ZoomApi(simulator)
    assert api.get("/users/me").status_code == 200
    sim_admin.advance_clock(3540)
    assert api.get("/users/me").status_code == 200
    sim_admin.advance_clock(120)
    expired = api.get("/users/me")
    assert expired.status_code == 401
    assert expired.json() == {"code": 124, "message": "Access token is expired."}
    api.token = fetch_token(simulator)
    assert api.get("/users/me").status_code == 200


def test_several_tokens_live_at_once_and_revocation_ends_all(
    simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    first, second = ZoomApi(simulator), ZoomApi(simulator)
    assert first.token != second.token
    assert first.get("/users/me").status_code == 200
    assert second.get("/users/me").status_code == 200
    assert sim_admin.revoke_tokens("sim-account")["revoked"] >= 2
    for api in (first, second):
        response = api.get("/users/me")
        assert response.status_code == 401
        assert response.json()["code"] == 124


def test_missing_scope_is_4711(simulator: SimulatorServer, sim_admin: SimAdmin) -> None:
    account = sim_admin.create_account(
        account_id="narrow", plan="pro", scopes=["meeting:read:meeting"]
    )
    token = fetch_token(simulator, account["client_id"], account["client_secret"], "narrow")
    api = ZoomApi(simulator, token)
    response = api.post("/users/me/meetings", json={"topic": "x", "type": 2})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 4711
    assert body["message"].startswith("Invalid access token, does not contain scopes:[")
    assert "meeting:write:meeting" in body["message"]
    # The granted scope is enough for the operation that takes it (404: no such meeting).
    assert api.get("/meetings/12345678901").json()["code"] == 3001
    assert api.problems == []


def test_accounts_are_isolated(
    simulator: SimulatorServer, sim_admin: SimAdmin, zoom: ZoomApi
) -> None:
    meeting = zoom.create_meeting()
    other = sim_admin.create_account(account_id="other")
    token = fetch_token(simulator, other["client_id"], other["client_secret"], "other")
    api = ZoomApi(simulator, token)
    assert api.get(f"/meetings/{meeting['id']}").status_code == 404
    assert api.get("/users/host@example.com").json()["code"] == 1001
    assert api.get("/users/me").json()["email"] == other["owner"]["email"]
