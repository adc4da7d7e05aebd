"""The console's list pages: a search box and filters that narrow the rows, "1–2 of 3" counts,
a "Next page" link that keeps the filters, and a stale cursor that starts the list again."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fixtures.api import ApiHarness
from tests.orders.factories import EventIds, create_event
from tests.orders.helpers import people
from tests.security.helpers import signed_in_client

NEXT = re.compile(r'<a href="([^"]+)" rel="next">Next page</a>')


@pytest.fixture
async def browser(api: ApiHarness) -> AsyncIterator[httpx.AsyncClient]:
    client, _csrf = await signed_in_client(api, "desk@example.com", "desk-Pa55word!")
    try:
        yield client
    finally:
        await client.aclose()


def rows(page: httpx.Response, testid: str) -> int:
    assert page.status_code == 200, page.text
    return page.text.count(f'data-testid="{testid}"')


def pager_range(page: httpx.Response) -> str:
    found = re.search(r'data-testid="pager-range">([^<]+)<', page.text)
    assert found, page.text
    return found.group(1)


def next_link(page: httpx.Response) -> str | None:
    found = NEXT.search(page.text)
    return html.unescape(found.group(1)) if found else None


async def walk(client: httpx.AsyncClient, url: str, testid: str) -> list[tuple[int, str]]:
    """Every page of a list page by its "Next page" link: (rows, "1–2 of 3") per page."""
    seen: list[tuple[int, str]] = []
    next_url: str | None = url
    while next_url:
        page = await client.get(next_url)
        seen.append((rows(page, testid), pager_range(page)))
        next_url = next_link(page)
    return seen


async def _order(api: ApiHarness, event: EventIds, **body: Any) -> None:
    answer = await api.http.post(f"/api/v1/events/{event.event_id}/orders", json=body)
    assert answer.status_code == 201, answer.text


async def test_orders_and_attendees_pages_search_filter_and_page(
    api: ApiHarness, browser: httpx.AsyncClient
) -> None:
    event = await create_event(api.sessionmaker, links=1)
    await _order(api, event, attendees=people("ada", "bob"), status="completed", reference="W-1")
    await _order(api, event, attendees=people("cy"), reference="W-2")
    await _order(api, event, attendees=people("dee"), status="completed", reference="W-3")
    orders = f"/events/{event.event_id}/orders"

    assert await walk(browser, orders + "?limit=2", "order-row") == [
        (2, "1–2 of 3"),
        (1, "3–3 of 3"),
    ]
    completed = await browser.get(orders, params={"status": "completed", "limit": 1})
    assert (rows(completed, "order-row"), pager_range(completed)) == (1, "1–1 of 2")
    following = next_link(completed)
    assert following
    assert "status=completed" in following
    assert rows(await browser.get(orders, params={"q": "cy@example"}), "order-row") == 1
    nothing = await browser.get(orders, params={"q": "nobody"})
    assert "No orders match these filters" in nothing.text
    # A cursor from other filters: the list starts again rather than failing.
    stale = await browser.get(following.replace("status=completed", "status=pending"))
    assert (rows(stale, "order-row"), pager_range(stale)) == (1, "1–1 of 1")

    attendees = f"/events/{event.event_id}/attendees"
    assert await walk(browser, attendees + "?limit=3", "attendee-row") == [
        (3, "1–3 of 4"),
        (1, "4–4 of 4"),
    ]
    waiting = await browser.get(attendees, params={"status": "waiting"})
    assert rows(waiting, "attendee-row") == 1
    assert "cy@example.com" in waiting.text
    found = await browser.get(attendees, params={"q": "Bob Tester"})
    assert rows(found, "attendee-row") == 1
    assert "bob@example.com" in found.text


async def test_bookings_page_searches_filters_and_pages(
    api: ApiHarness, browser: httpx.AsyncClient
) -> None:
    from tests.bookings.helpers import (
        add_connection,
        at,
        booking_body,
        create_employee,
        create_service,
        post,
    )

    connection = await add_connection(api.sessionmaker, hosts={"zu-ada": "ada@example.com"})
    service = await create_service(api.http, connection)
    ada = await create_employee(api.http, connection)
    for index, name in enumerate(("Rita", "Sam", "Tom")):
        body = booking_body(
            service["id"],
            ada["id"],
            customer_first_name=name,
            customer_email=f"{name.lower()}@shop.example",
            start_at=at(index * 24 * 60),
        )
        await post(api.http, "/api/v1/bookings", body)

    everything = "/bookings?show=all&limit=2"
    assert await walk(browser, everything, "booking-row") == [(2, "1–2 of 3"), (1, "3–3 of 3")]
    found = await browser.get("/bookings", params={"show": "all", "q": "SAM"})
    assert rows(found, "booking-row") == 1
    assert "sam@shop.example" in found.text
    day = at(24 * 60)[:10]
    one_day = await browser.get(
        "/bookings", params={"show": "all", "start_from": day, "start_to": day}
    )
    assert rows(one_day, "booking-row") == 1
    assert "sam@shop.example" in one_day.text
    nothing = await browser.get("/bookings", params={"show": "all", "status": "cancelled"})
    assert "No bookings match these filters" in nothing.text


async def test_outbox_page_searches_filters_and_pages(
    api: ApiHarness, browser: httpx.AsyncClient
) -> None:
    from zoombridge.notifications.outbox import enqueue

    async with api.sessionmaker() as session:
        for index in range(3):
            await enqueue(session, "event_ticket", f"guest{index}@example.com")
        await enqueue(session, "booking_confirmed_staff", "staff@clinic.example")
        await session.commit()

    assert await walk(browser, "/emails?limit=3", "email-row") == [(3, "1–3 of 4"), (1, "4–4 of 4")]
    found = await browser.get("/emails", params={"q": "clinic"})
    assert rows(found, "email-row") == 1
    assert "staff@clinic.example" in found.text
    tickets = await browser.get("/emails", params={"kind": "event_ticket", "limit": 2})
    assert (rows(tickets, "email-row"), pager_range(tickets)) == (2, "1–2 of 3")
    following = next_link(tickets)
    assert following
    assert "kind=event_ticket" in following
    staff = await browser.get("/emails", params={"audience": "staff"})
    assert rows(staff, "email-row") == 1


async def test_events_page_pages_and_starts_again_on_a_stale_cursor(
    api: ApiHarness, browser: httpx.AsyncClient
) -> None:
    for topic in ("Spring webinar", "Summer webinar", "Autumn townhall"):
        await create_event(api.sessionmaker, links=0, topic=topic)
    assert await walk(browser, "/events?limit=2", "event-row") == [(2, "1–2 of 3"), (1, "3–3 of 3")]
    webinars = await browser.get("/events", params={"q": "webinar", "limit": 1})
    assert (rows(webinars, "event-row"), pager_range(webinars)) == (1, "1–1 of 2")
    following = next_link(webinars)
    assert following
    stale = await browser.get(following.replace("q=webinar", "q=townhall"))
    assert (rows(stale, "event-row"), pager_range(stale)) == (1, "1–1 of 1")
