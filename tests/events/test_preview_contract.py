"""E3: what the preview shows (and the worker sends) is a body Zoom's own spec accepts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.events.helpers import create_connection
from tests.events.test_events_api import BASE, event_body
from tests.fixtures.api import ApiHarness
from tests.fixtures.contract import load_specs

DAYS = [{"start": f"2026-12-{d:02d}T09:00:00+02:00", "duration_minutes": 60} for d in (7, 8, 9)]


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "webinar"},
        {"kind": "meeting", "zoom_confirmation_email": True, "topic": "t" * 255},
        {"kind": "meeting", "registration_enabled": False},
        {"kind": "webinar", "day_mode": "recurring", "days": DAYS},
        {"kind": "meeting", "day_mode": "per_day", "days": DAYS},
    ],
)
async def test_preview_bodies_satisfy_zooms_spec(
    api: ApiHarness, overrides: dict[str, Any]
) -> None:
    specs = load_specs()
    if specs is None:
        pytest.skip("Zoom's reference specs are not on this machine")
    connection = await create_connection(api.http)
    response = await api.http.post(
        f"{BASE}/preview", json=event_body(connection["id"], **overrides)
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items
    for item in items:
        collection = "webinars" if item["operation"] == "webinarCreate" else "meetings"
        request = httpx.Request(
            "POST",
            f"https://api.zoom.us/v2/users/me/{collection}",
            json=item["body"],
            headers={"Authorization": "Bearer test"},
        )
        assert specs.request_errors(item["operation"], request, "/v2") == []
        assert len(item["body"]["topic"]) <= 200
