"""Contacts through the REST API on both databases: made by hand (bad input refused with field
errors, nothing stored), secondary emails, merge, delete/restore, orders' attendees and
bookings' customers becoming contacts with their timeline, and segments (conditions, counts,
saved, CSV)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from tests.bookings.helpers import booking_body, create_employee, create_service
from tests.connections.factories import make_connection
from tests.contacts.helpers import contacts, ok
from tests.fixtures.api import ApiHarness
from tests.orders.factories import create_event
from zoombridge.connections.models import ZoomConnection
from zoombridge.contacts.models import (
    Contact,
    ContactAttendance,
    ContactRecording,
    ContactRegistration,
    ContactWebinar,
    RecordingStatus,
    RegistrationHow,
    RegistrationStatus,
)
from zoombridge.contacts.service import properties


async def _count(api: ApiHarness) -> int:
    async with api.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Contact)) or 0)


async def test_bad_contacts_are_refused_field_by_field_and_nothing_is_stored(
    api: ApiHarness,
) -> None:
    await ok(await api.http.patch("/api/v1/crm/settings", json={"excluded_domains": ["ourco.com"]}))
    cases = {
        "not-an-email": "email",
        "ann@-bad.com": "email",
        "eve@ourco.com": "email",
        "eve@sales.ourco.com": "email",
    }
    for email, field in cases.items():
        answer = await api.http.post("/api/v1/contacts", json={"email": email})
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == [field]
    answer = await api.http.post(
        "/api/v1/contacts", json={"email": "ok@example.com", "first_name": "Eve\nBcc: x"}
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "first_name"
    assert await _count(api) == 0
    refused = await api.http.patch("/api/v1/crm/settings", json={"excluded_domains": ["no dots"]})
    assert refused.status_code == 422
    settings = await ok(await api.http.get("/api/v1/crm/settings"))
    assert settings["excluded_domains"] == ["ourco.com"]


async def test_emails_are_keyed_trimmed_and_lower_cased_and_unique(api: ApiHarness) -> None:
    ada = await ok(
        await api.http.post("/api/v1/contacts", json={"email": "  Ada@Example.COM "}), 201
    )
    assert ada["email"] == "ada@example.com"
    again = await api.http.post("/api/v1/contacts", json={"email": "ADA@example.com"})
    assert again.status_code == 409
    await ok(await api.http.post(f"/api/v1/contacts/{ada['id']}/emails", json={"email": "a@x.org"}))
    taken = await api.http.post("/api/v1/contacts", json={"email": "A@X.org"})
    assert taken.status_code == 409
    assert "ada@example.com" in taken.json()["detail"]


async def test_merge_makes_the_others_email_secondary_and_moves_its_history(
    api: ApiHarness,
) -> None:
    ada = await ok(await api.http.post("/api/v1/contacts", json={"email": "ada@example.com"}), 201)
    old = await ok(
        await api.http.post(
            "/api/v1/contacts",
            json={"email": "ada.old@example.com", "first_name": "Ada", "fields": {"team": "R&D"}},
        ),
        201,
    )
    await ok(
        await api.http.post(
            f"/api/v1/contacts/{old['id']}/emails", json={"email": "ada.older@example.com"}
        )
    )
    async with api.sessionmaker() as session:
        connection = make_connection(name="Merge account")
        session.add(connection)
        await session.flush()
        webinar = ContactWebinar(
            connection_id=connection.id,
            zoom_webinar_id=81234567890,
            topic="Old talk",
            ended=True,
            registration_url="https://r/1",
        )
        session.add(webinar)
        await session.flush()
        session.add(
            ContactRegistration(
                webinar_id=webinar.id,
                contact_id=uuid.UUID(old["id"]),
                email="ada.old@example.com",
                status=RegistrationStatus.REGISTERED,
                how=RegistrationHow.ZOOM_FORM,
                registered_at=datetime(2030, 1, 1, tzinfo=UTC),
            )
        )
        session.add(
            ContactAttendance(
                webinar_id=webinar.id,
                instance_uuid="i1",
                person_key="ada.old@example.com",
                contact_id=uuid.UUID(old["id"]),
                email="ada.old@example.com",
                attended_seconds=1800,
                percent=50.0,
                joins=1,
            )
        )
        await properties.recompute(session, [uuid.UUID(old["id"])])
        await session.commit()

    merged = await ok(
        await api.http.post(f"/api/v1/contacts/{ada['id']}/merge", json={"other_id": old["id"]})
    )
    assert merged["secondary_emails"] == ["ada.old@example.com", "ada.older@example.com"]
    assert merged["first_name"] == "Ada"
    assert merged["fields"] == {"team": "R&D"}
    assert merged["properties"]["total_registrations"] == 1
    assert merged["properties"]["avg_attendance_percent"] == 50.0
    assert merged["properties"]["last_registered_webinar_url"] == "https://r/1"
    assert (await api.http.get(f"/api/v1/contacts/{old['id']}")).status_code == 404
    self_merge = await api.http.post(
        f"/api/v1/contacts/{ada['id']}/merge", json={"other_id": ada["id"]}
    )
    assert self_merge.status_code == 422
    timeline = (await ok(await api.http.get(f"/api/v1/contacts/{ada['id']}/timeline")))["items"]
    assert {e["kind"] for e in timeline} == {"attended", "registered"}


async def test_delete_is_a_tombstone_and_restore_undoes_it(api: ApiHarness) -> None:
    dan = await ok(await api.http.post("/api/v1/contacts", json={"email": "dan@example.com"}), 201)
    deleted = await ok(await api.http.delete(f"/api/v1/contacts/{dan['id']}"))
    assert deleted["deleted"] is True
    assert "dan@example.com" not in await contacts(api)
    assert "dan@example.com" in await contacts(api, deleted=True)
    again = await api.http.post("/api/v1/contacts", json={"email": "dan@example.com"})
    assert again.status_code == 409
    assert "restore" in again.json()["detail"]
    await ok(await api.http.post(f"/api/v1/contacts/{dan['id']}/restore"))
    assert "dan@example.com" in await contacts(api)


async def test_order_attendees_and_booking_customers_become_contacts(api: ApiHarness) -> None:
    await ok(await api.http.patch("/api/v1/crm/settings", json={"excluded_domains": ["ourco.com"]}))
    event = await create_event(api.sessionmaker, topic="Spring gala")
    attendees = [
        {"email": "Ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
        {"email": "eve@ourco.com", "first_name": "Eve", "last_name": "Inside"},
    ]
    await ok(
        await api.http.post(
            f"/api/v1/events/{event.event_id}/orders",
            json={"attendees": attendees, "status": "completed", "reference": "A-1"},
        ),
        201,
    )
    service = await create_service(api.http, None)
    employee = await create_employee(api.http, None, name="Staff", email="staff@example.org")
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    await ok(
        await api.http.post(
            "/api/v1/bookings",
            json=booking_body(
                service["id"],
                employee["id"],
                customer_email="ada@example.com",
                start_at=start.isoformat(),
            ),
        ),
        201,
    )
    people = await contacts(api)
    assert set(people) == {"ada@example.com"}  # eve's domain is excluded
    ada = people["ada@example.com"]
    assert set(ada["sources"]) == {"order_attendee", "booking_customer"}
    timeline = (await ok(await api.http.get(f"/api/v1/contacts/{ada['id']}/timeline")))["items"]
    kinds = {e["kind"]: e for e in timeline}
    assert kinds["order"]["details"]["event"] == "Spring gala"
    assert kinds["order"]["details"]["reference"] == "A-1"
    assert kinds["booking"]["details"]["service"] == "Consultation"


async def _webinar_world(api: ApiHarness) -> dict[str, Any]:
    """Three contacts with registrations, attendance and a recording, written as a sync would."""
    now = datetime.now(UTC)
    async with api.sessionmaker() as session:
        connection: ZoomConnection = make_connection(name="Segments account")
        session.add(connection)
        await session.flush()
        launch = ContactWebinar(
            connection_id=connection.id,
            zoom_webinar_id=81000000001,
            topic="Product launch",
            ended=True,
        )
        clinic = ContactWebinar(
            connection_id=connection.id, zoom_webinar_id=81000000002, topic="Tax clinic", ended=True
        )
        session.add_all([launch, clinic])
        await session.flush()
        people = {}
        for email, reg, att in [
            ("ada@example.com", [launch, clinic], [(launch, 3000), (clinic, 600)]),
            ("bob@example.com", [launch], [(launch, 900)]),
            ("cy@example.com", [clinic], []),
        ]:
            contact = Contact(email=email, first_name=email[:3].title())
            session.add(contact)
            await session.flush()
            people[email] = contact.id
            for w in reg:
                session.add(
                    ContactRegistration(
                        webinar_id=w.id,
                        contact_id=contact.id,
                        email=email,
                        status=RegistrationStatus.REGISTERED,
                        how=RegistrationHow.ZOOM_FORM,
                        registered_at=now,
                    )
                )
            for w, seconds in att:
                session.add(
                    ContactAttendance(
                        webinar_id=w.id,
                        instance_uuid="u",
                        person_key=email,
                        contact_id=contact.id,
                        email=email,
                        attended_seconds=seconds,
                        percent=round(seconds / 36, 1),
                        joins=1,
                        first_join=now,
                    )
                )
        session.add(
            ContactRecording(
                webinar_id=clinic.id,
                instance_uuid="u",
                status=RecordingStatus.AVAILABLE,
                topic="Tax clinic",
                start_at=now,
                url="https://zoom.us/rec/play/abc",
            )
        )
        await session.flush()
        await properties.recompute(session, list(people.values()))
        await session.commit()
    return people


async def _search(api: ApiHarness, **body: Any) -> list[str]:
    page = await ok(await api.http.post("/api/v1/contacts/search", json=body))
    assert page["total"] == len(page["items"])
    return sorted(c["email"] for c in page["items"])


async def test_segment_conditions_combine_with_all_and_any(api: ApiHarness) -> None:
    await _webinar_world(api)
    launch_attendees = {"kind": "attended", "webinar_id": 81000000001}
    assert await _search(api, conditions=[launch_attendees]) == [
        "ada@example.com",
        "bob@example.com",
    ]
    half = {"kind": "attended", "webinar_name": "LAUNCH", "min_percent": 50}
    assert await _search(api, conditions=[half]) == ["ada@example.com"]
    long = {"kind": "attended", "min_minutes": 20}
    assert await _search(api, conditions=[long]) == ["ada@example.com"]
    clinic = {"kind": "registered", "webinar_name": "clinic"}
    assert await _search(api, conditions=[clinic]) == ["ada@example.com", "cy@example.com"]
    recording = {"kind": "recording_available", "topic": "tax", "url": "rec/play"}
    assert await _search(api, conditions=[recording]) == ["ada@example.com", "cy@example.com"]
    no_show = {"kind": "property", "property": "no_show_count", "op": "gte", "value": 1}
    assert await _search(api, conditions=[no_show]) == ["cy@example.com"]
    assert await _search(api, match="all", conditions=[clinic, launch_attendees]) == [
        "ada@example.com"
    ]
    assert await _search(api, match="any", conditions=[no_show, half]) == [
        "ada@example.com",
        "cy@example.com",
    ]
    assert await _search(api, q="BOB") == ["bob@example.com"]
    bad = await api.http.post(
        "/api/v1/contacts/search",
        json={
            "conditions": [
                {
                    "kind": "property",
                    "property": "total_registrations",
                    "op": "contains",
                    "value": "x",
                }
            ]
        },
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "conditions[0].op"


async def test_saved_segments_count_and_export_csv(api: ApiHarness) -> None:
    await _webinar_world(api)
    body = {
        "name": "Engaged",
        "match": "all",
        "conditions": [
            {"kind": "property", "property": "avg_attendance_percent", "op": "gte", "value": 25},
        ],
    }
    segment = await ok(await api.http.post("/api/v1/segments", json=body), 201)
    assert segment["count"] == 2
    assert (await api.http.post("/api/v1/segments", json=body)).status_code == 422
    members = (await ok(await api.http.get(f"/api/v1/segments/{segment['id']}/contacts")))["items"]
    assert [c["email"] for c in members] == ["ada@example.com", "bob@example.com"]
    answer = await api.http.get(f"/api/v1/segments/{segment['id']}/contacts.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["email"] for r in rows] == ["ada@example.com", "bob@example.com"]
    assert rows[0]["total_registrations"] == "2"
    listed = (await ok(await api.http.get("/api/v1/segments")))["items"]
    assert [(s["name"], s["count"]) for s in listed] == [("Engaged", 2)]
    await ok(await api.http.delete(f"/api/v1/segments/{segment['id']}"), 204)
    assert (await ok(await api.http.get("/api/v1/segments")))["items"] == []


async def test_a_search_with_a_control_character_is_a_field_error(api: ApiHarness) -> None:
    answer = await api.http.post("/api/v1/contacts/search", json={"q": "ada\nbob"})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["q"]
    answer = await api.http.get("/api/v1/contacts", params={"q": "ada\x7f"})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["q"]
