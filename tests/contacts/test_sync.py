"""Webinar syncs beyond the main case, on both databases against the simulator: Zoom failing,
a poison item beside good ones, cancellations in Zoom, guests linked by hand, the switches, all
hosts, and webhooks bringing a sync forward."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tests.attendance.events import ended_event, signed
from tests.contacts.helpers import (
    contacts,
    crm_on,
    hosts,
    notes,
    ok,
    sync_now,
    synced_webinar,
    until,
    webinars,
    zoom_register,
    zoom_webinar,
)
from tests.fixtures.api import ApiHarness
from tests.sync.conftest import Clock, WorkerFactory, World
from zoombridge.contacts.models import ContactRegisterRequest, RequestState


async def test_zoom_failing_retries_the_sync_later(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    worker = make_worker()
    zoom_id, webinar_id = await synced_webinar(api, world, worker)
    zoom_register(world, zoom_id, "ada@example.com", "Ada")
    world.admin.faults(error_rate=1.0)
    failed = await sync_now(api, worker, webinar_id)
    assert failed["outcome"] == "retry"
    webinar = (await webinars(api))[zoom_id]
    assert webinar["sync_due"] is True
    assert "trying again" in webinar["last_error"]
    world.admin.faults(error_rate=0.0)

    async def recovered() -> bool:
        return (await webinars(api))[zoom_id]["last_error"] is None

    await until(worker, recovered)
    assert "ada@example.com" in await contacts(api)


async def test_a_poison_request_stops_alone_beside_good_ones(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    worker = make_worker()
    zoom_id, _ = await synced_webinar(api, world, worker)
    good = await ok(
        await api.http.post(
            "/api/v1/contacts/register",
            json={"email": "ada@example.com", "first_name": "Ada", "webinar_id": zoom_id},
        ),
        202,
    )
    poison = await ok(
        await api.http.post(
            "/api/v1/contacts/register",
            json={"email": "bob@example.com", "first_name": "Bob", "webinar_id": zoom_id},
        ),
        202,
    )
    async with api.sessionmaker() as session:  # stored by an older version, past the checks
        await session.execute(
            update(ContactRegisterRequest)
            .where(ContactRegisterRequest.id == uuid.UUID(poison["id"]))
            .values(first_name="")
        )
        await session.commit()

    async def settled() -> bool:
        rows = [
            await ok(await api.http.get(f"/api/v1/contact-registrations/{r['id']}"))
            for r in (good, poison)
        ]
        return all(r["state"] != "pending" for r in rows)

    await until(worker, settled)
    good_now = await ok(await api.http.get(f"/api/v1/contact-registrations/{good['id']}"))
    poison_now = await ok(await api.http.get(f"/api/v1/contact-registrations/{poison['id']}"))
    assert good_now["state"] == RequestState.REGISTERED.value
    assert poison_now["state"] == RequestState.FAILED.value
    assert "registering a contact to a webinar" in poison_now["last_error"]
    assert set(world.registrants(zoom_id)) == {"ada@example.com"}


async def test_cancelled_in_zoom_and_a_guest_linked_by_hand(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    worker = make_worker()
    await world.connect()
    zoom_id = zoom_webinar(world, "me", "Workshop")
    for email, first in [("ada@example.com", "Ada"), ("bob@example.com", "Bob")]:
        zoom_register(world, zoom_id, email, first)
    world.admin.attendance(
        zoom_id,
        [
            {"name": "Ada", "email": "ada@example.com", "segments": [[0, 1800]]},
            {"name": "Phone guest", "segments": [[0, 3600]]},
        ],
    )
    _, webinar_id = await synced_webinar(api, world, worker, existing=zoom_id)

    bob = (await contacts(api))["bob@example.com"]
    assert bob["properties"]["total_registrations"] == 1
    registrant = world.registrants(zoom_id)["bob@example.com"]
    answer = world.zoom(
        "PUT",
        f"/webinars/{zoom_id}/registrants/status",
        {"action": "cancel", "registrants": [{"id": registrant["id"]}]},
    )
    assert answer.status_code == 204, answer.text

    [guest] = (await ok(await api.http.get(f"/api/v1/crm/webinars/{webinar_id}/not-synced")))[
        "items"
    ]
    assert (guest["name"], guest["reason"], guest["minutes"]) == ("Phone guest", "no email", 60.0)
    linked = await ok(
        await api.http.post(
            f"/api/v1/crm/webinars/{webinar_id}/attendees/{guest['id']}/link",
            json={"contact_id": bob["id"]},
        )
    )
    assert linked[0]["contact_id"] == bob["id"]

    await sync_now(api, worker, webinar_id)
    bob = (await contacts(api))["bob@example.com"]
    assert bob["properties"]["total_registrations"] == 0  # cancelled in Zoom
    assert bob["properties"]["total_webinars_attended"] == 1  # the guest, linked by hand
    assert bob["properties"]["avg_attendance_percent"] == 100.0
    [still] = (await ok(await api.http.get(f"/api/v1/crm/webinars/{webinar_id}/not-synced")))[
        "items"
    ]
    assert (still["contact_id"], still["reason"]) == (bob["id"], "linked by hand")
    timeline = (await ok(await api.http.get(f"/api/v1/contacts/{bob['id']}/timeline")))["items"]
    assert {e["kind"] for e in timeline} == {"registered", "cancelled", "attended"}


async def test_switches_all_hosts_and_recordings_off(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    worker = make_worker()
    world.admin.add_user(
        "sim-account", email="other@example.com", first_name="O", last_name="T", type=2
    )
    connection = await world.connect()
    mine = zoom_webinar(world, "me", "Mine")
    theirs = zoom_webinar(world, "other@example.com", "Theirs")
    await crm_on(api, connection.id, mode="all")

    async def listed() -> bool:
        found = await webinars(api)
        return {mine, theirs} <= set(found) and all(w["synced_at"] for w in found.values())

    await until(worker, listed)
    other = (await hosts(api))["other@example.com"]
    await ok(
        await api.http.patch(f"/api/v1/crm/hosts/{other['id']}", json={"sync_recordings": False})
    )
    theirs_id = (await webinars(api))[theirs]["id"]
    assert ("sync_disabled", "recordings_off") in notes(await sync_now(api, worker, theirs_id))

    await ok(await api.http.patch("/api/v1/crm/settings", json={"sync_webinars": False}))
    off = await sync_now(api, worker, theirs_id)
    assert off["outcome"] == "disabled"
    assert ("sync_disabled", "global_switch") in notes(off)
    await ok(await api.http.patch("/api/v1/crm/settings", json={"sync_webinars": True}))
    await ok(
        await api.http.put(
            f"/api/v1/crm/connections/{connection.id}/hosts", json={"hosts_mode": "selected"}
        )
    )
    unselected = await sync_now(api, worker, theirs_id)
    assert ("sync_disabled", "host_not_selected") in notes(unselected)


async def test_new_webinars_of_a_host_follow_its_default(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    worker = make_worker()
    await synced_webinar(api, world, worker, topic="First")
    host = (await hosts(api))["host@example.com"]
    await ok(
        await api.http.patch(f"/api/v1/crm/hosts/{host['id']}", json={"sync_new_by_default": False})
    )
    later = zoom_webinar(world, "me", "Later")
    assert world.connection is not None
    await ok(await api.http.post(f"/api/v1/crm/connections/{world.connection.id}/list"), 202)

    async def seen() -> bool:
        found = (await webinars(api)).get(later)
        return bool(found and not found["sync_due"])

    await until(worker, seen)
    found = (await webinars(api))[later]
    assert found["sync_enabled"] is False
    syncs = (await ok(await api.http.get(f"/api/v1/crm/webinars/{found['id']}/syncs")))["items"]
    assert [s["outcome"] for s in syncs] == ["disabled"]
    assert ("sync_disabled", "webinar_off") in notes(syncs[0])


async def test_webhooks_bring_the_next_sync_forward(
    api: ApiHarness, world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    worker = make_worker()
    zoom_id, webinar_id = await synced_webinar(api, world, worker)
    assert world.connection is not None
    before = (await webinars(api))[zoom_id]
    assert before["next_sync_at"] is not None  # an upcoming webinar: in an hour or so
    planned = datetime.fromisoformat(before["next_sync_at"].replace("Z", "+00:00"))
    assert planned > datetime.now(UTC) + timedelta(minutes=30)
    raw, headers = signed(ended_event(zoom_id, "some-instance"))
    answer = await api.anonymous.post(
        f"/webhooks/zoom/{world.connection.id}", content=raw, headers=headers
    )
    assert answer.status_code == 200

    async def nudged() -> bool:
        found = (await webinars(api))[zoom_id]
        return found["next_sync_at"] != before["next_sync_at"]

    await until(worker, nudged)
    nudged_at = datetime.fromisoformat(
        (await webinars(api))[zoom_id]["next_sync_at"].replace("Z", "+00:00")
    )
    assert nudged_at < datetime.now(UTC) + timedelta(minutes=2)
    clock.advance(timedelta(minutes=2))
    syncs_before = len(
        (await ok(await api.http.get(f"/api/v1/crm/webinars/{webinar_id}/syncs")))["items"]
    )

    async def synced() -> bool:
        syncs = (await ok(await api.http.get(f"/api/v1/crm/webinars/{webinar_id}/syncs")))["items"]
        return len(syncs) > syncs_before and syncs[0]["finished_at"] is not None

    await until(worker, synced)
    latest = ((await ok(await api.http.get(f"/api/v1/crm/webinars/{webinar_id}/syncs")))["items"])[
        0
    ]
    assert latest["trigger"] == "webhook"
