"""Injected faults: 5xx answers, spurious 429s, dropped connections, latency."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.fixtures.simulator import SimAdmin, fetch_token, simulator_config
from zoombridge.simulator import FaultConfig, SimulatorServer


def test_error_rate_answers_5xx(simulator: SimulatorServer, sim_admin: SimAdmin) -> None:
    token = fetch_token(simulator)
    sim_admin.faults(error_rate=1.0)
    client = httpx.Client(base_url=simulator.api_url, headers={"Authorization": f"Bearer {token}"})
    statuses = {client.get("/users/me").status_code for _ in range(20)}
    assert statuses <= {500, 502, 503}
    assert len(statuses) > 1
    # Admin paths are never faulted.
    assert sim_admin.faults()["error_rate"] == 1.0
    sim_admin.faults(error_rate=0.0)
    assert client.get("/users/me").status_code == 200


def test_rate_429_answers_with_headers(simulator: SimulatorServer, sim_admin: SimAdmin) -> None:
    token = fetch_token(simulator)
    sim_admin.faults(rate_429=1.0)
    response = httpx.get(simulator.api_url + "/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 429
    assert response.json()["code"] == 429
    assert response.headers["X-RateLimit-Type"] == "QPS"
    assert response.headers["X-RateLimit-Category"] == "Medium"
    assert response.headers["Retry-After"] == "1"
    assert sim_admin.stats()["rate_limited"]["fault"] == 1


def test_dropped_connections_are_transport_errors_before_or_after_the_effect(
    simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    token = fetch_token(simulator)
    headers = {"Authorization": f"Bearer {token}"}
    sim_admin.faults(drop_rate=1.0)
    for n in range(16):
        with pytest.raises(httpx.TransportError):
            httpx.post(
                simulator.api_url + "/users/me/meetings",
                json={"topic": f"m{n}", "type": 2},
                headers=headers,
            )
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(
            simulator.oauth_url,
            params={"grant_type": "account_credentials", "account_id": "sim-account"},
            auth=("sim-client-id", "sim-client-secret"),
        )
    sim_admin.faults(drop_rate=0.0)
    created = httpx.get(
        simulator.api_url + "/users/me/meetings", params={"page_size": 300}, headers=headers
    ).json()["total_records"]
    # Some drops happened after the meeting was created, some before.
    assert 0 < created < 16
    dropped = sim_admin.stats()["dropped"]
    assert dropped["after"] >= created
    assert dropped["before"] + dropped["after"] == 17


def test_latency_delays_answers(simulator_factory: object) -> None:
    server: SimulatorServer = simulator_factory(  # type: ignore[operator]
        simulator_config(faults=FaultConfig(latency_ms_min=150, latency_ms_max=200))
    )
    token = fetch_token(server)
    started = time.monotonic()
    response = httpx.get(server.api_url + "/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.15  # a lower bound: sleeps never end early


def test_bad_fault_settings_are_refused(sim_admin: SimAdmin) -> None:
    response = sim_admin.http.put("/faults", json={"error_rate": 2})
    assert response.status_code == 400
    assert "error_rate" in response.json()["error"]
    assert sim_admin.http.put("/faults", json={"nonsense": 1}).status_code == 400
