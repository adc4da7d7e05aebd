"""The event form's schedule (E7, E8, E10 in the UI): several days as one recurring meeting or
a meeting per day, bookable slots and sessions are made and changed from the form, and a
wrong line is named by its number with nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from tests.connections.factories import make_connection
from tests.fixtures.api import ApiHarness
from tests.security.helpers import signed_in_client
from zoombridge.events.models import Event


async def _signed_in(api: ApiHarness) -> tuple[httpx.AsyncClient, dict[str, str]]:
    async with api.sessionmaker() as session:
        connection = make_connection()
        session.add(connection)
        await session.commit()
    client, csrf = await signed_in_client(api, "desk@example.com", "desk-Pa55word!")
    form = {
        "csrf_token": csrf,
        "connection_id": str(connection.id),
        "kind": "meeting",
        "zoom_mode": "create",
        "topic": "Spring school",
        "start": "2030-05-01T09:00",
        "timezone": "Europe/Helsinki",
        "duration_minutes": "60",
        "registration_enabled": "on",
    }
    return client, form


async def _event(api: ApiHarness, location: str) -> dict[str, Any]:
    answer = await api.http.get(f"/api/v1{location}")
    assert answer.status_code == 200, answer.text
    event: dict[str, Any] = answer.json()
    return event


async def test_several_days_made_and_switched_from_the_form(api: ApiHarness) -> None:
    client, form = await _signed_in(api)
    try:
        created = await client.post(
            "/events",
            data={
                **form,
                "schedule": "per_day",
                "schedule_lines": "2030-05-01 09:00 90 Day one\r\n\r\n2030-05-02 13:30 60 Day two",
            },
        )
        assert created.status_code == 303, created.text
        location = created.headers["location"]
        event = await _event(api, location)
        assert event["day_mode"] == "per_day"
        assert [(s["start"], s["duration_minutes"], s["label"]) for s in event["sessions"]] == [
            ("2030-05-01T09:00:00+03:00", 90, "Day one"),
            ("2030-05-02T13:30:00+03:00", 60, "Day two"),
        ]
        assert len([link for link in event["links"] if link["want"] == "present"]) == 2

        # The edit form shows the days as lines; saving it unchanged changes nothing.
        edit = await client.get(f"{location}/edit")
        assert "2030-05-02 13:30 60 Day two" in edit.text
        assert 'value="per_day" selected' in edit.text
        same = await client.post(
            f"{location}/edit",
            data={
                **form,
                "schedule": "per_day",
                "schedule_lines": "2030-05-01 09:00 90 Day one\n2030-05-02 13:30 60 Day two",
            },
        )
        assert same.status_code == 303, same.text
        assert (await _event(api, location))["version"] == event["version"]

        # One recurring meeting instead.
        switched = await client.post(
            f"{location}/edit",
            data={
                **form,
                "schedule": "recurring",
                "schedule_lines": "2030-05-01 09:00 90 Day one\n2030-05-02 09:00 90 Day two",
            },
        )
        assert switched.status_code == 303, switched.text
        event = await _event(api, location)
        assert event["day_mode"] == "recurring"
        present = [link for link in event["links"] if link["want"] == "present"]
        assert len(present) == 1
        assert present[0]["session_id"] is None
    finally:
        await client.aclose()


async def test_slots_and_sessions_from_the_form(api: ApiHarness) -> None:
    client, form = await _signed_in(api)
    try:
        slots = await client.post(
            "/events",
            data={
                **form,
                "schedule": "slots",
                "slot_duration_minutes": "30",
                "schedule_lines": "2030-05-01 09:00\n2030-05-01 10:00 45 Longer one",
            },
        )
        assert slots.status_code == 303, slots.text
        event = await _event(api, slots.headers["location"])
        assert [s["kind"] for s in event["sessions"]] == ["slot", "slot"]
        assert [s["duration_minutes"] for s in event["sessions"]] == [30, 45]

        sessions = await client.post(
            "/events",
            data={
                **form,
                "topic": "Course day",
                "schedule": "sessions",
                "duration_minutes": "240",
                "schedule_lines": "2030-05-01 09:00 60 Intro\n2030-05-01 10:30 90 Practice",
            },
        )
        assert sessions.status_code == 303, sessions.text
        event = await _event(api, sessions.headers["location"])
        assert [s["label"] for s in event["sessions"]] == ["Intro", "Practice"]
        assert len([link for link in event["links"] if link["want"] == "present"]) == 1
    finally:
        await client.aclose()


async def test_a_wrong_line_is_named_by_its_number_and_nothing_is_stored(
    api: ApiHarness,
) -> None:
    client, form = await _signed_in(api)
    try:
        refused = await client.post(
            "/events",
            data={
                **form,
                "schedule": "per_day",
                "schedule_lines": "2030-05-01 09:00 90 Day one\nnext tuesday at nine",
            },
        )
        assert refused.status_code == 422
        assert "Line 2 (next tuesday at nine)" in refused.text
        # The lines typed are kept for correcting.
        assert "next tuesday at nine</textarea>" in refused.text
        too_long = await client.post(
            "/events",
            data={**form, "schedule": "per_day", "schedule_lines": "2030-05-01 09:00 2000"},
        )
        assert too_long.status_code == 422
        assert "Line 1 (duration minutes)" in too_long.text
        missing = await client.post(
            "/events", data={**form, "schedule": "recurring", "schedule_lines": " \n "}
        )
        assert missing.status_code == 422
        assert "one line per day" in missing.text
    finally:
        await client.aclose()
    async with api.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 0
