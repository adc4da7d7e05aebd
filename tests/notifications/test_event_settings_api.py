"""Events API: reminder offsets and ticket emails (L4, O6) are stored, planned, replanned and
cancelled with the event; the resend-tickets route answers how many it queued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.events.helpers import create_connection
from tests.events.test_events_api import BASE, event_body
from tests.fixtures.api import ApiHarness
from zoombridge.notifications.models import OutboundEmail, Reminder, ReminderState


async def planned(api: ApiHarness) -> dict[tuple[str, datetime], ReminderState]:
    async with api.sessionmaker() as session:
        rows = await session.scalars(select(Reminder))
        return {(r.offset, r.start_at): r.state for r in rows}


async def test_event_reminders_follow_the_event(api: ApiHarness) -> None:
    connection = await create_connection(api.http)
    start = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)
    body = event_body(connection["id"], start=start.isoformat(), reminder_offsets=["1h", "1w"])
    response = await api.http.post(BASE, json=body)
    assert response.status_code == 201, response.text
    event = response.json()
    assert event["reminder_offsets"] == ["1w", "1h"]  # canonical order
    assert event["ticket_emails"] is True
    assert await planned(api) == {
        ("1w", start): ReminderState.PLANNED,
        ("1h", start): ReminderState.PLANNED,
    }

    moved = start + timedelta(days=2)
    response = await api.http.patch(
        f"{BASE}/{event['id']}",
        json={"start": moved.isoformat(), "reminder_offsets": ["1d"], "ticket_emails": False},
    )
    assert response.status_code == 200, response.text
    assert response.json()["reminder_offsets"] == ["1d"]
    assert response.json()["ticket_emails"] is False
    assert await planned(api) == {
        ("1w", start): ReminderState.CANCELLED,
        ("1h", start): ReminderState.CANCELLED,
        ("1d", moved): ReminderState.PLANNED,
    }

    assert (await api.http.delete(f"{BASE}/{event['id']}")).status_code in (200, 204)
    assert set((await planned(api)).values()) == {ReminderState.CANCELLED}


async def test_unknown_offsets_are_refused_and_nothing_is_stored(api: ApiHarness) -> None:
    connection = await create_connection(api.http)
    response = await api.http.post(
        BASE, json=event_body(connection["id"], reminder_offsets=["1d", "2w"])
    )
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "'2w'" in errors["reminder_offsets"]
    assert "1w" in errors["reminder_offsets"]
    assert (await api.http.get(BASE)).json()["items"] == []


async def test_resend_route_answers_the_count(api: ApiHarness) -> None:
    connection = await create_connection(api.http)
    event = (await api.http.post(BASE, json=event_body(connection["id"]))).json()
    orders = f"/api/v1/events/{event['id']}/orders"
    people = [
        {"email": f"{n}@example.com", "first_name": n.title(), "last_name": "T"}
        for n in ("ada", "bob")
    ]
    created = await api.http.post(orders, json={"status": "completed", "attendees": people})
    assert created.status_code == 201, created.text
    await api.http.post(orders, json={"status": "pending", "attendees": people[:1]})

    response = await api.http.post(f"/api/v1/events/{event['id']}/tickets/resend")
    assert response.status_code == 200, response.text
    assert response.json() == {"queued": 2}
    async with api.sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboundEmail)
            .where(OutboundEmail.template_key == "event_ticket")
        )
    assert count == 4  # two on completion, two resent

    missing = await api.http.post(
        "/api/v1/events/00000000-0000-0000-0000-000000000000/tickets/resend"
    )
    assert missing.status_code == 404
