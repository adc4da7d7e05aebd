"""Tickets (O6) and their iCalendar files (O7)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import icalendar
from sqlalchemy import select

from tests.fixtures.api import ApiHarness
from tests.orders.factories import (
    START,
    EventIds,
    confirm_links,
    confirm_registrations,
    create_event,
)
from tests.orders.helpers import people
from zoombridge.events.models import DayMode, Event
from zoombridge.orders.models import Registration


async def completed_order(api: ApiHarness, event: EventIds, *names: str) -> dict[str, Any]:
    response = await api.http.post(
        f"/api/v1/events/{event.event_id}/orders",
        json={"attendees": people(*names), "status": "completed"},
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def ticket(api: ApiHarness, ref: str) -> dict[str, Any]:
    response = await api.http.get(f"/api/v1/attendees/{ref}/ticket")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def calendar(api: ApiHarness, ref: str) -> icalendar.Calendar:
    response = await api.http.get(f"/api/v1/attendees/{ref}/ticket.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


async def test_ticket_fields_stay_empty_until_zoom_confirmed_them(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker)
    attendee = (await completed_order(api, event, "ada"))["attendees"][0]

    before = await ticket(api, attendee["id"])
    meeting = before["meetings"][0]
    assert before["valid"] is True
    assert before["event_topic"] == "Quarterly product briefing"
    assert meeting["registration_state"] == "pending"
    for field in (
        "topic",
        "start",
        "end",
        "duration_minutes",
        "meeting_id",
        "passcode",
        "join_url",
    ):
        assert meeting[field] is None, field

    await confirm_links(api.sessionmaker, event.event_id)
    await confirm_registrations(api.sessionmaker)
    after = await ticket(api, attendee["ticket_code"])  # by ticket code as well as by id

    meeting = after["meetings"][0]
    assert meeting["topic"] == "Quarterly product briefing"
    assert datetime.fromisoformat(meeting["start"]) == START
    assert datetime.fromisoformat(meeting["end"]) == START + timedelta(minutes=90)
    assert meeting["duration_minutes"] == 90
    assert meeting["timezone"] == "Europe/Helsinki"
    assert meeting["meeting_id"] == 85_000_000_000
    assert meeting["passcode"] == "pw0"
    async with api.sessionmaker() as session:
        own = await session.scalar(select(Registration.join_url))
    assert meeting["join_url"] == own  # the attendee's own link, not the meeting's
    assert meeting["join_url"] != f"https://zoom.example/j/{meeting['meeting_id']}"


async def test_recurring_meeting_ticket_lists_the_days(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker, days=3, day_mode=DayMode.RECURRING)
    attendee = (await completed_order(api, event, "ada"))["attendees"][0]
    await confirm_links(api.sessionmaker, event.event_id)

    days = (await ticket(api, attendee["id"]))["meetings"][0]["recurrence"]

    assert [datetime.fromisoformat(d["start"]) for d in days] == [
        START + timedelta(days=n) for n in range(3)
    ]


async def test_a_cancelled_attendee_holds_no_join_link(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker)
    created = await completed_order(api, event, "ada")
    await confirm_links(api.sessionmaker, event.event_id)
    await confirm_registrations(api.sessionmaker)
    attendee = created["attendees"][0]
    cancel = f"/api/v1/orders/{created['id']}/attendees/{attendee['id']}/cancel"
    assert (await api.http.post(cancel)).status_code == 200

    after = await ticket(api, attendee["id"])
    assert after["valid"] is False
    assert after["meetings"][0]["join_url"] is None


async def test_registration_off_ticket_carries_the_open_link_and_a_warning(
    api: ApiHarness,
) -> None:
    event = await create_event(api.sessionmaker, registration_enabled=False)
    attendee = (await completed_order(api, event, "ada"))["attendees"][0]
    await confirm_links(api.sessionmaker, event.event_id)
    view = await ticket(api, attendee["id"])
    assert view["meetings"][0]["join_url"] == "https://zoom.example/j/85000000000"
    assert view["warnings"]


async def test_unknown_ticket_is_404(api: ApiHarness) -> None:
    assert (await api.http.get("/api/v1/attendees/NOSUCHCODE/ticket")).status_code == 404


async def test_ics_has_details_three_alarms_a_stable_uid_and_a_bumped_sequence(
    api: ApiHarness,
) -> None:
    event = await create_event(api.sessionmaker)
    attendee = (await completed_order(api, event, "ada"))["attendees"][0]
    await confirm_links(api.sessionmaker, event.event_id)
    await confirm_registrations(api.sessionmaker)

    first = await calendar(api, attendee["id"])
    (vevent,) = first.walk("VEVENT")
    assert vevent.decoded("dtstart") == START
    assert vevent.decoded("dtend") == START + timedelta(minutes=90)
    assert int(vevent["sequence"]) == 1
    description = str(vevent["description"])
    join_url = (await ticket(api, attendee["id"]))["meetings"][0]["join_url"]
    assert join_url
    assert join_url in description
    assert str(vevent["url"]) == join_url == str(vevent["location"])
    assert "Meeting ID: 85000000000" in description
    assert "Passcode: pw0" in description
    triggers = sorted(alarm.decoded("trigger") for alarm in vevent.walk("VALARM"))
    assert triggers == [-timedelta(weeks=1), -timedelta(days=1), -timedelta(hours=1)]

    async with api.sessionmaker() as session:
        stored = await session.get(Event, event.event_id)
        assert stored is not None
        stored.version += 1  # what the events service does when the time changes
        await session.commit()
    (moved,) = (await calendar(api, attendee["ticket_code"])).walk("VEVENT")
    assert str(moved["uid"]) == str(vevent["uid"])
    assert str(vevent["uid"]).startswith(attendee["id"])
    assert int(moved["sequence"]) == 2


async def test_ics_has_one_entry_per_day(api: ApiHarness) -> None:
    for mode in (DayMode.RECURRING, DayMode.PER_DAY):
        event = await create_event(api.sessionmaker, days=3, day_mode=mode)
        attendee = (await completed_order(api, event, "ada"))["attendees"][0]
        vevents = (await calendar(api, attendee["id"])).walk("VEVENT")
        assert [v.decoded("dtstart") for v in vevents] == [
            START + timedelta(days=n) for n in range(3)
        ], mode
        assert len({str(v["uid"]) for v in vevents}) == 3
        assert all(len(v.walk("VALARM")) == 3 for v in vevents)
