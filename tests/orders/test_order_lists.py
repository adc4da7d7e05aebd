"""The event's orders and attendees as paged, filtered lists (`{items, next_cursor, total}`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from tests.fixtures.api import ApiHarness
from tests.orders.factories import EventIds, create_event
from tests.orders.helpers import people
from zoombridge.orders.models import Order, Registration, RegistrationState


async def _order(api: ApiHarness, event: EventIds, **body: Any) -> dict[str, Any]:
    answer = await api.http.post(f"/api/v1/events/{event.event_id}/orders", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def _list(api: ApiHarness, url: str, **params: Any) -> dict[str, Any]:
    answer = await api.http.get(url, params=params)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


async def _walk(api: ApiHarness, url: str, limit: int, **params: Any) -> list[list[str]]:
    """Every page of a list, following `next_cursor`; the ids on each page."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        page = await _list(api, url, limit=limit, **params, **extra)
        pages.append([row["id"] for row in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


@pytest.fixture
async def event(api: ApiHarness) -> EventIds:
    return await create_event(api.sessionmaker, links=1)


async def test_orders_are_paged_newest_first_and_filtered(api: ApiHarness, event: EventIds) -> None:
    url = f"/api/v1/events/{event.event_id}/orders"
    shop = await _order(api, event, attendees=people("ada"), reference="SHOP-1001")
    paid = await _order(
        api,
        event,
        attendees=people("bob", "cy"),
        status="completed",
        customer={"email": "buyer@corp.example", "name": "Dana Buyer"},
    )
    late = await _order(api, event, attendees=people("eve"), status="completed")
    async with api.sessionmaker() as session:
        await session.execute(
            update(Order)
            .where(Order.id == uuid.UUID(shop["id"]))
            .values(created_at=datetime(2026, 1, 10, 12, tzinfo=UTC))
        )
        await session.commit()

    everything = await _list(api, url)
    assert everything["total"] == 3
    assert everything["next_cursor"] is None
    assert [o["id"] for o in everything["items"]] == [late["id"], paid["id"], shop["id"]]
    assert await _walk(api, url, 2) == [[late["id"], paid["id"]], [shop["id"]]]

    async def ids(**params: Any) -> list[str]:
        page = await _list(api, url, **params)
        assert page["total"] == len(page["items"])
        return [o["id"] for o in page["items"]]

    assert await ids(status="completed") == [late["id"], paid["id"]]
    assert await ids(q="shop-10") == [shop["id"]]  # the reference, any case
    assert await ids(q="dana") == [paid["id"]]  # the customer's name
    assert await ids(q="cy@example") == [paid["id"]]  # an attendee's email
    assert await ids(q="Eve Tester") == [late["id"]]  # an attendee's full name
    assert await ids(q="100%") == []  # % is a character, not a wildcard
    assert await ids(created_to="2026-01-10") == [shop["id"]]
    assert await ids(created_from="2026-01-11") == [late["id"], paid["id"]]
    assert await ids(created_from="2026-01-10", created_to="2026-01-10", q="ada") == [shop["id"]]


async def test_a_cursor_that_is_not_ours_or_from_other_filters_is_refused(
    api: ApiHarness, event: EventIds
) -> None:
    url = f"/api/v1/events/{event.event_id}/orders"
    for name in ("ada", "bob", "cy"):
        await _order(api, event, attendees=people(name), status="completed")
    first = await _list(api, url, limit=1)
    assert first["next_cursor"]
    for params in (
        {"cursor": "not-a-cursor"},
        {"cursor": first["next_cursor"], "status": "pending"},
    ):
        refused = await api.http.get(url, params=params)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["cursor"]
    too_many = await api.http.get(url, params={"limit": 100_000})
    assert too_many.status_code == 422


async def test_attendees_are_listed_by_email_with_status_and_registrations(
    api: ApiHarness, event: EventIds
) -> None:
    url = f"/api/v1/events/{event.event_id}/attendees"
    done = await _order(
        api, event, attendees=people("bob", "ada"), status="completed", reference="R-7"
    )
    await _order(api, event, attendees=people("cy"))
    ended = await _order(api, event, attendees=people("dee"), status="completed")
    assert (
        await api.http.patch(f"/api/v1/orders/{ended['id']}", json={"status": "refunded"})
    ).status_code == 200
    async with api.sessionmaker() as session:
        await session.execute(
            update(Registration)
            .where(Registration.email == "bob@example.com")
            .values(state=RegistrationState.FAILED, last_error="Zoom refused the email.")
        )
        await session.commit()

    page = await _list(api, url)
    assert page["total"] == 4
    assert [a["email"] for a in page["items"]] == [
        "ada@example.com",
        "bob@example.com",
        "cy@example.com",
        "dee@example.com",
    ]
    ada = page["items"][0]
    assert (ada["order_id"], ada["order_reference"], ada["order_status"], ada["status"]) == (
        done["id"],
        "R-7",
        "completed",
        "active",
    )
    assert [r["state"] for r in ada["registrations"]] == ["pending"]

    async def emails(**params: Any) -> list[str]:
        return [a["email"] for a in (await _list(api, url, **params))["items"]]

    assert await emails(status="active") == ["ada@example.com", "bob@example.com"]
    assert await emails(status="waiting") == ["cy@example.com"]
    assert await emails(status="cancelled") == ["dee@example.com"]
    assert await emails(q="BOB") == ["bob@example.com"]
    assert await emails(q="Cy Tester") == ["cy@example.com"]
    assert await emails(registration="failed") == ["bob@example.com"]
    failed = (await _list(api, url, registration="failed"))["items"][0]
    assert failed["registrations"][0]["last_error"] == "Zoom refused the email."
    pages = await _walk(api, url, 3)
    assert [len(p) for p in pages] == [3, 1]
    assert len({row for p in pages for row in p}) == 4


async def test_lists_of_an_unknown_event_are_not_found(api: ApiHarness) -> None:
    for tail in ("orders", "attendees"):
        answer = await api.http.get(f"/api/v1/events/{uuid.uuid4()}/{tail}")
        assert answer.status_code == 404, tail
