"""Services (B2, B3): Zoom-enabled needs a connection; templates and reminders are checked."""

from __future__ import annotations

from tests.bookings.helpers import add_connection, create_service, snapshot
from tests.fixtures.api import ApiHarness
from zoombridge.bookings.models import DEFAULT_DESCRIPTION_TEMPLATE, DEFAULT_TOPIC_TEMPLATE

BASE = "/api/v1/services"


def fields_of(problem: dict[str, object]) -> dict[str, str]:
    errors = problem["errors"]
    assert isinstance(errors, list)
    return {e["field"]: e["message"] for e in errors}


async def test_create_read_and_list(api: ApiHarness) -> None:
    connection_id = await add_connection(api.sessionmaker)
    created = await create_service(api.http, connection_id, reminder_offsets=["1h", "1w", "1h"])
    assert created["zoom_enabled"] is True
    assert created["topic_template"] == DEFAULT_TOPIC_TEMPLATE
    assert created["description_template"] == DEFAULT_DESCRIPTION_TEMPLATE
    assert created["passcode_enabled"] is True
    assert created["reminder_offsets"] == ["1w", "1h"]  # canonical order, no duplicates
    assert (await api.http.get(f"{BASE}/{created['id']}")).json() == created
    listed = (await api.http.get(BASE)).json()
    assert [s["id"] for s in listed["items"]] == [created["id"]]
    assert (listed["total"], listed["next_cursor"]) == (1, None)


async def test_zoom_enabled_needs_a_connection(api: ApiHarness) -> None:
    before = await snapshot(api.sessionmaker)
    response = await api.http.post(
        BASE, json={"name": "Tutoring", "duration_minutes": 45, "zoom_enabled": True}
    )
    assert response.status_code == 422
    assert "connection" in fields_of(response.json())["connection_id"]
    assert await snapshot(api.sessionmaker) == before


async def test_unknown_connection_refused(api: ApiHarness) -> None:
    response = await api.http.post(
        BASE,
        json={
            "name": "Tutoring",
            "duration_minutes": 45,
            "zoom_enabled": True,
            "connection_id": "00000000-0000-4000-8000-000000000000",
        },
    )
    assert response.status_code == 422
    assert "connection_id" in fields_of(response.json())


async def test_unknown_shortcode_refused_with_the_valid_ones(api: ApiHarness) -> None:
    connection_id = await add_connection(api.sessionmaker)
    before = await snapshot(api.sessionmaker)
    response = await api.http.post(
        BASE,
        json={
            "name": "Tutoring",
            "duration_minutes": 45,
            "zoom_enabled": True,
            "connection_id": connection_id,
            "topic_template": "{service_name} for {customer_nmae}",
            "description_template": "Join: {zoom_meeting_url}",
        },
    )
    assert response.status_code == 422
    problems = fields_of(response.json())
    assert "{customer_nmae}" in problems["topic_template"]
    assert "{customer_name}" in problems["topic_template"]  # the list of valid ones
    assert "{booking_start}" in problems["topic_template"]
    # The join link does not exist before the meeting: not a topic/description shortcode.
    assert "{zoom_meeting_url}" in problems["description_template"]
    assert await snapshot(api.sessionmaker) == before


async def test_update_with_unknown_shortcode_leaves_the_service_unchanged(
    api: ApiHarness,
) -> None:
    connection_id = await add_connection(api.sessionmaker)
    service = await create_service(api.http, connection_id)
    before = await snapshot(api.sessionmaker)
    response = await api.http.patch(
        f"{BASE}/{service['id']}", json={"topic_template": "{employe_name}", "name": "Renamed"}
    )
    assert response.status_code == 422
    assert "{employee_name}" in fields_of(response.json())["topic_template"]
    assert await snapshot(api.sessionmaker) == before

    ok = await api.http.patch(
        f"{BASE}/{service['id']}",
        json={"topic_template": "{customer_name} / {employee_name}", "passcode_enabled": False},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["topic_template"] == "{customer_name} / {employee_name}"
    assert ok.json()["passcode_enabled"] is False
    assert ok.json()["name"] == "Consultation"


async def test_bad_reminder_offsets_and_duration_refused(api: ApiHarness) -> None:
    response = await api.http.post(
        BASE, json={"name": "Tutoring", "duration_minutes": 45, "reminder_offsets": ["2h"]}
    )
    assert response.status_code == 422
    assert "1w" in fields_of(response.json())["reminder_offsets"]
    short = await api.http.post(BASE, json={"name": "Tutoring", "duration_minutes": 4})
    assert short.status_code == 422
    assert "duration_minutes" in fields_of(short.json())


async def test_duplicate_name_is_a_conflict(api: ApiHarness) -> None:
    await create_service(api.http, None)
    response = await api.http.post(BASE, json={"name": "Consultation", "duration_minutes": 30})
    assert response.status_code == 409
    assert "name" in fields_of(response.json())


async def test_switching_zoom_off_clears_the_connection(api: ApiHarness) -> None:
    connection_id = await add_connection(api.sessionmaker)
    service = await create_service(api.http, connection_id)
    refused = await api.http.patch(f"{BASE}/{service['id']}", json={"connection_id": None})
    assert refused.status_code == 422
    ok = await api.http.patch(
        f"{BASE}/{service['id']}", json={"zoom_enabled": False, "connection_id": None}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["connection_id"] is None
    missing = await api.http.get(f"{BASE}/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
