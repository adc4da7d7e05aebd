"""Bookings (B1, B4, B5, L4): desired meeting state, refusals that change nothing, the emails
each change enqueues and the reminders it plans."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.bookings.helpers import (
    START,
    add_connection,
    at,
    booking_body,
    booking_row,
    create_employee,
    create_service,
    emails,
    iso,
    mark_sent,
    pending,
    post,
    reminders_of,
    set_booking_fields,
    snapshot,
)
from tests.bookings.test_services_api import fields_of
from tests.fixtures.api import ApiHarness
from zoombridge.events.models import LinkState, LinkWant
from zoombridge.notifications.models import EmailState, ReminderState

BASE = "/api/v1/bookings"
CUSTOMER = "grace@example.com"
ADA = "ada@example.com"
BOB = "bob@example.com"


class Setup:
    def __init__(self, connection: str, service: dict[str, Any], ada: dict[str, Any]) -> None:
        self.connection = connection
        self.service = service
        self.ada = ada


@pytest.fixture
async def zoom(api: ApiHarness) -> Setup:
    """A Zoom-enabled service and an employee mapped to a Zoom user."""
    connection = await add_connection(api.sessionmaker, hosts={"zu-ada": ADA, "zu-bob": BOB})
    service = await create_service(api.http, connection)
    ada = await create_employee(api.http, connection)
    return Setup(connection, service, ada)


async def book(api: ApiHarness, setup: Setup, **overrides: Any) -> dict[str, Any]:
    body = booking_body(setup.service["id"], setup.ada["id"], **overrides)
    return await post(api.http, BASE, body)


async def test_zoom_booking_is_desired_state_with_emails_and_reminders(
    api: ApiHarness, zoom: Setup
) -> None:
    booking = await book(api, zoom, notes="Bring the X-rays")
    assert booking["status"] == "confirmed"
    assert booking["customer_email"] == CUSTOMER
    assert booking["duration_minutes"] == 60  # the service's
    assert datetime.fromisoformat(booking["end_at"]) == START + timedelta(hours=1)
    assert booking["service_name"] == "Consultation"
    assert booking["employee_name"] == "Ada Lovelace"
    assert booking["version"] == 1
    meeting = booking["meeting"]
    assert (meeting["want"], meeting["state"], meeting["synced"]) == ("present", "pending", False)
    assert re.fullmatch(r"\d{8}", meeting["passcode"])
    assert meeting["zoom_meeting_id"] is None

    row = await booking_row(api.sessionmaker, booking["id"])
    assert (row.meeting_want, row.meeting_state) == (LinkWant.PRESENT, LinkState.PENDING)
    assert (row.desired_version, row.synced_version, row.not_before) == (1, 0, None)
    assert row.passcode == meeting["passcode"]

    sent = await emails(api.sessionmaker, booking["id"])
    assert pending(sent) == [
        ("booking_confirmed_customer", CUSTOMER),
        ("booking_confirmed_staff", ADA),
    ]
    assert {e.wait_for_version for e in sent} == {1}  # sent once the meeting exists

    planned = await reminders_of(api.sessionmaker, booking["id"])
    assert [(r.offset, r.due_at, r.state) for r in planned] == [
        ("1d", START - timedelta(days=1), ReminderState.PLANNED),
        ("1h", START - timedelta(hours=1), ReminderState.PLANNED),
    ]
    assert (await api.http.get(f"{BASE}/{booking['id']}")).json() == booking


async def test_passcode_off_per_service_and_per_connection(api: ApiHarness) -> None:
    on = await add_connection(api.sessionmaker, hosts={"zu-ada": ADA})
    off = await add_connection(
        api.sessionmaker, name="No passcodes", booking_passcodes=False, hosts={"zu-bob": BOB}
    )
    no_code = await create_service(api.http, on, name="Open", passcode_enabled=False)
    coded_service = await create_service(api.http, off, name="Other account")
    ada = await create_employee(api.http, on)
    bob = await create_employee(api.http, off, name="Bob", email=BOB)
    first = await post(api.http, BASE, booking_body(no_code["id"], ada["id"]))
    second = await post(api.http, BASE, booking_body(coded_service["id"], bob["id"]))
    assert first["meeting"]["passcode"] is None
    assert second["meeting"]["passcode"] is None
    assert first["meeting"]["want"] == second["meeting"]["want"] == "present"


async def test_service_without_zoom_has_no_meeting(api: ApiHarness) -> None:
    service = await create_service(api.http, None, name="In person")
    ada = await create_employee(api.http, None)  # no Zoom user needed
    booking = await post(api.http, BASE, booking_body(service["id"], ada["id"]))
    assert booking["meeting"] is None
    row = await booking_row(api.sessionmaker, booking["id"])
    assert (row.meeting_want, row.meeting_state, row.passcode) == (None, None, None)
    assert {e.wait_for_version for e in await emails(api.sessionmaker, booking["id"])} == {None}


async def test_employee_without_zoom_user_refused_on_zoom_service(
    api: ApiHarness, zoom: Setup
) -> None:
    carl = await create_employee(api.http, zoom.connection, name="Carl", email="carl@example.com")
    assert carl["zoom_status"] == "unmapped"
    before = await snapshot(api.sessionmaker)
    response = await api.http.post(BASE, json=booking_body(zoom.service["id"], carl["id"]))
    assert response.status_code == 422
    message = fields_of(response.json())["employee_id"]
    assert "Carl" in message
    assert "carl@example.com" in message
    assert "fetch hosts" in message
    assert await snapshot(api.sessionmaker) == before


async def test_unknown_and_inactive_references_refused(api: ApiHarness, zoom: Setup) -> None:
    before = await snapshot(api.sessionmaker)
    nobody = "00000000-0000-4000-8000-000000000000"
    unknown_service = await api.http.post(BASE, json=booking_body(nobody, zoom.ada["id"]))
    assert "service_id" in fields_of(unknown_service.json())
    unknown_employee = await api.http.post(BASE, json=booking_body(zoom.service["id"], nobody))
    assert "employee_id" in fields_of(unknown_employee.json())
    assert unknown_service.status_code == unknown_employee.status_code == 422
    await api.http.patch(f"/api/v1/services/{zoom.service['id']}", json={"active": False})
    inactive = await api.http.post(BASE, json=booking_body(zoom.service["id"], zoom.ada["id"]))
    assert inactive.status_code == 422
    assert "inactive" in fields_of(inactive.json())["service_id"]
    assert len((await snapshot(api.sessionmaker))["bookings"]) == len(before["bookings"]) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_at": "2031-03-03T10:00:00"}, "start_at"),  # naive
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"duration_minutes": 4}, "duration_minutes"),
        ({"duration_minutes": 1441}, "duration_minutes"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"reminder_offsets": ["5m"]}, "reminder_offsets"),
    ],
)
async def test_bad_fields_refused(
    api: ApiHarness, zoom: Setup, overrides: dict[str, Any], field: str
) -> None:
    response = await api.http.post(
        BASE, json=booking_body(zoom.service["id"], zoom.ada["id"], **overrides)
    )
    assert response.status_code == 422
    assert field in fields_of(response.json())
    assert (await snapshot(api.sessionmaker))["bookings"] == []


async def test_overlap_refused_back_to_back_allowed(api: ApiHarness, zoom: Setup) -> None:
    first = await book(api, zoom)
    before = await snapshot(api.sessionmaker)
    response = await api.http.post(
        BASE, json=booking_body(zoom.service["id"], zoom.ada["id"], start_at=at(30))
    )
    assert response.status_code == 409
    # The other booking's time, in its own time zone (10:00 UTC is 12:00 in Helsinki).
    assert "2031-03-03 12:00–13:00 (Europe/Helsinki)" in fields_of(response.json())["start_at"]
    assert await snapshot(api.sessionmaker) == before

    before_start = await book(api, zoom, start_at=at(-60), duration_minutes=60)
    after_end = await book(api, zoom, start_at=at(60))
    assert before_start["end_at"] == first["start_at"]
    assert after_end["start_at"] == first["end_at"]
    # Another employee is free at the same time; a cancelled booking frees its time.
    bob = await create_employee(api.http, zoom.connection, name="Bob", email=BOB)
    await post(api.http, BASE, booking_body(zoom.service["id"], bob["id"]))
    assert (await api.http.delete(f"{BASE}/{first['id']}")).status_code == 200
    await book(api, zoom, start_at=at(15), duration_minutes=30)


async def test_reschedule_during_a_create_in_flight_keeps_the_attempt(
    api: ApiHarness, zoom: Setup
) -> None:
    # The worker noted a create it has not heard back about: the next attempt must look for
    # that meeting before making one, so the reschedule keeps the attempt count.
    booking = await book(api, zoom)
    await set_booking_fields(api.sessionmaker, booking["id"], attempts=1)
    response = await api.http.patch(f"{BASE}/{booking['id']}", json={"start_at": at(24 * 60)})
    assert response.status_code == 200, response.text
    row = await booking_row(api.sessionmaker, booking["id"])
    assert (row.desired_version, row.attempts, row.zoom_meeting_id) == (2, 1, None)


async def test_reschedule_bumps_versions_and_announces(api: ApiHarness, zoom: Setup) -> None:
    booking = await book(api, zoom)
    await mark_sent(api.sessionmaker, booking["id"])
    await set_booking_fields(
        api.sessionmaker,
        booking["id"],
        synced_version=1,
        meeting_state=LinkState.SYNCED,
        zoom_meeting_id=81234567890,
        attempts=2,
        not_before=START,
    )
    response = await api.http.patch(
        f"{BASE}/{booking['id']}", json={"start_at": at(24 * 60), "duration_minutes": 30}
    )
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["version"] == 2
    assert datetime.fromisoformat(moved["end_at"]) == START + timedelta(days=1, minutes=30)
    assert (moved["meeting"]["state"], moved["meeting"]["synced"]) == ("pending", False)
    row = await booking_row(api.sessionmaker, booking["id"])
    assert (row.desired_version, row.attempts, row.not_before) == (2, 0, None)
    assert row.passcode == booking["meeting"]["passcode"]  # same meeting, same passcode

    rows = await emails(api.sessionmaker, booking["id"])
    assert pending(rows) == [
        ("booking_rescheduled_customer", CUSTOMER),
        ("booking_rescheduled_staff", ADA),
    ]
    assert {e.wait_for_version for e in rows if e.state is EmailState.PENDING} == {2}

    reminders = await reminders_of(api.sessionmaker, booking["id"])
    new_start = START + timedelta(days=1)
    assert sorted((r.start_at == new_start, r.offset, r.state) for r in reminders) == [
        (False, "1d", ReminderState.CANCELLED),
        (False, "1h", ReminderState.CANCELLED),
        (True, "1d", ReminderState.PLANNED),
        (True, "1h", ReminderState.PLANNED),
    ]


async def test_reschedule_before_confirmation_left_adds_no_email(
    api: ApiHarness, zoom: Setup
) -> None:
    booking = await book(api, zoom)
    response = await api.http.patch(f"{BASE}/{booking['id']}", json={"start_at": at(120)})
    assert response.status_code == 200, response.text
    rows = await emails(api.sessionmaker, booking["id"])
    assert pending(rows) == [
        ("booking_confirmed_customer", CUSTOMER),
        ("booking_confirmed_staff", ADA),
    ]
    # The confirmations now wait for Zoom to show the new time before they leave.
    assert {e.wait_for_version for e in rows} == {2}


async def test_reschedule_into_another_booking_refused(api: ApiHarness, zoom: Setup) -> None:
    await book(api, zoom)
    later = await book(api, zoom, start_at=at(120))
    before = await snapshot(api.sessionmaker)
    response = await api.http.patch(f"{BASE}/{later['id']}", json={"start_at": at(30)})
    assert response.status_code == 409
    assert "start_at" in fields_of(response.json())
    assert await snapshot(api.sessionmaker) == before
    # Moving within its own time (overlapping only itself) is fine.
    ok = await api.http.patch(f"{BASE}/{later['id']}", json={"start_at": at(90)})
    assert ok.status_code == 200, ok.text


async def test_reassign_moves_the_meeting_and_tells_everyone(api: ApiHarness, zoom: Setup) -> None:
    bob = await create_employee(api.http, zoom.connection, name="Bob Builder", email=BOB)
    booking = await book(api, zoom)
    await mark_sent(api.sessionmaker, booking["id"])
    response = await api.http.patch(f"{BASE}/{booking['id']}", json={"employee_id": bob["id"]})
    assert response.status_code == 200, response.text
    moved = response.json()
    assert (moved["employee_id"], moved["employee_name"], moved["version"]) == (
        bob["id"],
        "Bob Builder",
        2,
    )
    assert moved["meeting"]["state"] == "pending"
    assert (await booking_row(api.sessionmaker, booking["id"])).desired_version == 2

    rows = await emails(api.sessionmaker, booking["id"])
    assert pending(rows) == [
        ("booking_cancelled_staff", ADA),
        ("booking_confirmed_staff", BOB),
        ("booking_rescheduled_customer", CUSTOMER),
    ]
    by_key = {e.template_key: e for e in rows if e.state is EmailState.PENDING}
    assert by_key["booking_cancelled_staff"].context == {
        "employee_name": "Ada Lovelace",
        "employee_email": ADA,
    }
    assert by_key["booking_cancelled_staff"].wait_for_version is None
    assert by_key["booking_confirmed_staff"].wait_for_version == 2
    assert by_key["booking_rescheduled_customer"].wait_for_version == 2


async def test_reassign_drops_the_previous_employees_unsent_emails(
    api: ApiHarness, zoom: Setup
) -> None:
    bob = await create_employee(api.http, zoom.connection, name="Bob", email=BOB)
    booking = await book(api, zoom)
    await api.http.patch(f"{BASE}/{booking['id']}", json={"employee_id": bob["id"]})
    rows = await emails(api.sessionmaker, booking["id"])
    ada_confirmation = [e for e in rows if e.template_key == "booking_confirmed_staff"]
    assert [(e.to_address, e.state) for e in ada_confirmation] == [
        (ADA, EmailState.CANCELLED),
        (BOB, EmailState.PENDING),
    ]
    # The customer's confirmation had not left: it will show Bob, no second email.
    assert ("booking_rescheduled_customer", CUSTOMER) not in pending(rows)


async def test_reassign_to_employee_without_zoom_user_refused(api: ApiHarness, zoom: Setup) -> None:
    carl = await create_employee(api.http, zoom.connection, name="Carl", email="carl@example.com")
    booking = await book(api, zoom)
    before = await snapshot(api.sessionmaker)
    response = await api.http.patch(f"{BASE}/{booking['id']}", json={"employee_id": carl["id"]})
    assert response.status_code == 422
    assert "employee_id" in fields_of(response.json())
    assert await snapshot(api.sessionmaker) == before


async def test_cancel_deletes_the_meeting_and_tells_both(api: ApiHarness, zoom: Setup) -> None:
    booking = await book(api, zoom)
    await mark_sent(api.sessionmaker, booking["id"])
    await api.http.patch(f"{BASE}/{booking['id']}", json={"start_at": at(60)})  # unsent update
    response = await api.http.delete(f"{BASE}/{booking['id']}")
    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert (cancelled["meeting"]["want"], cancelled["meeting"]["state"]) == ("absent", "pending")
    assert (await booking_row(api.sessionmaker, booking["id"])).desired_version == 3

    rows = await emails(api.sessionmaker, booking["id"])
    assert pending(rows) == [
        ("booking_cancelled_customer", CUSTOMER),
        ("booking_cancelled_staff", ADA),
    ]
    assert {e.wait_for_version for e in rows if e.state is EmailState.PENDING} == {None}
    assert {e.template_key for e in rows if e.state is EmailState.CANCELLED} == {
        "booking_rescheduled_customer",
        "booking_rescheduled_staff",
    }
    assert {r.state for r in await reminders_of(api.sessionmaker, booking["id"])} == {
        ReminderState.CANCELLED
    }

    before = await snapshot(api.sessionmaker)
    again = await api.http.delete(f"{BASE}/{booking['id']}")
    change = await api.http.patch(f"{BASE}/{booking['id']}", json={"start_at": at(300)})
    assert again.status_code == change.status_code == 409
    assert await snapshot(api.sessionmaker) == before


async def test_customer_change_reaches_zoom_only_when_the_templates_use_it(
    api: ApiHarness, zoom: Setup
) -> None:
    # The default topic/description show the customer's name and the notes, not the phone.
    booking = await book(api, zoom)
    phone = await api.http.patch(f"{BASE}/{booking['id']}", json={"customer_phone": "+358 1"})
    assert phone.status_code == 200, phone.text
    assert (await booking_row(api.sessionmaker, booking["id"])).desired_version == 1
    renamed = await api.http.patch(
        f"{BASE}/{booking['id']}", json={"customer_last_name": "Murray Hopper"}
    )
    assert renamed.json()["customer_name"] == "Grace Murray Hopper"
    row = await booking_row(api.sessionmaker, booking["id"])
    assert (row.desired_version, row.version) == (2, 1)  # Zoom must see it; no new time
    assert len(await emails(api.sessionmaker, booking["id"])) == 2


async def test_no_reminders_for_times_already_past(api: ApiHarness, zoom: Setup) -> None:
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    booking = await book(api, zoom, start_at=soon.isoformat(), reminder_offsets=["1w", "1h"])
    planned = await reminders_of(api.sessionmaker, booking["id"])
    assert [(r.offset, r.state) for r in planned] == [("1h", ReminderState.PLANNED)]
    # Changing the chosen reminders replans them.
    await api.http.patch(f"{BASE}/{booking['id']}", json={"reminder_offsets": []})
    assert {r.state for r in await reminders_of(api.sessionmaker, booking["id"])} == {
        ReminderState.CANCELLED
    }


async def test_sync_now_makes_a_failed_meeting_due(api: ApiHarness, zoom: Setup) -> None:
    booking = await book(api, zoom)
    await set_booking_fields(
        api.sessionmaker,
        booking["id"],
        meeting_state=LinkState.FAILED,
        last_error="Zoom refused the host",
        attempts=5,
        not_before=START,
    )
    response = await api.http.post(f"{BASE}/{booking['id']}/sync")
    assert response.status_code == 202, response.text
    assert response.json()["meeting"]["state"] == "pending"
    row = await booking_row(api.sessionmaker, booking["id"])
    assert (row.attempts, row.not_before) == (0, None)


async def test_list_filters_soonest_first(api: ApiHarness, zoom: Setup) -> None:
    late = await book(api, zoom, start_at=at(240))
    early = await book(api, zoom)
    await api.http.delete(f"{BASE}/{late['id']}")
    listed = (await api.http.get(BASE)).json()
    assert [b["id"] for b in listed["items"]] == [early["id"], late["id"]]
    assert (listed["total"], listed["next_cursor"]) == (2, None)
    confirmed = (await api.http.get(BASE, params={"status": "confirmed"})).json()
    assert [b["id"] for b in confirmed["items"]] == [early["id"]]
    other = (await api.http.get(BASE, params={"service_id": late["id"]})).json()
    assert other == {"items": [], "next_cursor": None, "total": 0}


async def test_list_is_searched_paged_and_cut_by_day(api: ApiHarness, zoom: Setup) -> None:
    first = await book(api, zoom, customer_first_name="Rita", customer_email="rita@shop.example")
    second = await book(api, zoom, start_at=at(24 * 60))
    third = await book(api, zoom, start_at=at(48 * 60))

    async def ids(**params: Any) -> list[str]:
        answer = await api.http.get(BASE, params=params)
        assert answer.status_code == 200, answer.text
        return [b["id"] for b in answer.json()["items"]]

    assert await ids(q="RITA") == [first["id"]]
    assert await ids(q="rita@shop") == [first["id"]]
    assert await ids(q=zoom.service["name"][:5]) == [first["id"], second["id"], third["id"]]
    day = second["start_at"][:10]
    assert await ids(start_from=day, start_to=day) == [second["id"]]
    assert await ids(start_from=day) == [second["id"], third["id"]]

    page = (await api.http.get(BASE, params={"limit": 2})).json()
    assert [b["id"] for b in page["items"]] == [first["id"], second["id"]]
    assert page["total"] == 3
    rest = (await api.http.get(BASE, params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert [b["id"] for b in rest["items"]] == [third["id"]]
    assert rest["next_cursor"] is None
    stale = await api.http.get(BASE, params={"cursor": page["next_cursor"], "q": "x"})
    assert stale.status_code == 422
    assert [e["field"] for e in stale.json()["errors"]] == ["cursor"]


async def test_idempotency_key_answers_a_retry_once(api: ApiHarness, zoom: Setup) -> None:
    body = booking_body(zoom.service["id"], zoom.ada["id"])
    headers = {"Idempotency-Key": "booking-42"}
    first = await api.http.post(BASE, json=body, headers=headers)
    retry = await api.http.post(BASE, json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json() == first.json()
    assert len((await snapshot(api.sessionmaker))["bookings"]) == 1
    reused = await api.http.post(BASE, json={**body, "start_at": at(120)}, headers=headers)
    assert reused.status_code == 422


async def test_openapi_lists_the_routes(api: ApiHarness) -> None:
    paths = (await api.anonymous.get("/openapi.json")).json()["paths"]
    expected = {
        "/api/v1/services": {"get", "post"},
        "/api/v1/services/{service_id}": {"get", "patch"},
        "/api/v1/employees": {"get", "post"},
        "/api/v1/employees/zoom-users": {"get"},
        "/api/v1/employees/{employee_id}": {"get", "patch"},
        "/api/v1/bookings": {"get", "post"},
        "/api/v1/bookings/{booking_id}": {"get", "patch", "delete"},
        "/api/v1/bookings/{booking_id}/sync": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) >= methods, path
        assert all(paths[path][m].get("summary") for m in methods)
    unauthenticated = await api.anonymous.get(BASE)
    assert unauthenticated.status_code == 401


async def test_a_booking_in_the_past_is_refused_unless_recorded_on_purpose(
    api: ApiHarness, zoom: Setup
) -> None:
    past = iso(datetime(2020, 3, 3, 10, 0, tzinfo=UTC))
    before = await snapshot(api.sessionmaker)
    response = await api.http.post(
        BASE, json=booking_body(zoom.service["id"], zoom.ada["id"], start_at=past)
    )
    assert response.status_code == 422
    assert "has already passed" in fields_of(response.json())["start_at"]
    assert await snapshot(api.sessionmaker) == before

    recorded = await post(
        api.http,
        BASE,
        booking_body(zoom.service["id"], zoom.ada["id"], start_at=past, allow_past=True),
    )
    assert recorded["start_at"].startswith("2020-03-03")
    assert await emails(api.sessionmaker, recorded["id"]) == []
