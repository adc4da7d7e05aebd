"""The audit log, paged and filtered: by event, order, attendee, booking and connection (found
and shown by name on the page), by outcome, words and UTC day; `GET /api/v1/audit` alike."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tests.fixtures.api import ApiHarness
from tests.orders.factories import EventIds, create_event
from tests.orders.helpers import people
from tests.security.helpers import signed_in_client
from zoombridge.engine import audit
from zoombridge.engine.models import Outcome
from zoombridge.orders.models import Registration

AUDIT = "/api/v1/audit"


async def _order(api: ApiHarness, event: EventIds, **body: Any) -> dict[str, Any]:
    answer = await api.http.post(f"/api/v1/events/{event.event_id}/orders", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def _calls(api: ApiHarness) -> dict[str, Any]:
    """A small history: batch and single registrant calls on an event, an email to one
    attendee, a call for a booking; the ids involved."""
    event = await create_event(api.sessionmaker, links=1, topic="Spring product webinar")
    other = await create_event(api.sessionmaker, links=1, topic="Autumn townhall")
    order = await _order(
        api, event, attendees=people("ada", "bob"), status="completed", reference="SHOP-77"
    )
    ada, bob = sorted(order["attendees"], key=lambda a: a["email"])
    booking = uuid.uuid4()
    async with api.sessionmaker() as session:
        registration = {
            r.email: r.id
            for r in await session.scalars(
                select(Registration).where(Registration.link_id == event.link_ids[0])
            )
        }

        def entry(operation: str, at: datetime, subjects: audit.Subjects, **kw: Any) -> None:
            audit.record(session, operation, subjects, **kw).at = at

        link = event.link_ids[0]
        entry(
            "webinarCreate",
            datetime(2026, 3, 1, 9, tzinfo=UTC),
            {"event": event.event_id, "link": link},
        )
        entry(
            "addBatchRegistrants",
            datetime(2026, 3, 2, 9, tzinfo=UTC),
            {"event": event.event_id, "link": link},
            items=2,
        )
        entry(
            "addWebinarRegistrant",
            datetime(2026, 3, 3, 9, tzinfo=UTC),
            {
                "event": event.event_id,
                "link": link,
                "registration": registration["bob@example.com"],
            },
            outcome=Outcome.FAILED,
            message="Zoom refused the registrant",
        )
        entry(
            "smtp.send",
            datetime(2026, 3, 4, 9, tzinfo=UTC),
            {"event": event.event_id, "attendee": uuid.UUID(ada["id"])},
        )
        entry("meetingCreate", datetime(2026, 3, 5, 9, tzinfo=UTC), {"booking": booking})
        entry("webinarCreate", datetime(2026, 3, 6, 9, tzinfo=UTC), {"event": other.event_id})
        await session.commit()
    return {
        "event": event,
        "other": other,
        "order": order,
        "ada": ada,
        "bob": bob,
        "booking": booking,
    }


async def _operations(api: ApiHarness, **params: Any) -> list[str]:
    answer = await api.http.get(AUDIT, params=params)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["total"] == len(page["items"])
    return [e["operation"] for e in page["items"]]


async def test_the_api_pages_and_filters_the_audit_log(api: ApiHarness) -> None:
    ids = await _calls(api)
    event = str(ids["event"].event_id)
    assert await _operations(api) == [
        "webinarCreate",
        "meetingCreate",
        "smtp.send",
        "addWebinarRegistrant",
        "addBatchRegistrants",
        "webinarCreate",
    ]
    assert len(await _operations(api, event_id=event)) == 4
    assert await _operations(api, order_id=ids["order"]["id"]) == [
        "smtp.send",
        "addWebinarRegistrant",
    ]
    assert await _operations(api, attendee_id=ids["bob"]["id"]) == ["addWebinarRegistrant"]
    assert await _operations(api, attendee_id=ids["ada"]["id"]) == ["smtp.send"]
    assert await _operations(api, attendee_id=str(uuid.uuid4())) == []
    assert await _operations(api, booking_id=str(ids["booking"])) == ["meetingCreate"]
    assert await _operations(api, outcome="failed") == ["addWebinarRegistrant"]
    assert await _operations(api, q="refused") == ["addWebinarRegistrant"]
    assert await _operations(api, at_from="2026-03-02", at_to="2026-03-03") == [
        "addWebinarRegistrant",
        "addBatchRegistrants",
    ]

    [failed] = (await api.http.get(AUDIT, params={"outcome": "failed"})).json()["items"]
    named = {(s["kind"], s["name"]) for s in failed["subjects"]}
    assert ("event", "Spring product webinar") in named
    assert ("registration", "bob@example.com") in named

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = (await api.http.get(AUDIT, params=params)).json()
        assert page["total"] == 6
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6
    refused = await api.http.get(AUDIT, params={"cursor": "bm90IG91cnM"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["cursor"]


async def test_the_page_finds_what_to_filter_on_by_name(api: ApiHarness) -> None:
    ids = await _calls(api)
    client, _csrf = await signed_in_client(api, "desk@example.com", "desk-Pa55word!")
    try:
        # The order's page links to its calls (no id to type).
        order_page = await client.get(f"/orders/{ids['order']['id']}")
        link = re.search(r'<a href="(/audit\?[^"]+)">audit log of this order</a>', order_page.text)
        assert link
        of_order = await client.get(html.unescape(link.group(1)))
        assert of_order.text.count('data-testid="audit-row"') == 2
        assert "<strong>SHOP-77" in of_order.text

        found = await client.get("/audit", params={"find": "spring"})
        assert found.status_code == 200
        choices = re.findall(
            r'<a href="([^"]+)" data-testid="audit-choice">([^<]+)</a>', found.text
        )
        assert [name for _url, name in choices] == ["event: Spring product webinar"]
        chosen = await client.get(html.unescape(choices[0][0]))
        assert "Calls about" in chosen.text
        assert "<strong>Spring product webinar</strong>" in chosen.text
        assert chosen.text.count('data-testid="audit-row"') == 4

        # Within the event, an attendee is found by name and narrows the calls to theirs.
        url = html.unescape(choices[0][0])
        person = await client.get(url + "&find=Bob+Tester")
        [(bob_url, bob_name)] = re.findall(
            r'<a href="([^"]+)" data-testid="audit-choice">([^<]+)</a>', person.text
        )
        assert bob_name == "attendee: bob@example.com"
        bob = await client.get(html.unescape(bob_url))
        assert bob.text.count('data-testid="audit-row"') == 1
        assert "Zoom refused the registrant" in bob.text
        assert "<strong>bob@example.com</strong>" in bob.text

        paged = await client.get("/audit", params={"limit": 4})
        assert "1–4 of 6" in paged.text
        following = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', paged.text)
        assert following
        rest = await client.get(html.unescape(following.group(1)))
        assert rest.text.count('data-testid="audit-row"') == 2
        assert "5–6 of 6" in rest.text
        nothing = await client.get("/audit", params={"find": "no such thing"})
        assert "Nothing named like" in nothing.text
    finally:
        await client.aclose()
