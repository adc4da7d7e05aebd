"""Events and the registrations of their orders: new meetings get the buyers, "sync now"."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.events.helpers import create_connection
from tests.events.test_events_api import BASE, event_body
from tests.fixtures.api import ApiHarness
from zoombridge.events.models import MeetingLink
from zoombridge.orders.models import (
    Attendee,
    Order,
    OrderStatus,
    Registration,
    RegistrationState,
    RegistrationWant,
)

DAY_1 = {"start": "2026-12-07T09:00:00+02:00", "duration_minutes": 60}
DAY_2 = {"start": "2026-12-08T09:00:00+02:00", "duration_minutes": 60}


async def completed_order(api: ApiHarness, event_id: str, *emails: str) -> None:
    async with api.sessionmaker() as session:
        order = Order(event_id=uuid.UUID(event_id), status=OrderStatus.COMPLETED, reference="A1")
        session.add(order)
        await session.flush()
        for index, email in enumerate(emails):
            session.add(
                Attendee(
                    order_id=order.id,
                    event_id=order.event_id,
                    email=email,
                    first_name="Ada",
                    last_name="Lovelace",
                    ticket_code=f"T{index}-{uuid.uuid4().hex[:8]}",
                )
            )
        await session.commit()


async def registrations(api: ApiHarness) -> list[Registration]:
    async with api.sessionmaker() as session:
        return list(await session.scalars(select(Registration)))


async def test_a_new_day_meeting_gets_the_existing_buyers(api: ApiHarness) -> None:
    connection = await create_connection(api.http)
    event = (
        await api.http.post(
            BASE, json=event_body(connection["id"], day_mode="per_day", days=[DAY_1])
        )
    ).json()
    await completed_order(api, event["id"], "a@example.com", "b@example.com")

    response = await api.http.patch(f"{BASE}/{event['id']}", json={"days": [DAY_1, DAY_2]})
    assert response.status_code == 200, response.text
    new_link = next(
        link for link in response.json()["links"] if link["id"] != event["links"][0]["id"]
    )
    rows = [r for r in await registrations(api) if str(r.link_id) == new_link["id"]]
    assert sorted(r.email for r in rows) == ["a@example.com", "b@example.com"]
    assert {(r.want, r.state) for r in rows} == {
        (RegistrationWant.REGISTERED, RegistrationState.PENDING)
    }


async def test_sync_now_makes_waiting_and_failed_registrations_due(api: ApiHarness) -> None:
    connection = await create_connection(api.http)
    event = (await api.http.post(BASE, json=event_body(connection["id"]))).json()
    later = datetime.now(UTC) + timedelta(hours=3)
    async with api.sessionmaker() as session:
        link = await session.get(MeetingLink, uuid.UUID(event["links"][0]["id"]))
        assert link is not None
        for email, state in (
            ("pending@example.com", RegistrationState.PENDING),
            ("failed@example.com", RegistrationState.FAILED),
            ("deferred@example.com", RegistrationState.DEFERRED),
        ):
            session.add(
                Registration(
                    link_id=link.id,
                    email=email,
                    want=RegistrationWant.REGISTERED,
                    state=state,
                    not_before=later,
                    attempts=2,
                )
            )
        await session.commit()

    response = await api.http.post(f"{BASE}/{event['id']}/sync")
    assert response.status_code == 202

    by_email = {r.email: r for r in await registrations(api)}
    for email in ("pending@example.com", "failed@example.com"):
        assert by_email[email].state is RegistrationState.PENDING
        assert by_email[email].not_before is None
    # A daily cap would only refuse it again before the reset.
    assert by_email["deferred@example.com"].state is RegistrationState.DEFERRED
    assert by_email["deferred@example.com"].not_before is not None


async def test_null_for_a_required_field_is_a_field_error(api: ApiHarness) -> None:
    connection = await create_connection(api.http)
    event = (await api.http.post(BASE, json=event_body(connection["id"]))).json()
    for field in ("zoom", "days", "registration_enabled"):
        response = await api.http.patch(f"{BASE}/{event['id']}", json={field: None})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"].startswith(field)


async def test_switching_registration_back_on_registers_the_buyers(api: ApiHarness) -> None:
    connection = await create_connection(api.http)
    event = (
        await api.http.post(BASE, json=event_body(connection["id"], registration_enabled=False))
    ).json()
    await completed_order(api, event["id"], "a@example.com")
    assert await registrations(api) == []  # Zoom refuses registrants while registration is off

    response = await api.http.patch(f"{BASE}/{event['id']}", json={"registration_enabled": True})
    assert response.status_code == 200, response.text
    [row] = await registrations(api)
    assert (row.email, row.want, row.state) == (
        "a@example.com",
        RegistrationWant.REGISTERED,
        RegistrationState.PENDING,
    )
