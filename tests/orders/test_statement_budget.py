"""The order write runs a fixed, small number of SQL statements whatever the event holds, and the
event's seat count (`Event.seats_taken`) stays equal to the people holding a ticket through
every kind of change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select

from tests.fixtures.api import ApiHarness
from tests.orders.factories import EventIds, create_event
from tests.orders.helpers import people
from zoombridge.contacts.models import Contact
from zoombridge.events.models import Event
from zoombridge.kit.signals import Receiver
from zoombridge.notifications.models import OutboundEmail
from zoombridge.orders.intake import recount_seats
from zoombridge.orders.models import Order
from zoombridge.orders.signals import orders_completed

# Token, Idempotency-Key look-up, event with its meetings, order, attendees, seat count,
# registrations (one upsert), the stored answer; on PostgreSQL one more that locks the event
# just before its seat count (SQLite serialises writers instead).
MAX_STATEMENTS_PER_ORDER = {"sqlite": 8, "postgresql": 9}


@contextmanager
def counted(api: ApiHarness) -> Iterator[tuple[list[str], list[str]]]:
    """The statements the app's engine runs inside the block (BEGIN/COMMIT/ROLLBACK left out):
    the order write's own, and those of the other domains' receivers of `orders_completed`
    (ticket emails, contacts), which are theirs to keep lean."""
    engine = api.sessionmaker.kw["bind"].sync_engine
    own: list[str] = []
    receivers: list[str] = []
    in_receiver = [False]

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            (receivers if in_receiver[0] else own).append(statement)

    def watched(receiver: Receiver[list[Order]]) -> Receiver[list[Order]]:
        async def run(session: Any, orders: list[Order]) -> None:
            in_receiver[0] = True
            try:
                await receiver(session, orders)
                await session.flush()  # what they added is written now, counted as theirs
            finally:
                in_receiver[0] = False

        return run

    originals = orders_completed.receivers
    for receiver in originals:
        orders_completed.disconnect(receiver)
        orders_completed.connect(watched(receiver))
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield own, receivers
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
        for receiver in orders_completed.receivers:
            orders_completed.disconnect(receiver)
        for receiver in originals:
            orders_completed.connect(receiver)


async def test_a_completed_order_runs_at_most_eight_statements(api: ApiHarness) -> None:
    ids = await create_event(api.sessionmaker, links=2, capacity=500)
    url = f"/api/v1/events/{ids.event_id}/orders"
    warm = await api.http.post(url, json={"status": "completed", "attendees": people("zed")})
    assert warm.status_code == 201, warm.text
    body = {"status": "completed", "reference": "A-1", "attendees": people("ada", "bob", "cy")}
    with counted(api) as (own, receivers):
        answer = await api.http.post(url, json=body, headers={"Idempotency-Key": "budget-1"})
    assert answer.status_code == 201, answer.text
    dialect = api.sessionmaker.kw["bind"].dialect.name
    assert len(own) <= MAX_STATEMENTS_PER_ORDER[dialect], "\n\n".join(own)
    assert not any("event_sessions" in s for s in own), "an order never loads sessions"
    assert receivers, "tickets and contacts are still written with the order"
    # The answer is the one a read gives afterwards.
    created = answer.json()
    again = await api.http.get(f"/api/v1/orders/{created['id']}")
    assert again.json() == created
    assert {len(a["registrations"]) for a in created["attendees"]} == {2}

    with counted(api) as (own, _):
        replay = await api.http.post(url, json=body, headers={"Idempotency-Key": "budget-1"})
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == created
    assert len(own) <= 2  # the token and the stored answer


async def _seats(api: ApiHarness, ids: EventIds) -> tuple[int, int]:
    """(the event's seat count, the people holding a ticket counted from the attendees)."""
    async with api.sessionmaker() as session:
        event = await session.get(Event, ids.event_id)
        assert event is not None
        kept = event.seats_taken
        counted_now = await recount_seats(session, ids.event_id)
        await session.rollback()
    return kept, counted_now


async def test_the_seat_count_follows_every_change(api: ApiHarness) -> None:
    ids = await create_event(api.sessionmaker, links=1, capacity=6)
    url = f"/api/v1/events/{ids.event_id}/orders"

    async def post(body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        answer = await api.http.post(url, json=body)
        assert answer.status_code == status, answer.text
        result: dict[str, Any] = answer.json()
        return result

    first = await post({"status": "completed", "attendees": people("ada", "bob")})
    assert await _seats(api, ids) == (2, 2)
    # The same person again takes no second seat.
    second = await post({"status": "completed", "attendees": people("ada", "cy")})
    assert await _seats(api, ids) == (3, 3)
    # A pending order takes none until it is completed.
    pending = await post({"status": "pending", "attendees": people("dee")})
    assert await _seats(api, ids) == (3, 3)
    done = await api.http.patch(f"/api/v1/orders/{pending['id']}", json={"status": "completed"})
    assert done.status_code == 200, done.text
    assert await _seats(api, ids) == (4, 4)
    # Cancelling ada's first ticket frees no seat (her second still holds it); bob's does.
    by_email = {a["email"]: a["id"] for a in first["attendees"]}
    for email, expected in (("ada@example.com", 4), ("bob@example.com", 3)):
        cancelled = await api.http.post(
            f"/api/v1/orders/{first['id']}/attendees/{by_email[email]}/cancel"
        )
        assert cancelled.status_code == 200, cancelled.text
        assert await _seats(api, ids) == (expected, expected)
    # Refunding an order frees the seats of the people it alone held.
    refunded = await api.http.patch(f"/api/v1/orders/{second['id']}", json={"status": "refunded"})
    assert refunded.status_code == 200, refunded.text
    assert await _seats(api, ids) == (1, 1)  # dee
    # A CSV import takes a seat per new person; duplicates and refused rows take none.
    csv_body = "email,first_name,last_name\ndee@example.com,Dee,T\neve@example.com,Eve,T\n"
    imported = await api.http.post(
        f"/api/v1/events/{ids.event_id}/attendees.csv",
        content=csv_body,
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 1
    assert await _seats(api, ids) == (2, 2)
    # A refused order (over capacity) and a duplicate reference leave the count alone.
    await post({"status": "completed", "attendees": people(*"fghijk")}, status=409)
    await post({"status": "completed", "reference": "R1", "attendees": people("fay")})
    await post({"status": "completed", "reference": "R1", "attendees": people("gus")}, 422)
    assert await _seats(api, ids) == (3, 3)


async def test_capacity_checks_read_the_seat_count(api: ApiHarness) -> None:
    """The check uses the kept count, not the attendees: a count set higher refuses sooner."""
    ids = await create_event(api.sessionmaker, links=1, capacity=3)
    async with api.sessionmaker() as session:
        event = await session.scalar(select(Event).where(Event.id == ids.event_id))
        assert event is not None
        event.seats_taken = 3
        await session.commit()
    answer = await api.http.post(
        f"/api/v1/events/{ids.event_id}/orders",
        json={"status": "completed", "attendees": people("ada")},
    )
    assert answer.status_code == 409, answer.text
    assert "0 seats left" in answer.json()["detail"]


async def test_a_bulk_request_pays_the_receivers_once(api: ApiHarness) -> None:
    """Tickets and contacts of every order of a bulk request are written together: 40 orders
    cost the receivers as many statements as one, and every attendee gets both."""
    ids = await create_event(api.sessionmaker, links=1, capacity=500)
    url = f"/api/v1/events/{ids.event_id}/orders/bulk"

    async def bulk(tag: str, orders: int) -> list[str]:
        body = {
            "orders": [
                {"status": "completed", "attendees": people(f"{tag}{n}a", f"{tag}{n}b")}
                for n in range(orders)
            ]
        }
        with counted(api) as (_, receivers):
            answer = await api.http.post(url, json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["created"] == orders
        return receivers

    one = await bulk("solo", 1)
    forty = await bulk("many", 40)
    assert one, "tickets and contacts are written with the orders"
    assert len(forty) == len(one), "\n\n".join(forty)
    async with api.sessionmaker() as session:
        tickets = set(
            await session.scalars(
                select(OutboundEmail.to_address).where(OutboundEmail.template_key == "event_ticket")
            )
        )
        contacts = set(await session.scalars(select(Contact.email)))
    everyone = {f"many{n}{s}@example.com" for n in range(40) for s in "ab"}
    assert everyone <= tickets
    assert everyone <= contacts
