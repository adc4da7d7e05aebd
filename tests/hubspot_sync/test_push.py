"""A synced webinar pushed to the HubSpot simulator through the worker: the marketing event,
contacts with the Zoom properties, participations; nothing sent twice; deleted contacts kept
deleted; the audit."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tests.fixtures.api import ApiHarness
from tests.fixtures.hubspot_simulator import HubSpotAdmin
from tests.hubspot_sync.conftest import WorkerFactory
from tests.hubspot_sync.helpers import CrmWorld, settle, until
from zoombridge.contacts.models import Contact
from zoombridge.engine import audit
from zoombridge.engine.models import AuditEntry
from zoombridge.hubspot_sync import service
from zoombridge.hubspot_sync.models import HubSpotConnection, HubSpotContact, HubSpotWebinarPush
from zoombridge.hubspot_sync.properties import NAMES


def by_email(contacts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["email"]: c for c in contacts}


def participations(admin: HubSpotAdmin, hub: int) -> Counter[tuple[str, str]]:
    [event] = admin.events(hub)
    return Counter((p["email"], p["state"]) for p in event["participations"])


async def test_a_webinar_arrives_as_contacts_properties_and_a_marketing_event(
    crm: CrmWorld, hubspot_worker: WorkerFactory, hubspot_admin: HubSpotAdmin
) -> None:
    hub = crm.sim.config.hub_id
    connection = await crm.connect_hubspot()
    webinar = await crm.webinar()
    await crm.people(
        webinar,
        ["ada@example.com", "bo@example.com", "cy@example.com"],
        attended={"ada@example.com": 45, "dee@example.com": 60},
        cancelled=["cy@example.com"],
        guests=2,
    )
    worker = hubspot_worker()
    await settle(worker)

    row = await crm.get(HubSpotConnection, connection.id)
    assert row.last_test_ok is True, row.last_test_error
    assert row.setup_done_at is not None, row.setup_error
    names = {
        p["name"] for p in hubspot_admin.call("GET", f"/accounts/{hub}/properties")["properties"]
    }
    assert set(NAMES) <= names

    contacts = by_email(hubspot_admin.contacts(hub))
    assert set(contacts) == {
        "ada@example.com",
        "bo@example.com",
        "cy@example.com",
        "dee@example.com",
    }
    ada = contacts["ada@example.com"]["properties"]
    assert ada["firstname"] == "Ada"
    assert ada["zoom_total_registrations"] == "1"
    assert ada["zoom_total_webinars_attended"] == "1"
    assert ada["zoom_average_webinar_attendance"] == "75"
    assert ada["zoom_last_registered_webinar_url"].endswith("/register/81234567890")
    assert contacts["bo@example.com"]["properties"]["zoom_average_webinar_attendance"] == "0"

    [event] = hubspot_admin.events(hub)
    assert event["external_event_id"] == str(webinar.id)
    assert event["external_account_id"] == "zoombridge"
    assert event["fields"]["eventName"] == "Launch webinar"
    assert event["fields"]["eventCompleted"] in (True, "true")
    assert participations(hubspot_admin, hub) == Counter(
        {
            ("ada@example.com", "REGISTERED"): 1,
            ("bo@example.com", "REGISTERED"): 1,
            ("cy@example.com", "REGISTERED"): 1,
            ("cy@example.com", "CANCELLED"): 1,
            ("ada@example.com", "ATTENDED"): 1,
            ("dee@example.com", "ATTENDED"): 1,
        }
    )
    attended = {p["email"]: p for p in event["participations"] if p["state"] == "ATTENDED"}
    assert attended["ada@example.com"]["joined_at"].startswith("2030-05-06T14:02")
    assert attended["ada@example.com"]["left_at"].startswith("2030-05-06T14:47")

    push = (await crm.all(select(HubSpotWebinarPush)))[0]
    assert push.push_due is False
    assert push.last_error is None
    assert push.counts["participations_register_sent"] == 3
    # The guests without email are not contacts: nothing of them went to HubSpot.
    assert len(contacts) == 4

    entries = await crm.all(select(AuditEntry).where(audit.about("webinar", webinar.id)))
    operations = Counter(e.operation for e in entries)
    assert operations["hubspot:events.create"] == 1
    assert operations["hubspot:contacts.batch_upsert"] == 1
    assert operations["hubspot:participations.record_by_email"] == 3
    assert operations["hubspot:events.complete"] == 1
    assert all(e.outcome.value == "ok" for e in entries), [
        (e.operation, e.message) for e in entries
    ]


async def test_sync_now_sends_only_what_changed(
    crm: CrmWorld, hubspot_worker: WorkerFactory, hubspot_admin: HubSpotAdmin
) -> None:
    hub = crm.sim.config.hub_id
    connection = await crm.connect_hubspot()
    webinar = await crm.webinar()
    await crm.people(
        webinar, ["ada@example.com", "bo@example.com"], attended={"ada@example.com": 30}
    )
    worker = hubspot_worker()
    await settle(worker)
    before = hubspot_admin.stats()["operations"]

    # Sync now with nothing changed: reads nothing, writes nothing.
    async with crm.maker() as session:
        await service.request_push(session, connection.id, webinar.id)
        await session.commit()
    await settle(worker)
    assert hubspot_admin.stats()["operations"] == before

    # A second webinar for Bo: only Bo's properties and the new participations go out.
    second = await crm.webinar("Follow-up", zoom_id=89999999999)
    await crm.people(second, ["bo@example.com"], attended={"bo@example.com": 60})
    await settle(worker)
    contacts = by_email(hubspot_admin.contacts(hub))
    assert contacts["bo@example.com"]["properties"]["zoom_total_registrations"] == "2"
    assert contacts["bo@example.com"]["properties"]["zoom_total_webinars_attended"] == "1"
    events = hubspot_admin.events(hub)
    assert len(events) == 2
    for event in events:
        assert all(p["repeats"] == 0 for p in event["participations"])
    rows = await crm.all(select(HubSpotContact))
    assert {r.email for r in rows} == {"ada@example.com", "bo@example.com"}


async def test_a_contact_deleted_in_hubspot_is_not_created_again(
    crm: CrmWorld, hubspot_worker: WorkerFactory, hubspot_admin: HubSpotAdmin
) -> None:
    hub = crm.sim.config.hub_id
    connection = await crm.connect_hubspot()
    webinar = await crm.webinar()
    await crm.people(webinar, ["ada@example.com", "bo@example.com"])
    worker = hubspot_worker()
    await settle(worker)
    bo = hubspot_admin.contact(hub, "bo@example.com")
    hubspot_admin.archive(hub, bo["id"])

    # Bo attends another webinar: his properties change, but HubSpot deleted him.
    second = await crm.webinar("Follow-up", zoom_id=89999999999)
    await crm.people(second, ["bo@example.com", "cy@example.com"], attended={"bo@example.com": 20})
    await settle(worker)

    live = by_email(hubspot_admin.contacts(hub))
    assert "bo@example.com" not in live
    assert "cy@example.com" in live
    everyone = hubspot_admin.contacts(hub, include_archived=True)
    assert [c["email"] for c in everyone].count("bo@example.com") == 1
    [tombstone] = [
        r for r in await crm.all(select(HubSpotContact)) if r.deleted_in_hubspot_at is not None
    ]
    assert tombstone.email == "bo@example.com"
    second_event = [
        e for e in hubspot_admin.events(hub) if e["external_event_id"] == str(second.id)
    ]
    assert {p["email"] for p in second_event[0]["participations"]} == {"cy@example.com"}

    async with crm.maker() as session:
        listed = await service.tombstones(session, connection.id)
    assert [t.email for t in listed] == ["bo@example.com"]


async def test_missing_scopes_are_named_with_their_feature_and_nothing_is_pushed(
    crm: CrmWorld, hubspot_worker: WorkerFactory, hubspot_admin: HubSpotAdmin
) -> None:
    hub = crm.sim.config.hub_id
    token = hubspot_admin.add_token(
        hub, ["crm.objects.contacts.read", "crm.objects.contacts.write"]
    )
    connection = await crm.connect_hubspot(access_token=token)
    webinar = await crm.webinar()
    await crm.people(webinar, ["ada@example.com"])
    worker = hubspot_worker()

    async def tested() -> bool:
        row = await crm.get(HubSpotConnection, connection.id)
        return row.last_tested_at is not None

    await until(worker, tested)
    await settle(worker)
    row = await crm.get(HubSpotConnection, connection.id)
    assert row.last_test_ok is False
    assert set(row.missing_scopes) == {
        "Zoom properties on contacts (and their property group)",
        "Webinars as marketing events with registrations, attendance and cancellations",
    }
    assert (
        "crm.schemas.contacts.write"
        in row.missing_scopes["Zoom properties on contacts (and their property group)"]
    )
    assert "crm.schemas.contacts.write" in (row.last_test_error or "")
    assert row.setup_done_at is None
    assert row.setup_error
    assert hubspot_admin.contacts(hub) == []
    assert hubspot_admin.events(hub) == []


async def test_a_wrong_token_fails_the_test_plainly(
    crm: CrmWorld, hubspot_worker: WorkerFactory
) -> None:
    connection = await crm.connect_hubspot(access_token="pat-na1-not-a-real-token")
    worker = hubspot_worker()
    await settle(worker)
    row = await crm.get(HubSpotConnection, connection.id)
    assert row.last_test_ok is False
    assert "access token" in (row.last_test_error or "")
    assert "pat-na1-not-a-real-token" not in (row.last_test_error or "")


async def test_a_revoked_token_stops_the_push_until_fixed_and_synced_again(
    crm: CrmWorld, hubspot_worker: WorkerFactory, hubspot_admin: HubSpotAdmin, api: ApiHarness
) -> None:
    hub = crm.sim.config.hub_id
    token = hubspot_admin.add_token(hub)
    connection = await crm.connect_hubspot(access_token=token)
    worker = hubspot_worker()
    await settle(worker)
    hubspot_admin.revoke(hub, token)
    webinar = await crm.webinar()
    await crm.people(webinar, ["ada@example.com"])
    await settle(worker)
    [push] = await crm.all(select(HubSpotWebinarPush))
    assert push.push_due is False
    assert "access token" in (push.last_error or "")
    assert hubspot_admin.contacts(hub) == []
    pushed = await api.http.get(f"/api/v1/hubspot/connections/{connection.id}/webinars")
    assert pushed.json()["items"][0]["last_error"] == push.last_error

    # A new token, then "sync now": the push goes through.
    fixed = await api.http.patch(
        f"/api/v1/hubspot/connections/{connection.id}",
        json={"access_token": hubspot_admin.add_token(hub)},
    )
    assert fixed.status_code == 200, fixed.text
    again = await api.http.post(
        f"/api/v1/hubspot/connections/{connection.id}/webinars/{webinar.id}/sync"
    )
    assert again.status_code == 202, again.text
    await settle(worker)
    assert [c["email"] for c in hubspot_admin.contacts(hub)] == ["ada@example.com"]
    [push] = await crm.all(select(HubSpotWebinarPush))
    assert push.last_error is None
    failed = await crm.all(
        select(AuditEntry).where(
            audit.about("hubspot_connection", connection.id), AuditEntry.outcome == "failed"
        )
    )
    assert failed  # the refused call is in the audit


async def test_excluded_and_deleted_contacts_are_not_sent(
    crm: CrmWorld, hubspot_worker: WorkerFactory, hubspot_admin: HubSpotAdmin, api: ApiHarness
) -> None:
    hub = crm.sim.config.hub_id
    await crm.connect_hubspot()
    webinar = await crm.webinar()
    ids = await crm.people(
        webinar, ["ada@example.com", "staff@internal.example", "gone@example.com"]
    )
    settings = await api.http.patch(
        "/api/v1/crm/settings", json={"excluded_domains": ["internal.example"]}
    )
    assert settings.status_code == 200, settings.text
    async with crm.maker() as session:
        gone = await session.get(Contact, ids["gone@example.com"])
        assert gone is not None
        gone.deleted_at = datetime.now(UTC)
        await session.commit()
    await settle(hubspot_worker())
    assert [c["email"] for c in hubspot_admin.contacts(hub)] == ["ada@example.com"]
    [event] = hubspot_admin.events(hub)
    assert {p["email"] for p in event["participations"]} == {"ada@example.com"}
    [push] = await crm.all(select(HubSpotWebinarPush))
    assert push.counts["contacts_excluded"] == 1
    assert push.counts["contacts_deleted_in_zoombridge"] == 1


async def test_a_webinar_that_cannot_be_pushed_fails_alone_beside_a_good_one(
    crm: CrmWorld, hubspot_worker: WorkerFactory, hubspot_admin: HubSpotAdmin
) -> None:
    hub = crm.sim.config.hub_id
    await crm.connect_hubspot()
    good = await crm.webinar("Good webinar", zoom_id=81234567801)
    bad = await crm.webinar("Poison webinar", zoom_id=81234567802)
    await crm.people(good, ["ada@example.com"], attended={"ada@example.com": 30})
    await crm.people(bad, ["bo@example.com"], attended={"bo@example.com": 30})
    # A stored value no push can use: its end lies past the last date there is.
    async with crm.maker() as session:
        row = await session.get(type(bad), bad.id)
        assert row is not None
        row.start_at = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
        await session.commit()
    await settle(hubspot_worker())

    pushes = {p.webinar_id: p for p in await crm.all(select(HubSpotWebinarPush))}
    assert pushes[good.id].last_error is None
    assert pushes[bad.id].last_error  # the reason, on the item itself
    assert pushes[bad.id].lease_owner is None  # its claim released
    assert "ada@example.com" in by_email(hubspot_admin.contacts(hub))
    names = {e["fields"].get("eventName") for e in hubspot_admin.events(hub)}
    assert "Good webinar" in names
