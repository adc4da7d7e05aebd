"""HubSpot connections through the REST API and the UI: the token encrypted at rest and never
shown, plain field errors, "test access" done by the worker, the page after it."""

from __future__ import annotations

from sqlalchemy import text

from tests.fixtures.api import ApiHarness
from tests.hubspot_sync.conftest import WorkerFactory
from tests.hubspot_sync.helpers import settle
from tests.security.helpers import signed_in_client
from zoombridge.hubspot_simulator import HubSpotSimulatorServer

SECRET_TOKEN = "pat-na1-0f1e2d3c-never-shown-anywhere"


async def test_the_token_is_encrypted_at_rest_and_never_answered(api: ApiHarness) -> None:
    created = await api.http.post(
        "/api/v1/hubspot/connections",
        json={
            "name": "Marketing",
            "hub_id": "12345678",
            "access_token": SECRET_TOKEN,
            "tier": "professional",
            "api_limit_pack": True,
            "time_zone": "Europe/Helsinki",
            "workflow_app_secret": "client-secret-of-the-app",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert SECRET_TOKEN not in created.text
    assert "client-secret-of-the-app" not in created.text
    assert body["has_access_token"] is True
    assert body["has_workflow_app_secret"] is True
    assert body["burst_per_10s"] == 250
    assert body["daily_limit"] == 1_650_000
    assert body["test_requested"] is True
    listed = await api.http.get("/api/v1/hubspot/connections")
    assert SECRET_TOKEN not in listed.text
    async with api.sessionmaker() as session:
        stored = (
            await session.execute(text("SELECT access_token FROM hubspot_connections"))
        ).scalar()
    assert stored
    assert SECRET_TOKEN not in str(stored)


async def test_every_field_error_at_once(api: ApiHarness) -> None:
    answer = await api.http.post(
        "/api/v1/hubspot/connections",
        json={
            "name": "",
            "hub_id": "abc",
            "access_token": "",
            "tier": "gold",
            "time_zone": "Mars/Base",
        },
    )
    assert answer.status_code == 422, answer.text
    fields = {e["field"] for e in answer.json()["errors"]}
    assert {"name", "hub_id", "access_token", "tier", "time_zone"} <= fields
    assert "gold" not in answer.json()["detail"]


async def test_connect_in_the_ui_and_test_access_goes_green(
    api: ApiHarness, hubspot_sim: HubSpotSimulatorServer, hubspot_worker: WorkerFactory
) -> None:
    client, csrf = await signed_in_client(api, "owner@example.com", "a long enough password")
    try:
        nav = await client.get("/crm/webinars")
        assert 'href="/hubspot"' in nav.text
        saved = await client.post(
            "/hubspot",
            data={
                "csrf_token": csrf,
                "name": "Simulated HubSpot",
                "hub_id": str(hubspot_sim.config.hub_id),
                "access_token": hubspot_sim.config.token,
                "tier": "free",
                "time_zone": "UTC",
                "api_url": hubspot_sim.url,
            },
        )
        assert saved.status_code == 303, saved.text
        page_url = saved.headers["location"]
        await settle(hubspot_worker())
        page = await client.get(page_url)
        assert page.status_code == 200
        assert 'data-testid="access-ok"' in page.text
        assert hubspot_sim.config.token not in page.text
        assert "stored (never shown)" in page.text
        assert "100 requests per 10 s" in page.text

        bad = await client.post(
            f"{page_url}/edit",
            data={
                "csrf_token": csrf,
                "name": "Simulated HubSpot",
                "hub_id": "x1",
                "time_zone": "UTC",
            },
        )
        assert bad.status_code == 422
        assert "digits only" in bad.text
    finally:
        await client.aclose()
