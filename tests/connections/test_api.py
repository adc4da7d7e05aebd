"""The connections API (C1–C6): secrets write-only, JWT advice, test access, hosts, pickers."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.connections.factories import CLIENT_SECRET, WEBHOOK_SECRET_TOKEN
from tests.events.helpers import (
    add_choice,
    add_host,
    connection_body,
    create_connection,
    row_counts,
)
from tests.fixtures.api import ApiHarness
from zoombridge.connections.models import ZoomConnection, ZoomHost
from zoombridge.connections.scopes import recommended_scopes

BASE = "/api/v1/connections"


def assert_no_secret(text: str) -> None:
    assert CLIENT_SECRET not in text
    assert WEBHOOK_SECRET_TOKEN not in text


async def test_create_list_get_update_delete_never_show_secrets(api: ApiHarness) -> None:
    created = await create_connection(api.http)
    assert created["has_client_secret"] is True
    assert created["has_webhook_secret_token"] is True
    assert created["missing_scopes"] is None  # not tested yet

    answers = [
        await api.http.get(BASE),
        await api.http.get(f"{BASE}/{created['id']}"),
        await api.http.patch(f"{BASE}/{created['id']}", json={"client_secret": "rotated-9x"}),
        await api.http.post(f"{BASE}/{created['id']}/test"),
        await api.http.get("/openapi.json"),
    ]
    for answer in answers:
        assert answer.status_code in (200, 202), answer.text
        assert_no_secret(answer.text)
        assert "rotated-9x" not in answer.text

    async with api.sessionmaker() as session:
        stored = await session.get(ZoomConnection, uuid.UUID(created["id"]))
        assert stored is not None
        assert stored.client_secret.get_secret_value() == "rotated-9x"
        # New credentials make the last test stale: the worker is asked to test again.
        assert stored.test_requested_at is not None

    deleted = await api.http.delete(f"{BASE}/{created['id']}")
    assert deleted.status_code == 204
    assert (await api.http.get(f"{BASE}/{created['id']}")).status_code == 404


async def test_routes_need_a_token(api: ApiHarness) -> None:
    response = await api.anonymous.get(BASE)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"client_secret": ""}, "client_secret"),
        ({"plan": "platinum"}, "plan"),
        ({"api_url": "ftp://x"}, "api_url"),
    ],
)
async def test_bad_input_is_a_field_error_and_stores_nothing(
    api: ApiHarness, overrides: dict[str, str], field: str
) -> None:
    before = await row_counts(api.sessionmaker)
    response = await api.http.post(BASE, json=connection_body(**overrides))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert_no_secret(response.text)
    assert await row_counts(api.sessionmaker) == before


async def test_duplicate_name_is_refused(api: ApiHarness) -> None:
    await create_connection(api.http)
    response = await api.http.post(BASE, json=connection_body())
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "name"


@pytest.mark.parametrize("jwt_field", ["api_key", "api_secret", "jwt_token"])
async def test_jwt_fields_get_migration_advice(api: ApiHarness, jwt_field: str) -> None:
    jwt_value = "JWT-credential-value-42"
    before = await row_counts(api.sessionmaker)
    response = await api.http.post(BASE, json=connection_body(**{jwt_field: jwt_value}))

    assert response.status_code == 422
    error = next(e for e in response.json()["errors"] if e["field"] == jwt_field)
    message = error["message"]
    assert "JWT apps are deprecated by Zoom" in message
    assert "Server-to-Server OAuth" in message
    assert "Account ID, Client ID and Client Secret" in message
    assert "meeting:write:meeting:admin" in message
    assert jwt_value not in response.text
    assert await row_counts(api.sessionmaker) == before


async def test_jwt_fields_refused_on_update_too(api: ApiHarness) -> None:
    created = await create_connection(api.http)
    response = await api.http.patch(f"{BASE}/{created['id']}", json={"api_key": "k"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "api_key"


async def test_test_access_result_shows_missing_scopes_per_feature(api: ApiHarness) -> None:
    created = await create_connection(api.http)
    requested = await api.http.post(f"{BASE}/{created['id']}/test")
    assert requested.status_code == 202
    assert requested.json()["test_requested_at"] is not None

    # What the worker records after requesting a token: everything but webinars and recordings.
    granted = [s for s in recommended_scopes() if not s.startswith(("webinar:", "cloud_recording"))]
    async with api.sessionmaker() as session:
        stored = await session.get(ZoomConnection, uuid.UUID(created["id"]))
        assert stored is not None
        stored.test_requested_at = None
        stored.last_test_ok = True
        stored.granted_scopes = " ".join(granted)
        await session.commit()

    answer = (await api.http.get(f"{BASE}/{created['id']}")).json()
    missing = answer["missing_scopes"]
    assert set(missing) == {
        "webinars",
        "registrants",
        "reports/attendance",
        "recordings",
        "contacts (CRM)",  # a webinar's panelists and registration form
    }
    assert "webinar:write:webinar:admin" in missing["webinars"]
    assert missing["registrants"] == sorted(
        s for s in recommended_scopes() if s.startswith("webinar:") and "registrant" in s
    )
    assert "meetings" not in missing
    assert answer["test_requested_at"] is None


async def test_last_error_is_shown_in_plain_words(api: ApiHarness) -> None:
    created = await create_connection(api.http)
    message = "Zoom refused: this account's plan has no webinars (add the Webinar add-on)."
    async with api.sessionmaker() as session:
        stored = await session.get(ZoomConnection, uuid.UUID(created["id"]))
        assert stored is not None
        stored.last_test_ok = False
        stored.last_test_error = message
        await session.commit()
    answer = (await api.http.get(f"{BASE}/{created['id']}")).json()
    assert answer["last_test_ok"] is False
    assert answer["last_test_error"] == message


async def test_hosts_fetch_list_and_picker(api: ApiHarness) -> None:
    created = await create_connection(api.http)
    fetch = await api.http.post(f"{BASE}/{created['id']}/hosts/fetch")
    assert fetch.status_code == 202
    assert fetch.json()["hosts_requested_at"] is not None

    assert (await api.http.get(f"{BASE}/{created['id']}/hosts")).json()["items"] == []
    await add_host(api.sessionmaker, created["id"])
    await add_host(api.sessionmaker, created["id"], "host-user-2", "two@example.com")
    hosts = (await api.http.get(f"{BASE}/{created['id']}/hosts")).json()["items"]
    assert [h["zoom_user_id"] for h in hosts] == ["host-user-1", "host-user-2"]

    chosen = await api.http.put(
        f"{BASE}/{created['id']}/picker", json={"mode": "selected", "host_ids": ["two@example.com"]}
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["picker_hosts"] == "selected"
    async with api.sessionmaker() as session:
        shown = {
            h.zoom_user_id: h.shown_in_pickers for h in await session.scalars(select(ZoomHost))
        }
    assert shown == {"host-user-1": False, "host-user-2": True}

    owner = await api.http.put(f"{BASE}/{created['id']}/picker", json={"mode": "owner"})
    assert owner.json()["picker_hosts"] == "owner"


async def test_picker_refuses_unknown_hosts(api: ApiHarness) -> None:
    created = await create_connection(api.http)
    await add_host(api.sessionmaker, created["id"])
    response = await api.http.put(
        f"{BASE}/{created['id']}/picker",
        json={"mode": "selected", "host_ids": ["host-user-1", "nobody@example.com"]},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["host_ids[1]"]
    empty = await api.http.put(f"{BASE}/{created['id']}/picker", json={"mode": "selected"})
    assert empty.status_code == 422
    answer = (await api.http.get(f"{BASE}/{created['id']}")).json()
    assert answer["picker_hosts"] == "owner"


async def test_meeting_choices_filtered_by_kind_with_details(api: ApiHarness) -> None:
    created = await create_connection(api.http)
    await add_choice(api.sessionmaker, created["id"], 111, topic="Weekly sync")
    await add_choice(api.sessionmaker, created["id"], 222, kind="webinar", zoom_type=5)

    meetings = (await api.http.get(f"{BASE}/{created['id']}/meetings?kind=meeting")).json()["items"]
    assert [(m["zoom_meeting_id"], m["topic"], m["type"]) for m in meetings] == [
        (111, "Weekly sync", 2)
    ]
    assert meetings[0]["duration"] == 60
    assert meetings[0]["timezone"] == "Europe/Helsinki"
    assert meetings[0]["start"].startswith("2026-12-01T10:00")
    everything = (await api.http.get(f"{BASE}/{created['id']}/meetings")).json()
    assert len(everything["items"]) == everything["total"] == 2
    bad = await api.http.get(f"{BASE}/{created['id']}/meetings?kind=podcast")
    assert bad.status_code == 422


async def test_unknown_connection_is_404(api: ApiHarness) -> None:
    response = await api.http.post(f"{BASE}/{uuid.uuid4()}/test")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_update_refuses_removing_required_fields_and_taken_names(api: ApiHarness) -> None:
    first = await create_connection(api.http)
    await create_connection(api.http, name="Second")
    removed = await api.http.patch(f"{BASE}/{first['id']}", json={"client_id": None})
    assert removed.status_code == 422
    assert removed.json()["errors"] == [
        {"field": "client_id", "message": "client_id cannot be removed, only changed"}
    ]
    taken = await api.http.patch(f"{BASE}/{first['id']}", json={"name": "Second"})
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["field"] == "name"
    assert (await api.http.get(f"{BASE}/{first['id']}")).json()["name"] == "Main account"
