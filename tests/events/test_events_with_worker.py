"""The desired state the events API writes is what the worker needs: an event created, moved
and deleted through the API ends up the same in the (simulated) Zoom. Real HTTP over loopback
to the simulator; every Zoom exchange is checked against Zoom's specs by `zoom_transport`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.events.helpers import create_connection
from tests.events.test_events_api import BASE, event_body
from tests.fixtures.api import ApiHarness
from tests.fixtures.simulator import SimAdmin, fetch_token
from zoombridge.settings import Settings
from zoombridge.simulator import SimulatorServer
from zoombridge.worker import Worker


@pytest.fixture
async def worker(
    api: ApiHarness, zoom_transport: httpx.AsyncBaseTransport, tmp_path: Path
) -> AsyncIterator[Worker]:
    worker = Worker(api.sessionmaker, Settings(data_dir=tmp_path), transport=zoom_transport)
    yield worker
    await worker.aclose()


async def sync(worker: Worker, api: ApiHarness, event_id: str) -> dict[str, Any]:
    for _ in range(5):
        if not await worker.run_once():
            break
    answer: dict[str, Any] = (await api.http.get(f"{BASE}/{event_id}")).json()
    return answer


def zoom_start(meeting: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(meeting["start_time"].replace("Z", "+00:00")).astimezone(UTC)


async def test_create_move_delete_reach_zoom(
    api: ApiHarness, simulator: SimulatorServer, sim_admin: SimAdmin, worker: Worker
) -> None:
    connection = await create_connection(
        api.http,
        account_id="sim-account",
        client_id="sim-client-id",
        client_secret="sim-client-secret",
        api_url=simulator.api_url,
        oauth_url=simulator.oauth_url,
    )
    created = (await api.http.post(BASE, json=event_body(connection["id"]))).json()
    preview = (await api.http.get(f"{BASE}/{created['id']}/preview")).json()["items"][0]["body"]

    synced = await sync(worker, api, created["id"])
    [link] = synced["links"]
    assert link["state"] == "synced", link
    assert link["join_url"]
    meeting = sim_admin.get(f"/meetings/{link['zoom_meeting_id']}")
    assert meeting["topic"] == preview["topic"]
    assert meeting["duration"] == preview["duration"]
    assert zoom_start(meeting) == datetime(2026, 12, 10, 13, 0, tzinfo=UTC)

    moved = await api.http.patch(
        f"{BASE}/{created['id']}", json={"start": "2026-12-10T16:00:00+02:00"}
    )
    assert moved.json()["links"][0]["state"] == "pending"
    after_move = await sync(worker, api, created["id"])
    assert after_move["links"][0]["state"] == "synced"
    assert after_move["links"][0]["synced_version"] == 2
    meeting = sim_admin.get(f"/meetings/{link['zoom_meeting_id']}")
    assert zoom_start(meeting) == datetime(2026, 12, 10, 14, 0, tzinfo=UTC)

    await api.http.delete(f"{BASE}/{created['id']}")
    deleted = await sync(worker, api, created["id"])
    assert deleted["links"][0]["state"] == "deleted"
    gone = sim_admin.http.get(f"/meetings/{link['zoom_meeting_id']}")
    assert gone.status_code == 404


async def test_link_a_picked_meeting_and_fix_its_approval(
    api: ApiHarness, simulator: SimulatorServer, sim_admin: SimAdmin, worker: Worker
) -> None:
    # An organiser's own meeting in Zoom, with manual approval of registrants.
    token = fetch_token(simulator)
    async with httpx.AsyncClient(timeout=10) as zoom:
        made = await zoom.post(
            f"{simulator.api_url}/users/me/meetings",
            json={
                "topic": "Organiser's meeting",
                "type": 2,
                "start_time": "2026-12-12T10:00:00Z",
                "duration": 45,
                "timezone": "Europe/Helsinki",
                "settings": {"approval_type": 1},
            },
            headers={"Authorization": f"Bearer {token}"},
        )
    assert made.status_code == 201, made.text
    meeting_id = made.json()["id"]

    connection = await create_connection(
        api.http,
        account_id="sim-account",
        client_id="sim-client-id",
        client_secret="sim-client-secret",
        api_url=simulator.api_url,
        oauth_url=simulator.oauth_url,
    )
    await api.http.post(f"/api/v1/connections/{connection['id']}/hosts/fetch")
    await worker.run_once()
    picker = await api.http.get(f"/api/v1/connections/{connection['id']}/meetings?kind=meeting")
    assert meeting_id in [m["zoom_meeting_id"] for m in picker.json()["items"]]

    link_it = {"mode": "link", "meeting_id": meeting_id}
    body = event_body(connection["id"], kind="meeting", zoom=link_it)
    for name in ("topic", "start", "timezone", "duration_minutes"):
        del body[name]
    created = await api.http.post(BASE, json=body)
    assert created.status_code == 201, created.text
    event = await sync(worker, api, created.json()["id"])
    [link] = event["links"]
    assert link["state"] == "synced", link
    assert "manual approval" in (link["approval_warning"] or "")

    assert (await api.http.post(f"{BASE}/{event['id']}/fix-approval")).status_code == 202
    fixed = (await sync(worker, api, event["id"]))["links"][0]
    assert fixed["approval_type"] == 0
    assert fixed["approval_warning"] is None
    assert sim_admin.get(f"/meetings/{meeting_id}")["settings"]["approval_type"] == 0


async def test_registration_and_confirmation_switches_reach_zoom(
    api: ApiHarness, simulator: SimulatorServer, sim_admin: SimAdmin, worker: Worker
) -> None:
    connection = await create_connection(
        api.http,
        account_id="sim-account",
        client_id="sim-client-id",
        client_secret="sim-client-secret",
        api_url=simulator.api_url,
        oauth_url=simulator.oauth_url,
    )
    body = event_body(connection["id"], kind="meeting", zoom_confirmation_email=False)
    created = (await api.http.post(BASE, json=body)).json()
    [link] = (await sync(worker, api, created["id"]))["links"]
    settings = sim_admin.get(f"/meetings/{link['zoom_meeting_id']}")["settings"]
    assert settings["approval_type"] == 0

    changed = await api.http.patch(
        f"{BASE}/{created['id']}",
        json={"registration_enabled": False, "zoom_confirmation_email": True},
    )
    assert changed.json()["links"][0]["state"] == "pending"
    await sync(worker, api, created["id"])
    settings = sim_admin.get(f"/meetings/{link['zoom_meeting_id']}")["settings"]
    assert settings["approval_type"] == 2  # registration off (O9)
    assert settings["registrants_confirmation_email"] is True  # O5


async def test_switching_days_between_one_recurring_meeting_and_a_meeting_per_day(
    api: ApiHarness, simulator: SimulatorServer, sim_admin: SimAdmin, worker: Worker
) -> None:
    connection = await create_connection(
        api.http,
        account_id="sim-account",
        client_id="sim-client-id",
        client_secret="sim-client-secret",
        api_url=simulator.api_url,
        oauth_url=simulator.oauth_url,
    )
    days = [{"start": f"2026-12-{d:02d}T09:00:00+02:00", "duration_minutes": 60} for d in (7, 8, 9)]
    body = event_body(connection["id"], kind="meeting", day_mode="recurring", days=days)
    created = (await api.http.post(BASE, json=body)).json()
    [recurring] = (await sync(worker, api, created["id"]))["links"]
    assert recurring["state"] == "synced", recurring
    assert sim_admin.get(f"/meetings/{recurring['zoom_meeting_id']}")["type"] == 8

    # Recurring → a meeting per day: three day meetings made, the recurring one deleted.
    patched = await api.http.patch(f"{BASE}/{created['id']}", json={"day_mode": "per_day"})
    assert patched.status_code == 200, patched.text
    per_day = await sync(worker, api, created["id"])
    present = [link for link in per_day["links"] if link["want"] == "present"]
    assert len(present) == 3
    assert all(link["state"] == "synced" and link["session_id"] for link in present), present
    starts = sorted(
        zoom_start(sim_admin.get(f"/meetings/{link['zoom_meeting_id']}")) for link in present
    )
    assert starts == [datetime(2026, 12, d, 7, 0, tzinfo=UTC) for d in (7, 8, 9)]
    assert all(
        sim_admin.get(f"/meetings/{link['zoom_meeting_id']}")["type"] == 2 for link in present
    )
    gone = sim_admin.http.get(f"/meetings/{recurring['zoom_meeting_id']}")
    assert gone.status_code == 404

    # And back: one recurring meeting again, the day meetings deleted.
    patched = await api.http.patch(f"{BASE}/{created['id']}", json={"day_mode": "recurring"})
    assert patched.status_code == 200, patched.text
    back = await sync(worker, api, created["id"])
    [again] = [link for link in back["links"] if link["want"] == "present"]
    assert again["state"] == "synced"
    assert again["session_id"] is None
    assert sim_admin.get(f"/meetings/{again['zoom_meeting_id']}")["type"] == 8
    for link in present:
        assert sim_admin.http.get(f"/meetings/{link['zoom_meeting_id']}").status_code == 404
