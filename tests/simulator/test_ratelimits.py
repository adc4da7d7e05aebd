"""Zoom's rate limits: per-second buckets, daily caps, per-host and per-registrant limits."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from tests.fixtures.simulator import SimAdmin, fetch_token
from tests.simulator.helpers import ZoomApi
from zoombridge.simulator import SimulatorServer
from zoombridge.simulator.errors import ZoomError
from zoombridge.simulator.ratelimit import RateLimiter


def _account_api(simulator: SimulatorServer, sim_admin: SimAdmin, **fields: Any) -> ZoomApi:
    account = sim_admin.create_account(**fields)
    token = fetch_token(
        simulator, account["client_id"], account["client_secret"], account["account_id"]
    )
    return ZoomApi(simulator, token)


def test_burst_above_the_limit_gets_429_with_headers(
    simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    api = _account_api(simulator, sim_admin, account_id="free1", plan="free")
    answers = [api.get("/users") for _ in range(6)]  # Medium: 2 per second on Free
    refused = [a for a in answers if a.status_code == 429]
    assert refused
    assert answers[0].status_code == 200
    assert answers[0].headers["X-RateLimit-Category"] == "Medium"
    first = refused[0]
    assert first.json() == {
        "code": 429,
        "message": "You have reached the maximum per-second rate limit for this API. "
        "Try again later.",
    }
    assert first.headers["X-RateLimit-Type"] == "QPS"
    assert first.headers["X-RateLimit-Category"] == "Medium"
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "0"
    assert int(first.headers["Retry-After"]) >= 1
    stats = sim_admin.stats()
    assert stats["accounts"]["free1"]["rate_limited"]["QPS"] == len(refused)
    assert api.problems == []


def test_a_client_paced_below_the_limit_is_never_refused(
    simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    api = _account_api(simulator, sim_admin, account_id="free2", plan="free")
    # Light is 4/s on Free: 12 calls spread over ~3.3 s stay within it.
    statuses = []
    for _ in range(12):
        statuses.append(api.get("/users/me").status_code)
        time.sleep(0.28)
    assert statuses == [200] * 12


def test_rate_limits_off_never_refuses_but_still_counts(
    simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    api = _account_api(simulator, sim_admin, account_id="free3", plan="free", rate_limits=False)
    assert {api.get("/users").status_code for _ in range(8)} == {200}
    assert sim_admin.stats()["accounts"]["free3"]["routes"]["users"] == 8


def test_per_host_100_a_day_then_reset_after_midnight(
    simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    sim_admin.set_clock("2030-06-01T22:00:00Z")
    api = _account_api(simulator, sim_admin, account_id="biz", plan="business")
    meeting = api.create_meeting()  # 1
    for n in range(99):
        if n % 40 == 0:
            sim_admin.reset_rate_buckets()
        response = api.patch(f"/meetings/{meeting['id']}", json={"topic": f"t{n}"})
        assert response.status_code == 204, response.text
    refused = api.patch(f"/meetings/{meeting['id']}", json={"topic": "one too many"})
    assert refused.status_code == 429
    host_id = meeting["host_id"]
    assert refused.json()["message"] == (
        f"User {host_id} has exceeded the daily rate limit (100) of Meeting Create/Update API "
        "requests permitted for this particular user. "
        "You may resume these requests at GMT 00:00:00."
    )
    assert refused.headers["X-RateLimit-Type"] == "Daily-limit"
    retry_at = parsedate_to_datetime(refused.headers["Retry-After"])
    assert retry_at == datetime(2030, 6, 2, tzinfo=UTC)
    assert api.post("/users/me/meetings", json={"topic": "x"}).status_code == 429
    sim_admin.set_clock("2030-06-02T00:00:01Z")
    api.token = fetch_token(
        simulator,
        *(lambda a: (a["client_id"], a["client_secret"]))(sim_admin.account("biz")),
        "biz",
    )
    assert api.patch(f"/meetings/{meeting['id']}", json={"topic": "new day"}).status_code == 204
    assert api.problems == []


def test_per_registrant_3_a_day(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    person = {"email": "again@example.com", "first_name": "Again"}
    for _ in range(3):
        assert zoom.post(f"/meetings/{meeting['id']}/registrants", json=person).status_code == 201
    fourth = zoom.post(f"/meetings/{meeting['id']}/registrants", json=person)
    assert fourth.status_code == 429
    assert fourth.headers["X-RateLimit-Type"] == "Daily-limit"
    assert "again@example.com" in fourth.json()["message"]
    parsedate_to_datetime(fourth.headers["Retry-After"])  # an HTTP date
    # The batch counts once per email in it, and is refused as a whole.
    batch = zoom.post(
        f"/meetings/{meeting['id']}/batch_registrants",
        json={"registrants": [person, {"email": "new@example.com", "first_name": "New"}]},
    )
    assert batch.status_code == 429
    # Another person is not affected.
    other = {"email": "other@example.com", "first_name": "Other"}
    assert zoom.post(f"/meetings/{meeting['id']}/registrants", json=other).status_code == 201
    now = datetime.fromisoformat(sim_admin.clock()["now"])
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    sim_admin.advance_clock((midnight - now).total_seconds() + 86_400 + 1)
    zoom.token = fetch_token(zoom.server)
    assert zoom.post(f"/meetings/{meeting['id']}/registrants", json=person).status_code == 201


def test_daily_caps_of_a_free_account() -> None:
    limiter = RateLimiter()
    now = datetime(2030, 1, 1, 12, tzinfo=UTC)
    for _ in range(1000):
        limiter.reset_buckets()
        limiter.check_account("a", "free", "reportMeetingParticipants", now, enforce=True)
    limiter.reset_buckets()
    with pytest.raises(ZoomError) as refused:
        limiter.check_account("a", "free", "reportMeetingParticipants", now, enforce=True)
    assert refused.value.kind == "Daily-limit"
    assert refused.value.headers["Retry-After"] == "Wed, 02 Jan 2030 00:00:00 GMT"
    limiter.reset_buckets()
    tomorrow = datetime(2030, 1, 2, 0, 0, 1, tzinfo=UTC)
    headers = limiter.check_account("a", "free", "reportMeetingParticipants", tomorrow, True)
    assert headers["X-RateLimit-Remaining"] == "999"


def test_status_requests_limited_to_10_a_day(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 1})
    zoom.post(
        f"/meetings/{meeting['id']}/registrants", json={"email": "s@example.com", "first_name": "S"}
    )
    actions = ["approve", "deny"] * 5
    for action in actions:
        response = zoom.put(
            f"/meetings/{meeting['id']}/registrants/status",
            json={"action": action, "registrants": [{"email": "s@example.com"}]},
        )
        assert response.status_code == 204
    eleventh = zoom.put(
        f"/meetings/{meeting['id']}/registrants/status",
        json={"action": "approve", "registrants": [{"email": "s@example.com"}]},
    )
    assert eleventh.status_code == 429


def test_successful_answers_carry_rate_limit_headers(simulator: SimulatorServer) -> None:
    token = fetch_token(simulator)
    response = httpx.get(
        simulator.api_url + "/users/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.headers["X-RateLimit-Category"] == "Light"
    assert response.headers["X-RateLimit-Limit"] == "30"
    assert int(response.headers["X-RateLimit-Remaining"]) <= 29
