"""Driving the contacts domain as a user would: the API, the worker, and Zoom (the simulator)
changed from Zoom's side."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fixtures.api import ApiHarness
from tests.sync.conftest import World
from zoombridge.worker import Worker

SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


async def until(worker: Worker, done: Callable[[], Awaitable[bool]], passes: int = 60) -> None:
    for _ in range(passes):
        await worker.run_once()
        if await done():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the worker did not get there")


async def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def zoom_webinar(world: World, host: str, topic: str, **settings: Any) -> int:
    """A webinar made in Zoom by someone (not by zoombridge); its id."""
    answer = world.zoom(
        "POST",
        f"/users/{host}/webinars",
        {
            "topic": topic,
            "type": 5,
            "start_time": SOON.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": 60,
            "settings": {"approval_type": 0, **settings},
        },
    )
    assert answer.status_code == 201, answer.text
    webinar_id: int = answer.json()["id"]
    return webinar_id


def zoom_register(world: World, webinar_id: int, email: str, first: str, last: str = "") -> None:
    body = {"email": email, "first_name": first, **({"last_name": last} if last else {})}
    answer = world.zoom("POST", f"/webinars/{webinar_id}/registrants", body)
    assert answer.status_code == 201, answer.text


async def crm_on(
    api: ApiHarness, connection_id: Any, *, domains: list[str] | None = None, mode: str = "selected"
) -> None:
    await ok(
        await api.http.patch(
            "/api/v1/crm/settings",
            json={"sync_webinars": True, "excluded_domains": domains or []},
        )
    )
    path = f"/api/v1/crm/connections/{connection_id}/hosts"
    await ok(await api.http.put(path, json={"hosts_mode": mode}))


async def hosts(api: ApiHarness) -> dict[str, dict[str, Any]]:
    listed = (await ok(await api.http.get("/api/v1/crm/hosts")))["items"]
    return {h["email"]: h for h in listed}


async def webinars(api: ApiHarness) -> dict[int, dict[str, Any]]:
    listed = (await ok(await api.http.get("/api/v1/crm/webinars")))["items"]
    return {w["zoom_webinar_id"]: w for w in listed}


async def contacts(api: ApiHarness, **params: Any) -> dict[str, dict[str, Any]]:
    page = (await ok(await api.http.get("/api/v1/contacts", params={"limit": 500, **params})))[
        "items"
    ]
    return {c["email"]: c for c in page}


async def latest_sync(api: ApiHarness, webinar_id: Any) -> dict[str, Any]:
    syncs = (await ok(await api.http.get(f"/api/v1/crm/webinars/{webinar_id}/syncs")))["items"]
    latest: dict[str, Any] = syncs[0]
    return latest


def notes(sync: dict[str, Any]) -> dict[tuple[str, str], dict[str, str]]:
    """(category, reason) -> {subject: detail} of one sync's audit."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for category in sync["categories"]:
        for reason in category["reasons"]:
            found[(category["category"], reason["reason"])] = {
                n["subject"]: n["detail"] for n in reason["notes"]
            }
    return found


async def synced_webinar(
    api: ApiHarness,
    world: World,
    worker: Worker,
    topic: str = "Clinic",
    *,
    existing: int | None = None,
    **settings: Any,
) -> tuple[int, str]:
    """A webinar made in Zoom by the selected host (or `existing`), synced once: (Zoom id, our
    id)."""
    connection = world.connection or await world.connect()
    zoom_id = existing or zoom_webinar(world, "me", topic, **settings)
    await crm_on(api, connection.id)

    async def listed() -> bool:
        return "host@example.com" in await hosts(api)

    await until(worker, listed)
    host = (await hosts(api))["host@example.com"]
    if not host["selected"]:
        await ok(await api.http.patch(f"/api/v1/crm/hosts/{host['id']}", json={"selected": True}))

    async def synced() -> bool:
        found = (await webinars(api)).get(zoom_id)
        return bool(found and found["synced_at"])

    await until(worker, synced)
    return zoom_id, (await webinars(api))[zoom_id]["id"]


async def sync_now(api: ApiHarness, worker: Worker, webinar_id: str) -> dict[str, Any]:
    before = (await ok(await api.http.get(f"/api/v1/crm/webinars/{webinar_id}/syncs")))["items"]
    await ok(await api.http.post(f"/api/v1/crm/webinars/{webinar_id}/sync"), 202)

    async def done() -> bool:
        sync = await latest_sync(api, webinar_id)
        return (not before or sync["id"] != before[0]["id"]) and sync["finished_at"] is not None

    await until(worker, done)
    return await latest_sync(api, webinar_id)
