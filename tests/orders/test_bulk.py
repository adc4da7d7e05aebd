"""Bulk intake: many orders in one request, a result per order, one bad order alone refused."""

from __future__ import annotations

from typing import Any

from tests.fixtures.api import ApiHarness
from tests.orders.factories import create_event
from tests.orders.helpers import people, registrations, row_counts, wants
from zoombridge.events.models import Event


def order(*names: str, **fields: Any) -> dict[str, Any]:
    return {"status": "completed", "attendees": people(*names), **fields}


async def post(api: ApiHarness, url: str, orders: list[dict[str, Any]]) -> dict[str, Any]:
    response = await api.http.post(url, json={"orders": orders})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_orders_across_events_each_get_a_result(api: ApiHarness) -> None:
    first = await create_event(api.sessionmaker, links=2, capacity=3)
    second = await create_event(api.sessionmaker, links=1)
    answer = await post(
        api,
        "/api/v1/orders/bulk",
        [
            order("ada", "bob", event_id=str(first.event_id), reference="S-1"),
            order("cy", event_id=str(second.event_id), reference="S-1"),  # other event: fine
            order("dee", "eve", event_id=str(first.event_id)),  # 2 seats, 1 left: refused
            order("ada", event_id=str(first.event_id), reference="S-1"),  # reference used
            {"event_id": str(first.event_id), "attendees": [{"email": "not-an-email"}]},
            order("fay", event_id=str(first.event_id), status="pending"),
            order("gus", event_id="00000000-0000-4000-8000-000000000000"),
        ],
    )
    assert [r["result"] for r in answer["results"]] == [
        "created",
        "created",
        "refused",
        "refused",
        "refused",
        "created",
        "refused",
    ]
    assert (answer["created"], answer["replayed"], answer["refused"]) == (3, 0, 4)
    codes = [r["code"] for r in answer["results"]]
    assert codes[2] == "capacity_exceeded"
    assert "1 seat left" in answer["results"][2]["detail"]
    assert codes[3] == "invalid_input"
    assert answer["results"][3]["errors"][0]["field"] == "reference"
    assert answer["results"][4]["errors"][0]["field"].startswith("attendees[0].email")
    assert codes[6] == "not_found"

    # Stored exactly as single orders would be: the answers are what a read gives.
    for result in answer["results"]:
        if result["result"] == "created":
            stored = await api.http.get(f"/api/v1/orders/{result['order']['id']}")
            assert stored.json() == result["order"]
    assert await row_counts(api.sessionmaker) == (3, 4, 5)  # ada, bob x2 meetings + cy
    assert set(wants(await registrations(api.sessionmaker))) == {
        "ada@example.com",
        "bob@example.com",
        "cy@example.com",
    }
    async with api.sessionmaker() as session:
        event = await session.get(Event, first.event_id)
        assert event is not None
        assert event.seats_taken == 2


async def test_idempotency_keys_replay_each_order(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker, links=1)
    url = f"/api/v1/events/{event.event_id}/orders/bulk"
    batch = [order("ada", idempotency_key="k1"), order("bob", idempotency_key="k2")]
    created = await post(api, url, batch)
    assert created["created"] == 2

    again = await post(
        api,
        url,
        [
            *batch,
            order("cy", idempotency_key="k3"),
            order("eve", idempotency_key="k3"),  # twice in one request
        ],
    )
    assert [r["result"] for r in again["results"]] == ["replayed", "replayed", "created", "refused"]
    assert again["results"][0]["order"] == created["results"][0]["order"]
    assert again["results"][3]["errors"][0]["field"] == "idempotency_key"
    other = await post(api, url, [order("dee", idempotency_key="k1")])  # k1, another order
    assert other["results"][0]["code"] == "idempotency_key_reused"
    assert await row_counts(api.sessionmaker) == (3, 3, 3)


async def test_the_same_person_in_two_orders_takes_one_seat(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker, links=1, capacity=2)
    url = f"/api/v1/events/{event.event_id}/orders/bulk"
    answer = await post(api, url, [order("ada"), order("ada", "bob"), order("cy")])
    assert [r["result"] for r in answer["results"]] == ["created", "created", "refused"]
    async with api.sessionmaker() as session:
        stored = await session.get(Event, event.event_id)
        assert stored is not None
        assert stored.seats_taken == 2


async def test_a_request_too_large_is_refused_whole(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker, links=0)
    url = f"/api/v1/events/{event.event_id}/orders/bulk"
    response = await api.http.post(url, json={"orders": [order("ada")] * 1001})
    assert response.status_code == 422
    assert await row_counts(api.sessionmaker) == (0, 0, 0)
    response = await api.anonymous.post(url, json={"orders": [order("ada")]})
    assert response.status_code == 401
