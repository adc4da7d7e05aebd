"""Orders through the API: statuses (O1), registration by email (O2), cancellation (O3),
capacity (O4), validation and the registration-off warning (O9)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.fixtures.api import ApiHarness
from tests.orders.factories import EventIds, confirm_registrations, create_event
from tests.orders.helpers import people, registrations, row_counts, wants
from zoombridge.connections.models import ZoomKind
from zoombridge.events.models import DayMode

REGISTER = ("registered", "pending")
CANCEL = ("cancelled", "pending")


async def order(api: ApiHarness, event: EventIds, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.post(f"/api/v1/events/{event.event_id}/orders", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def set_status(api: ApiHarness, order_id: str, status: str) -> dict[str, Any]:
    response = await api.http.patch(f"/api/v1/orders/{order_id}", json={"status": status})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
async def event(api: ApiHarness) -> EventIds:
    return await create_event(api.sessionmaker, links=2)


async def test_only_completed_registers_every_attendee_on_every_meeting(
    api: ApiHarness, event: EventIds
) -> None:
    created = await order(api, event, {"attendees": people("ada", "bob"), "reference": "1001"})
    assert created["status"] == "pending"
    assert await registrations(api.sessionmaker) == {}

    for status in ("processing", "on-hold"):
        await set_status(api, created["id"], status)
        assert await registrations(api.sessionmaker) == {}

    completed = await set_status(api, created["id"], "completed")
    rows = await registrations(api.sessionmaker)
    assert set(rows) == {
        (link, email) for link in event.link_ids for email in ("ada@example.com", "bob@example.com")
    }
    assert wants(rows) == {"ada@example.com": {REGISTER}, "bob@example.com": {REGISTER}}
    ada = next(a for a in completed["attendees"] if a["email"] == "ada@example.com")
    assert ada["first_name"] == "Ada"
    assert {r["link_id"] for r in ada["registrations"]} == {str(i) for i in event.link_ids}
    assert {(r["want"], r["state"], r["join_url"]) for r in ada["registrations"]} == {
        ("registered", "pending", None)
    }


@pytest.mark.parametrize("status", ["cancelled", "refunded"])
async def test_cancelled_or_refunded_order_cancels_its_registrations(
    api: ApiHarness, event: EventIds, status: str
) -> None:
    created = await order(api, event, {"attendees": people("ada"), "status": "completed"})
    await confirm_registrations(api.sessionmaker)

    answer = await set_status(api, created["id"], status)

    assert answer["status"] == status
    rows = await registrations(api.sessionmaker)
    assert wants(rows) == {"ada@example.com": {CANCEL}}
    assert all(r.attempts == 0 and r.last_error is None for r in rows.values())


async def test_a_cancelled_registrant_is_registered_again_by_a_later_order(
    api: ApiHarness, event: EventIds
) -> None:
    first = await order(api, event, {"attendees": people("ada"), "status": "completed"})
    await set_status(api, first["id"], "cancelled")
    await confirm_registrations(api.sessionmaker)
    before = await registrations(api.sessionmaker)
    assert wants(before) == {"ada@example.com": {("cancelled", "cancelled")}}

    await order(api, event, {"attendees": people("ada"), "status": "completed"})

    after = await registrations(api.sessionmaker)
    assert wants(after) == {"ada@example.com": {REGISTER}}
    assert {r.id for r in after.values()} == {r.id for r in before.values()}  # same rows


async def test_email_is_the_key_one_registration_until_both_orders_are_gone(
    api: ApiHarness, event: EventIds
) -> None:
    first = await order(api, event, {"attendees": people("ada"), "status": "completed"})
    await confirm_registrations(api.sessionmaker)
    confirmed = await registrations(api.sessionmaker)

    second = await order(
        api,
        event,
        {"attendees": [{"email": "ADA@Example.com", "first_name": "Ada", "last_name": "T"}]},
    )
    await set_status(api, second["id"], "completed")
    # Already registered and still wanted: untouched (no new Zoom request).
    unchanged = await registrations(api.sessionmaker)
    assert len(unchanged) == len(event.link_ids)
    for key, row in unchanged.items():
        assert (row.state.value, row.updated_at) == ("registered", confirmed[key].updated_at)

    await set_status(api, first["id"], "refunded")
    assert wants(await registrations(api.sessionmaker)) == {
        "ada@example.com": {("registered", "registered")}
    }
    await set_status(api, second["id"], "cancelled")
    assert wants(await registrations(api.sessionmaker)) == {"ada@example.com": {CANCEL}}


async def test_one_attendee_is_cancelled_alone(api: ApiHarness, event: EventIds) -> None:
    created = await order(
        api, event, {"attendees": people("ada", "bob", "cy"), "status": "completed"}
    )
    await confirm_registrations(api.sessionmaker)
    bob = next(a for a in created["attendees"] if a["email"] == "bob@example.com")

    response = await api.http.post(f"/api/v1/orders/{created['id']}/attendees/{bob['id']}/cancel")

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "completed"
    cancelled = {a["email"]: a["cancelled_at"] is not None for a in answer["attendees"]}
    assert cancelled == {"ada@example.com": False, "bob@example.com": True, "cy@example.com": False}
    assert wants(await registrations(api.sessionmaker)) == {
        "ada@example.com": {("registered", "registered")},
        "bob@example.com": {CANCEL},
        "cy@example.com": {("registered", "registered")},
    }
    # Cancelling again changes nothing; an attendee of another order is not found.
    again = await api.http.post(f"/api/v1/orders/{created['id']}/attendees/{bob['id']}/cancel")
    assert again.status_code == 200
    other = await api.http.post(f"/api/v1/orders/{uuid.uuid4()}/attendees/{bob['id']}/cancel")
    assert other.status_code == 404


async def test_per_day_meetings_each_get_the_registration(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker, days=3, day_mode=DayMode.PER_DAY)
    created = await order(api, event, {"attendees": people("ada"), "status": "completed"})
    labels = [r["label"] for r in created["attendees"][0]["registrations"]]
    assert sorted(labels) == ["Day 1", "Day 2", "Day 3"]
    assert len(await registrations(api.sessionmaker)) == 3


async def test_capacity_refuses_overselling_and_stores_nothing(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker, capacity=3)
    await order(api, event, {"attendees": people("ada", "bob"), "status": "completed"})
    before = await row_counts(api.sessionmaker)

    response = await api.http.post(
        f"/api/v1/events/{event.event_id}/orders",
        json={"attendees": people("cy", "dee"), "status": "completed"},
    )

    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "capacity_exceeded"
    assert "1 seat left" in problem["detail"]
    assert "capacity of 3" in problem["detail"]
    assert await row_counts(api.sessionmaker) == before


async def test_completing_a_pending_order_beyond_capacity_is_refused(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker, capacity=2)
    await order(api, event, {"attendees": people("ada"), "status": "completed"})
    pending = await order(api, event, {"attendees": people("bob", "cy")})
    before = await registrations(api.sessionmaker)

    response = await api.http.patch(f"/api/v1/orders/{pending['id']}", json={"status": "completed"})

    assert response.status_code == 409
    assert response.json()["code"] == "capacity_exceeded"
    current = await api.http.get(f"/api/v1/orders/{pending['id']}")
    assert current.json()["status"] == "pending"
    assert set(await registrations(api.sessionmaker)) == set(before)


async def test_capacity_counts_people_not_tickets(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker, capacity=2)
    await order(api, event, {"attendees": people("ada", "bob"), "status": "completed"})
    # Ada again (same email) takes no other seat.
    again = await order(api, event, {"attendees": people("ada"), "status": "completed"})
    assert again["status"] == "completed"
    full = await api.http.post(
        f"/api/v1/events/{event.event_id}/orders",
        json={"attendees": people("cy"), "status": "completed"},
    )
    assert full.status_code == 409
    assert "0 seats left" in full.json()["detail"]

    first = await api.http.get(f"/api/v1/events/{event.event_id}/orders")
    bob_order = next(o for o in first.json()["items"] if len(o["attendees"]) == 2)
    bob = next(a for a in bob_order["attendees"] if a["email"] == "bob@example.com")
    cancel = f"/api/v1/orders/{bob_order['id']}/attendees/{bob['id']}/cancel"
    assert (await api.http.post(cancel)).status_code == 200
    await order(api, event, {"attendees": people("cy"), "status": "completed"})


async def test_validation_errors_name_the_fields_and_store_nothing(
    api: ApiHarness, event: EventIds
) -> None:
    await order(api, event, {"attendees": people("ada"), "reference": "A-1"})
    before = await row_counts(api.sessionmaker)
    url = f"/api/v1/events/{event.event_id}/orders"
    cases = {
        "attendees[1].email": {
            "attendees": [
                *people("bob"),
                {"email": "not-an-email", "first_name": "X", "last_name": "Y"},
            ]
        },
        "attendees[0].last_name": {
            "attendees": [{"email": "cy@example.com", "first_name": "Cy"}],
            "status": "completed",
        },
        "reference": {"attendees": people("dee"), "reference": "A-1"},
        "attendees": {"attendees": []},
    }
    for field, body in cases.items():
        response = await api.http.post(url, json=body)
        assert response.status_code == 422, (field, response.text)
        problem = response.json()
        assert field in {e["field"] for e in problem["errors"]}, (field, problem)
    assert await row_counts(api.sessionmaker) == before

    unknown = await api.http.post(
        f"/api/v1/events/{uuid.uuid4()}/orders", json={"attendees": people("eve")}
    )
    assert unknown.status_code == 404
    assert await row_counts(api.sessionmaker) == before


async def test_names_are_optional_on_an_event_not_on_zoom(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker, links=0)
    created = await order(
        api, event, {"attendees": [{"email": "ada@example.com"}], "status": "completed"}
    )
    assert created["attendees"][0]["first_name"] == ""
    assert await registrations(api.sessionmaker) == {}


async def test_registration_off_warns_and_registers_nobody(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker, registration_enabled=False, kind=ZoomKind.MEETING)
    created = await order(api, event, {"attendees": people("ada"), "status": "completed"})
    assert any("not restricted to buyers" in w for w in created["warnings"])
    assert await registrations(api.sessionmaker) == {}
    listed = await api.http.get(f"/api/v1/events/{event.event_id}/orders")
    assert listed.status_code == 200
    assert [o["id"] for o in listed.json()["items"]] == [created["id"]]
    assert listed.json()["items"][0]["warnings"] == created["warnings"]


async def test_requests_need_a_token(api: ApiHarness, event: EventIds) -> None:
    response = await api.anonymous.get(f"/api/v1/events/{event.event_id}/orders")
    assert response.status_code == 401


async def test_the_same_email_twice_in_one_order_is_refused_naming_both_rows(
    api: ApiHarness, event: EventIds
) -> None:
    before = await row_counts(api.sessionmaker)
    attendees = [*people("ada", "bob"), {**people("ada")[0], "first_name": "Ada2"}]
    response = await api.http.post(
        f"/api/v1/events/{event.event_id}/orders",
        json={"attendees": attendees, "status": "completed"},
    )
    assert response.status_code == 422, response.text
    [problem] = response.json()["errors"]
    assert problem["field"] == "attendees"
    assert problem["message"].startswith(
        "The same email ada@example.com is in attendees[0] and attendees[2]"
    )
    assert await row_counts(api.sessionmaker) == before


async def test_the_webinar_add_on_size_limits_a_webinar_with_the_event_capacity(
    api: ApiHarness,
) -> None:
    event = await create_event(api.sessionmaker, kind=ZoomKind.WEBINAR)
    connection_id = (await api.http.get(f"/api/v1/events/{event.event_id}")).json()["connection_id"]
    refused = await api.http.patch(
        f"/api/v1/connections/{connection_id}", json={"webinar_seats": 250}
    )
    assert refused.status_code == 422
    assert "1,000" in refused.text
    assert "10,000" in refused.text
    answer = await api.http.patch(
        f"/api/v1/connections/{connection_id}", json={"webinar_seats": 100}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["webinar_seats"] == 100

    names = [f"p{i}" for i in range(98)]
    await order(api, event, {"attendees": people(*names), "status": "completed"})
    full = await api.http.post(
        f"/api/v1/events/{event.event_id}/orders",
        json={"attendees": people("ada", "bob", "cy"), "status": "completed"},
    )
    assert full.status_code == 409
    assert "2 seats left" in full.json()["detail"]
    assert "webinar add-on's 100 seats" in full.json()["detail"]

    # The lower wins: a capacity above the add-on is warned about on the event.
    await api.http.patch(f"/api/v1/events/{event.event_id}", json={"capacity": 500})
    shown = (await api.http.get(f"/api/v1/events/{event.event_id}")).json()
    assert shown["zoom_seats"] == 100
    assert any("above the Zoom webinar add-on's 100 seats" in w for w in shown["warnings"])
    # Unknown again: only the event's capacity counts.
    await api.http.patch(f"/api/v1/connections/{connection_id}", json={"webinar_seats": None})
    more = await order(api, event, {"attendees": people("ada", "bob", "cy"), "status": "completed"})
    assert more["status"] == "completed"
