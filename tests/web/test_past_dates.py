"""A date in the past: the event form asks for confirmation (events may be reported on after
the fact); the API accepts it for events."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.connections.factories import make_connection
from tests.fixtures.api import ApiHarness
from tests.security.helpers import signed_in_client
from zoombridge.events.models import Event


async def _events(api: ApiHarness) -> int:
    async with api.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Event)) or 0)


async def test_the_event_form_asks_before_creating_an_event_in_the_past(api: ApiHarness) -> None:
    async with api.sessionmaker() as session:
        connection = make_connection()
        session.add(connection)
        await session.commit()
    client, csrf = await signed_in_client(api, "desk@example.com", "desk-Pa55word!")
    form = {
        "csrf_token": csrf,
        "connection_id": str(connection.id),
        "kind": "meeting",
        "zoom_mode": "none",
        "topic": "Last year's workshop",
        "start": "2020-05-01T15:00",
        "timezone": "Europe/Helsinki",
        "duration_minutes": "60",
    }
    try:
        asked = await client.post("/events", data=form)
        assert asked.status_code == 422
        assert "has already passed" in asked.text
        assert 'name="confirm_past"' in asked.text
        assert await _events(api) == 0
        created = await client.post("/events", data={**form, "confirm_past": "on"})
        assert created.status_code == 303, created.text
    finally:
        await client.aclose()
    assert await _events(api) == 1


async def test_the_api_takes_an_event_in_the_past_for_reporting(api: ApiHarness) -> None:
    async with api.sessionmaker() as session:
        connection = make_connection()
        session.add(connection)
        await session.commit()
    answer = await api.http.post(
        "/api/v1/events",
        json={
            "connection_id": str(connection.id),
            "topic": "Last year's workshop",
            "start": "2020-05-01T15:00:00+03:00",
            "timezone": "Europe/Helsinki",
            "duration_minutes": 60,
            "zoom": {"mode": "none"},
        },
    )
    assert answer.status_code == 201, answer.text
