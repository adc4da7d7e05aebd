"""The issue's end-to-end case, on SQLite and PostgreSQL, against the simulator over loopback.

Two hosts on the Zoom account, one selected. The selected host has three webinars, one of them
made in Zoom (not by zoombridge); the other host has one, never synced. Registrants include one
by a contact's secondary email, one of an excluded domain, one Zoom account user, one invalid
email and a zoombridge user; participants rejoin, and a guest has no email. The Zoom-made
webinar records to the cloud: its first sync finds the recording still processing, a later one
finds it available. A deleted contact is not made again; the register action refuses the host
with the seed's message and registers a contact on the simulator.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from tests.contacts.helpers import (
    contacts,
    crm_on,
    hosts,
    latest_sync,
    notes,
    ok,
    until,
    webinars,
    zoom_register,
    zoom_webinar,
)
from tests.fixtures.api import ApiHarness
from tests.sync.conftest import Clock, WorkerFactory, World
from zoombridge.accounts.service import create_user
from zoombridge.connections.models import ZoomKind
from zoombridge.contacts.models import Contact, ContactRegisterRequest, RequestState
from zoombridge.events.models import LinkState, MeetingLink

HOST = "host@example.com"
OTHER = "other@example.com"
STAFF = "desk@staff.example.org"
REJOINED = [[0, 600], [900, 1800]]  # 25 of the webinar's 60 minutes


async def _made_by_zoombridge(world: World, worker: Any, topic: str) -> int:
    _, link = await world.event(ZoomKind.WEBINAR, topic=topic)

    async def created() -> bool:
        row = await world.get(MeetingLink, link.id)
        return bool(row.state is LinkState.SYNCED and row.zoom_meeting_id)

    await until(worker, created)
    return int((await world.get(MeetingLink, link.id)).zoom_meeting_id)


async def _sync_now(
    api: ApiHarness, worker: Any, webinar_id: str, after: str | None
) -> dict[str, Any]:
    await ok(await api.http.post(f"/api/v1/crm/webinars/{webinar_id}/sync"), 202)

    async def synced() -> bool:
        sync = await latest_sync(api, webinar_id)
        return sync["id"] != after and sync["finished_at"] is not None

    await until(worker, synced)
    return await latest_sync(api, webinar_id)


async def test_webinars_of_the_selected_host_become_contacts(
    api: ApiHarness, world: World, make_worker: WorkerFactory, clock: Clock
) -> None:
    worker = make_worker()
    world.admin.add_user("sim-account", email=OTHER, first_name="Olga", last_name="Other", type=2)
    connection = await world.connect()
    async with api.sessionmaker() as session:
        await create_user(session, STAFF, "staff-Pa55word!")
        await session.commit()

    # Three webinars of the host (two made by zoombridge, one in Zoom), one of the other host.
    launch = await _made_by_zoombridge(world, worker, "Launch")
    deleted_later = await _made_by_zoombridge(world, worker, "Roadmap")
    clinic = zoom_webinar(world, "me", "Clinic", auto_recording="cloud")
    foreign = zoom_webinar(world, OTHER, "Other's webinar")

    # A contact with a secondary email, made by hand before anything is synced.
    bob = await ok(
        await api.http.post(
            "/api/v1/contacts", json={"email": "bob@example.com", "first_name": "Bob"}
        ),
        201,
    )
    await ok(
        await api.http.post(
            f"/api/v1/contacts/{bob['id']}/emails", json={"email": "bob.alt@example.com"}
        )
    )

    for email, first, last in [
        ("ada@example.com", "Ada", "Lovelace"),
        ("bob.alt@example.com", "Robert", "Alt"),
        ("eve@ourco.com", "Eve", "Inside"),
        (OTHER, "Olga", "Other"),
        ("ann@mail.invalid", "Ann", "Typo"),
        (STAFF, "Desk", "Staff"),
        ("nina@example.com", "Nina", "Noshow"),
        ("dan@example.com", "Dan", "Deleted"),
    ]:
        zoom_register(world, clinic, email, first, last)
    zoom_register(world, launch, "ada@example.com", "Ada", "Lovelace")
    zoom_register(world, foreign, "fay@example.com", "Fay", "Foreign")

    # The clinic happens: Ada rejoins, Bob (by his secondary email) stays, a guest has no email.
    world.admin.attendance(
        clinic,
        [
            {"name": "Ada Lovelace", "email": "ada@example.com", "segments": REJOINED},
            {"name": "Robert Alt", "email": "bob.alt@example.com", "segments": [[0, 3600]]},
            {"name": "Olga Other", "email": OTHER, "segments": [[0, 1800]]},
            {"name": "Eve Inside", "email": "eve@ourco.com", "segments": [[60, 900]]},
            {"name": "Phone guest", "segments": [[300, 1500]]},
            {"name": "Dan Deleted", "email": "dan@example.com", "segments": [[0, 600]]},
        ],
    )

    # CRM settings: sync on, the company's domain excluded, selected hosts; the host selected.
    await crm_on(api, connection.id, domains=["ourco.com"])

    async def listed_users() -> bool:
        return {HOST, OTHER} <= set(await hosts(api))

    await until(worker, listed_users)
    found_hosts = await hosts(api)
    await ok(
        await api.http.patch(
            f"/api/v1/crm/hosts/{found_hosts[HOST]['id']}", json={"selected": True}
        )
    )

    async def all_synced() -> bool:
        listed = await webinars(api)
        return {launch, deleted_later, clinic} <= set(listed) and not any(
            w["sync_due"] and w["synced_at"] is None for w in listed.values()
        )

    await until(worker, all_synced)
    listed = await webinars(api)
    assert foreign not in listed  # the other host is not selected
    assert listed[clinic]["created_by_zoombridge"] is False
    assert listed[launch]["created_by_zoombridge"] is True
    assert listed[clinic]["attendees"] == 6
    assert listed[clinic]["not_synced_attendees"] == 3

    people = await contacts(api)
    assert set(people) == {
        "ada@example.com",
        "bob@example.com",
        "nina@example.com",
        "dan@example.com",
    }
    ada, bob_now = people["ada@example.com"], people["bob@example.com"]
    nina = people["nina@example.com"]
    assert (ada["first_name"], ada["last_name"]) == ("Ada", "Lovelace")
    assert ada["properties"]["total_registrations"] == 2
    assert ada["properties"]["total_webinars_attended"] == 1
    assert ada["properties"]["avg_attendance_percent"] == 41.7  # 25 of 60 minutes; launch not over
    assert bob_now["properties"]["avg_attendance_percent"] == 100.0
    assert bob_now["properties"]["total_registrations"] == 1
    assert nina["properties"]["no_show_count"] == 1
    assert nina["properties"]["avg_attendance_percent"] == 0.0
    assert set(ada["sources"]) == {"webinar_registrant", "webinar_attendee"}

    # The clinic's audit, in the seed's categories.
    first = await latest_sync(api, listed[clinic]["id"])
    seen = notes(first)
    assert set(seen[("emails_excluded", "excluded_domain")]) == {"eve@ourco.com"}
    assert set(seen[("emails_excluded", "zoom_user")]) == {OTHER}
    assert set(seen[("emails_excluded", "platform_user")]) == {STAFF}
    assert set(seen[("emails_excluded", "invalid_email")]) == {"ann@mail.invalid"}
    assert "bob@example.com" in seen[("emails_excluded", "secondary_email")]["bob.alt@example.com"]
    assert set(seen[("data_not_synced", "invalid_email")]) == {"ann@mail.invalid"}
    assert "25.0 min" not in seen[("attendees_not_synced", "no_email")]["Phone guest"]
    assert "20.0 min" in seen[("attendees_not_synced", "no_email")]["Phone guest"]
    assert len(seen.get(("recording_not_synced", "processing"), {})) == 1, (seen, first)
    assert first["outcome"] == "warnings"

    # Ada's timeline: registered twice, attended the clinic (joins, minutes, percent).
    timeline = (await ok(await api.http.get(f"/api/v1/contacts/{ada['id']}/timeline")))["items"]
    kinds = [(e["kind"], e["details"].get("webinar")) for e in timeline]
    assert ("registered", "Clinic") in kinds
    assert ("registered", "Launch") in kinds
    [attended] = [e for e in timeline if e["kind"] == "attended"]
    assert attended["details"]["minutes_attended"] == 25.0
    assert attended["details"]["percent_attended"] == 41.7
    assert attended["details"]["joins"] == 2
    assert attended["details"]["left"] is not None

    # The recording becomes available; the planned follow-up sync finds it.
    world.admin.record(clinic)
    clock.advance(timedelta(minutes=11))

    async def recorded() -> bool:
        sync = await latest_sync(api, listed[clinic]["id"])
        return sync["id"] != first["id"] and sync["finished_at"] is not None

    await until(worker, recorded)
    second = await latest_sync(api, listed[clinic]["id"])
    assert second["trigger"] == "recording"
    assert ("recording_not_synced", "processing") not in notes(second)
    assert second["counts"]["recordings"] == 1
    timeline = (await ok(await api.http.get(f"/api/v1/contacts/{ada['id']}/timeline")))["items"]
    [recording] = [e for e in timeline if e["kind"] == "recording"]
    assert recording["details"]["topic"] == "Clinic"
    assert recording["details"]["url"].startswith("https://zoom.us/rec/play/")

    # A deleted contact is not made again by the next sync.
    dan = people["dan@example.com"]
    await ok(await api.http.delete(f"/api/v1/contacts/{dan['id']}"))
    third = await _sync_now(api, worker, listed[clinic]["id"], second["id"])
    assert "dan@example.com" in notes(third)[("emails_excluded", "deleted_contact")]
    assert "dan@example.com" not in await contacts(api)
    async with api.sessionmaker() as session:
        dans = list(await session.scalars(select(Contact).where(Contact.email.like("dan@%"))))
    assert len(dans) == 1
    assert dans[0].deleted_at is not None
    assert "dan@example.com" in await contacts(api, deleted=True)

    # Switched off: "sync disabled" says which switch; nothing is asked of Zoom.
    await ok(
        await api.http.patch(
            f"/api/v1/crm/webinars/{listed[launch]['id']}", json={"sync_enabled": False}
        )
    )
    off = await _sync_now(api, worker, listed[launch]["id"], None)
    assert off["outcome"] == "disabled"
    assert set(notes(off)) == {("sync_disabled", "webinar_off")}
    await ok(
        await api.http.patch(
            f"/api/v1/crm/webinars/{listed[launch]['id']}", json={"sync_enabled": True}
        )
    )

    # Deleted in Zoom: an error "connected Zoom account data not found".
    assert world.zoom("DELETE", f"/webinars/{deleted_later}").status_code == 204
    gone = await _sync_now(api, worker, listed[deleted_later]["id"], None)
    assert ("errors", "zoom_data_not_found") in notes(gone)
    assert gone["outcome"] == "failed"

    # The register action: the host is refused with the seed's message; a contact is registered.
    refused = await api.http.post(
        "/api/v1/contacts/register",
        json={"email": HOST, "first_name": "Hostess", "webinar_id": launch},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == "The webinar host cannot register for the webinar"
    request = await ok(
        await api.http.post(f"/api/v1/contacts/{nina['id']}/register", json={"webinar_id": launch}),
        202,
    )

    async def registered() -> bool:
        async with api.sessionmaker() as session:
            row = await session.get(ContactRegisterRequest, uuid.UUID(request["id"]))
            return row is not None and row.state is not RequestState.PENDING

    await until(worker, registered)
    answer = await ok(await api.http.get(f"/api/v1/contact-registrations/{request['id']}"))
    assert answer["state"] == "registered", answer
    assert "nina@example.com" in world.registrants(launch)
    assert world.registrants(launch)["nina@example.com"]["status"] == "approved"
    timeline = (await ok(await api.http.get(f"/api/v1/contacts/{nina['id']}/timeline")))["items"]
    [by_workflow] = [e for e in timeline if e["details"].get("webinar") == "Launch"]
    assert by_workflow["details"]["how"] == "workflow action"
    nina_now = (await contacts(api))["nina@example.com"]
    assert nina_now["properties"]["total_registrations"] == 2
    assert nina_now["properties"]["last_registered_webinar_url"]
