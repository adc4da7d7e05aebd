"""The app shell: health, OpenAPI, authentication and problem details."""

from __future__ import annotations

from tests.fixtures.api import ApiHarness


async def test_health_needs_no_token_and_checks_the_database(api: ApiHarness) -> None:
    response = await api.anonymous.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_openapi_is_served(api: ApiHarness) -> None:
    response = await api.anonymous.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "zoombridge"


async def test_unknown_path_is_a_problem_document(api: ApiHarness) -> None:
    response = await api.http.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
