"""The events API (E1–E11): desired state written for the worker, validated, previewed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.connections.factories import CLIENT_SECRET, WEBHOOK_SECRET_TOKEN
from tests.events.helpers import (
    add_choice,
    add_host,
    create_connection,
    row_counts,
    set_link_fields,
)
from tests.fixtures.api import ApiHarness
from zoombridge.events.models import Event, LinkState
from zoombridge.events.zoom_body import meeting_body

BASE = "/api/v1/events"


def event_body(connection_id: str, /, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "connection_id": connection_id,
        "kind": "webinar",
        "topic": "Launch webinar",
        "agenda": "What is new",
        "start": "2026-12-10T15:00:00+02:00",
        "timezone": "Europe/Helsinki",
        "duration_minutes": 90,
        "capacity": 100,
    }
    body.update(overrides)
    return body


@pytest.fixture
async def connection_id(api: ApiHarness) -> str:
    return str((await create_connection(api.http))["id"])


async def create(api: ApiHarness, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.post(BASE, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_auto_create_writes_one_pending_created_link(
    api: ApiHarness, connection_id: str
) -> None:
    event = await create(api, event_body(connection_id))

    assert event["version"] == 1
    assert event["status"] == "scheduled"
    assert event["start"] == "2026-12-10T15:00:00+02:00"
    assert event["end"] == "2026-12-10T16:30:00+02:00"
    assert event["location"] == "online"
    assert event["requires_attendee_names"] is True
    assert event["warnings"] == []
    [link] = event["links"]
    assert (link["mode"], link["want"], link["state"]) == ("created", "present", "pending")
    assert (link["desired_version"], link["synced_version"]) == (1, 0)
    assert link["kind"] == "webinar"
    assert link["zoom_meeting_id"] is None
    fetched = await api.http.get(f"{BASE}/{event['id']}")
    assert fetched.json() == event
    assert CLIENT_SECRET not in fetched.text
    assert WEBHOOK_SECRET_TOKEN not in fetched.text
    listed = (await api.http.get(BASE)).json()
    assert [e["id"] for e in listed["items"]] == [event["id"]]
    assert listed["total"] == 1
    assert listed["next_cursor"] is None


async def test_end_instead_of_duration(api: ApiHarness, connection_id: str) -> None:
    body = event_body(connection_id, duration_minutes=None, end="2026-12-10T13:45:00Z")
    event = await create(api, body)
    assert event["duration_minutes"] == 45


async def test_preview_is_exactly_what_the_worker_sends(
    api: ApiHarness, connection_id: str
) -> None:
    event = await create(api, event_body(connection_id, zoom_confirmation_email=True))
    preview = (await api.http.get(f"{BASE}/{event['id']}/preview")).json()

    async with api.sessionmaker() as session:
        stored = await session.get(Event, uuid.UUID(event["id"]))
        assert stored is not None
        expected = meeting_body(stored).to_json()
    [item] = preview["items"]
    assert item["body"] == expected
    assert item["operation"] == "webinarCreate"
    assert item["link_id"] == event["links"][0]["id"]
    assert expected["start_time"] == "2026-12-10T13:00:00Z"
    assert expected["settings"]["approval_type"] == 0


async def test_draft_preview_stores_nothing(api: ApiHarness, connection_id: str) -> None:
    before = await row_counts(api.sessionmaker)
    body = event_body(
        connection_id,
        day_mode="recurring",
        days=[
            {"start": f"2026-12-{d:02d}T09:00:00+02:00", "duration_minutes": 120} for d in (7, 8, 9)
        ],
    )
    response = await api.http.post(f"{BASE}/preview", json=body)
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert item["body"]["recurrence"] == {"type": 1, "repeat_interval": 1, "end_times": 3}
    assert item["body"]["type"] == 9
    assert await row_counts(api.sessionmaker) == before


HOST_ERROR = "is not a user of this Zoom account; fetch hosts or pick one listed"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"topic": "x" * 256}, "topic", "255"),
        ({"topic": None}, "topic", "required"),
        ({"duration_minutes": 1440}, "duration_minutes", "1,439"),
        ({"duration_minutes": 0}, "duration_minutes", "1"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA"),
        ({"start": "2026-12-10T15:00:00"}, "start", "offset from UTC"),
        (
            {"duration_minutes": None, "end": "2026-12-10T12:00:00Z"},
            "end",
            "after the start",
        ),
        (
            {"duration_minutes": None, "end": "2026-12-11T14:00:00Z"},
            "end",
            "23 h 59 min",
        ),
        ({"end": "2026-12-10T16:00:00Z"}, "end", "not both"),
        ({"capacity": 0}, "capacity", "1"),
        ({"connection_id": str(uuid.UUID(int=7))}, "connection_id", "no Zoom connection"),
        ({"host": "stranger@example.com"}, "host", HOST_ERROR),
        ({"zoom": {"mode": "link"}}, "zoom.meeting_id", "id to link"),
        ({"zoom": {"mode": "link", "meeting_id": 999}}, "zoom.meeting_id", "not in this"),
        ({"zoom": {"mode": "link", "meeting_id": 555}}, "zoom.meeting_id", "is a meeting"),
        (
            {
                "day_mode": "recurring",
                "days": [
                    {"start": "2026-12-07T09:00:00+02:00", "duration_minutes": 60},
                    {"start": "2026-12-08T09:00:00+02:00", "duration_minutes": 60},
                    {"start": "2026-12-10T09:00:00+02:00", "duration_minutes": 60},
                ],
            },
            "days",
            "not evenly spaced",
        ),
        (
            {"days": [{"start": "2026-12-07T09:00:00+02:00", "duration_minutes": 60}]},
            "days",
            "day_mode",
        ),
        ({"slots": [{"start": "2026-12-07T09:00:00+02:00"}]}, "slots[0].duration_minutes", "slot"),
        ({"unexpected": 1}, "unexpected", ""),
    ],
)
async def test_bad_input_is_refused_with_field_errors_and_stores_nothing(
    api: ApiHarness, connection_id: str, overrides: dict[str, Any], field: str, words: str
) -> None:
    # Hosts and meeting choices were fetched: only those may be used.
    await add_host(api.sessionmaker, connection_id)
    await add_choice(api.sessionmaker, connection_id, 555, kind="meeting")
    before = await row_counts(api.sessionmaker)

    response = await api.http.post(BASE, json=event_body(connection_id, **overrides))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors, errors
    assert words in errors[field]
    assert await row_counts(api.sessionmaker) == before


async def test_an_empty_request_names_every_missing_field_in_one_answer(
    api: ApiHarness,
) -> None:
    before = await row_counts(api.sessionmaker)
    response = await api.http.post(BASE, json={})
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert {"connection_id", "topic", "timezone", "start", "duration_minutes"} <= set(errors)
    assert "connection" in errors["connection_id"]
    # An unknown connection is one problem among the others, not the only one reported.
    response = await api.http.post(BASE, json={"connection_id": str(uuid.uuid4())})
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert {"connection_id", "topic", "start"} <= set(errors)
    assert "no Zoom connection" in errors["connection_id"]
    assert await row_counts(api.sessionmaker) == before


async def test_unknown_host_message_names_the_host(api: ApiHarness, connection_id: str) -> None:
    await add_host(api.sessionmaker, connection_id)
    response = await api.http.post(BASE, json=event_body(connection_id, host="ghost@example.com"))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error == {
        "field": "host",
        "message": f"host 'ghost@example.com' {HOST_ERROR}",
    }


async def test_known_host_by_email_or_id(api: ApiHarness, connection_id: str) -> None:
    await add_host(api.sessionmaker, connection_id)
    by_email = await create(api, event_body(connection_id, host="host.one@EXAMPLE.com"))
    assert (by_email["host_zoom_user_id"], by_email["host_email"]) == (
        "host-user-1",
        "host.one@example.com",
    )
    by_id = await create(api, event_body(connection_id, host="host-user-1"))
    assert by_id["host_zoom_user_id"] == "host-user-1"


async def test_host_is_kept_as_given_before_hosts_are_fetched(
    api: ApiHarness, connection_id: str
) -> None:
    event = await create(api, event_body(connection_id, host="Someone@Example.com"))
    assert (event["host_zoom_user_id"], event["host_email"]) == (None, "someone@example.com")


async def test_link_existing_meeting_takes_its_details(api: ApiHarness, connection_id: str) -> None:
    await add_choice(
        api.sessionmaker, connection_id, 8811, kind="webinar", topic="Existing webinar", zoom_type=5
    )
    body = event_body(connection_id, zoom={"mode": "link", "meeting_id": 8811})
    for name in ("topic", "start", "timezone", "duration_minutes"):
        del body[name]
    event = await create(api, body)

    assert event["topic"] == "Existing webinar"
    assert event["start"] == "2026-12-01T12:00:00+02:00"
    assert event["duration_minutes"] == 60
    [link] = event["links"]
    assert (link["mode"], link["zoom_meeting_id"], link["zoom_type"]) == ("linked", 8811, 5)
    assert link["zoom_host_id"] == "host-user-1"
    assert event["requires_attendee_names"] is True
    # Nothing for zoombridge to create: the preview is empty.
    assert (await api.http.get(f"{BASE}/{event['id']}/preview")).json()["items"] == []


async def test_no_zoom_meeting_means_no_links_and_a_warning(
    api: ApiHarness, connection_id: str
) -> None:
    event = await create(api, event_body(connection_id, zoom={"mode": "none"}))
    assert event["links"] == []
    assert event["requires_attendee_names"] is False
    assert any("No Zoom meeting" in w for w in event["warnings"])


async def test_registration_off_is_warned(api: ApiHarness, connection_id: str) -> None:
    event = await create(api, event_body(connection_id, registration_enabled=False))
    assert any("not restrict access to buyers" in w for w in event["warnings"])


async def test_recurring_days_are_one_link(api: ApiHarness, connection_id: str) -> None:
    days = [
        {"start": f"2026-12-{d:02d}T09:00:00+02:00", "duration_minutes": 120} for d in (9, 7, 8)
    ]
    event = await create(api, event_body(connection_id, day_mode="recurring", days=days))

    assert len(event["links"]) == 1
    assert event["links"][0]["session_id"] is None
    assert [s["start"] for s in event["sessions"]] == [
        f"2026-12-0{d}T09:00:00+02:00" for d in (7, 8, 9)
    ]
    assert all(s["status"] == "not_started" for s in event["sessions"])
    assert event["start"] == "2026-12-07T09:00:00+02:00"
    assert event["duration_minutes"] == 120


async def test_per_day_makes_a_link_per_day(api: ApiHarness, connection_id: str) -> None:
    days = [
        {"start": "2026-12-07T09:00:00+02:00", "duration_minutes": 60, "label": "Day 1"},
        {"start": "2026-12-09T13:00:00+02:00", "duration_minutes": 90, "label": "Day 2"},
    ]
    event = await create(api, event_body(connection_id, day_mode="per_day", days=days))
    sessions = {s["id"]: s for s in event["sessions"]}
    assert {link["session_id"] for link in event["links"]} == set(sessions)

    preview = (await api.http.get(f"{BASE}/{event['id']}/preview")).json()["items"]
    bodies = {sessions[i["session_id"]]["label"]: i["body"] for i in preview}
    assert bodies["Day 2"]["topic"] == "Launch webinar — Day 2"
    assert bodies["Day 2"]["duration"] == 90
    assert bodies["Day 2"]["start_time"] == "2026-12-09T11:00:00Z"


async def test_slots_each_have_their_own_meeting(api: ApiHarness, connection_id: str) -> None:
    await add_choice(api.sessionmaker, connection_id, 4242, kind="webinar", zoom_type=5)
    slots = [
        {"start": "2026-12-07T09:00:00+02:00", "label": "Morning"},
        {
            "start": "2026-12-07T14:00:00+02:00",
            "duration_minutes": 45,
            "label": "Afternoon",
            "zoom": {"mode": "link", "meeting_id": 4242},
        },
    ]
    body = event_body(connection_id, slots=slots, slot_duration_minutes=30)
    del body["start"], body["duration_minutes"]
    event = await create(api, body)

    by_label = {s["label"]: s for s in event["sessions"]}
    assert by_label["Morning"]["duration_minutes"] == 30
    assert by_label["Afternoon"]["duration_minutes"] == 45
    links = {link["session_id"]: link for link in event["links"]}
    assert links[by_label["Morning"]["id"]]["mode"] == "created"
    assert links[by_label["Afternoon"]["id"]]["zoom_meeting_id"] == 4242


async def test_update_of_name_or_time_bumps_versions(api: ApiHarness, connection_id: str) -> None:
    event = await create(api, event_body(connection_id))
    link_id = event["links"][0]["id"]
    await set_link_fields(
        api.sessionmaker,
        link_id,
        state=LinkState.SYNCED,
        synced_version=1,
        zoom_meeting_id=9001,
        not_before=datetime.now(UTC) + timedelta(hours=1),
    )

    # Not something Zoom shows: no bump.
    quiet = await api.http.patch(
        f"{BASE}/{event['id']}", json={"location": "Room 4", "capacity": 5}
    )
    assert quiet.status_code == 200, quiet.text
    assert quiet.json()["version"] == 1
    assert quiet.json()["links"][0]["state"] == "synced"

    moved = await api.http.patch(
        f"{BASE}/{event['id']}", json={"start": "2026-12-10T16:00:00+02:00"}
    )
    assert moved.status_code == 200, moved.text
    answer = moved.json()
    assert answer["version"] == 2
    assert answer["duration_minutes"] == 90  # a move keeps the length
    [link] = answer["links"]
    assert (link["state"], link["desired_version"], link["synced_version"]) == ("pending", 2, 1)
    assert link["not_before"] is None
    assert link["id"] == link_id

    renamed = (await api.http.patch(f"{BASE}/{event['id']}", json={"topic": "New name"})).json()
    assert renamed["version"] == 3
    assert renamed["links"][0]["desired_version"] == 3


async def test_bad_update_changes_nothing(api: ApiHarness, connection_id: str) -> None:
    event = await create(api, event_body(connection_id))
    for bad in ({"duration_minutes": 2000}, {"topic": "y" * 300}, {"timezone": "Nowhere/City"}):
        response = await api.http.patch(f"{BASE}/{event['id']}", json=bad)
        assert response.status_code == 422
    after = (await api.http.get(f"{BASE}/{event['id']}")).json()
    assert after == event


async def test_per_day_update_adds_and_releases_day_meetings(
    api: ApiHarness, connection_id: str
) -> None:
    days = [
        {"start": "2026-12-07T09:00:00+02:00", "duration_minutes": 60},
        {"start": "2026-12-08T09:00:00+02:00", "duration_minutes": 60},
    ]
    event = await create(api, event_body(connection_id, day_mode="per_day", days=days))
    first_links = {link["session_id"]: link["id"] for link in event["links"]}

    three = [*days, {"start": "2026-12-09T09:00:00+02:00", "duration_minutes": 60}]
    grown = (await api.http.patch(f"{BASE}/{event['id']}", json={"days": three})).json()
    assert len(grown["sessions"]) == 3
    present = [link for link in grown["links"] if link["want"] == "present"]
    assert len(present) == 3
    # The first two days kept their meetings (nothing about them changed).
    assert {link["id"] for link in present} >= set(first_links.values())
    assert grown["version"] == 1

    one = (await api.http.patch(f"{BASE}/{event['id']}", json={"days": days[:1]})).json()
    assert len(one["sessions"]) == 1
    wants = sorted(link["want"] for link in one["links"])
    assert wants == ["absent", "absent", "present"]
    assert one["version"] == 2


async def test_switching_from_create_to_link_releases_the_created_meeting(
    api: ApiHarness, connection_id: str
) -> None:
    await add_choice(api.sessionmaker, connection_id, 7777, kind="webinar", zoom_type=5)
    event = await create(api, event_body(connection_id))
    changed = await api.http.patch(
        f"{BASE}/{event['id']}", json={"zoom": {"mode": "link", "meeting_id": 7777}}
    )
    assert changed.status_code == 200, changed.text
    links = {(link["mode"], link["want"]) for link in changed.json()["links"]}
    assert links == {("created", "absent"), ("linked", "present")}


async def test_delete_cancels_and_releases_every_link(api: ApiHarness, connection_id: str) -> None:
    days = [{"start": f"2026-12-0{d}T09:00:00+02:00", "duration_minutes": 60} for d in (7, 8)]
    event = await create(api, event_body(connection_id, day_mode="per_day", days=days))

    response = await api.http.delete(f"{BASE}/{event['id']}")
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "cancelled"
    assert {(link["want"], link["state"]) for link in answer["links"]} == {("absent", "pending")}
    # Cancelled events cannot change; deleting again is harmless.
    assert (await api.http.patch(f"{BASE}/{event['id']}", json={"topic": "x"})).status_code == 409
    assert (await api.http.delete(f"{BASE}/{event['id']}")).status_code == 200
    scheduled = (await api.http.get(f"{BASE}?status=scheduled")).json()
    assert scheduled == {"items": [], "next_cursor": None, "total": 0}


async def test_approval_warning_and_fix(api: ApiHarness, connection_id: str) -> None:
    event = await create(api, event_body(connection_id))
    refused = await api.http.post(f"{BASE}/{event['id']}/fix-approval")
    assert refused.status_code == 409  # nothing read from Zoom yet: nothing to fix

    link_id = event["links"][0]["id"]
    await set_link_fields(
        api.sessionmaker, link_id, state=LinkState.SYNCED, synced_version=1, approval_type=1
    )
    shown = (await api.http.get(f"{BASE}/{event['id']}")).json()
    assert "manual approval" in shown["links"][0]["approval_warning"]

    fixed = await api.http.post(f"{BASE}/{event['id']}/fix-approval")
    assert fixed.status_code == 202
    [link] = fixed.json()["links"]
    assert link["fix_approval_requested"] is True
    assert link["state"] == "pending"
    assert "A fix is requested" in link["approval_warning"]


async def test_occurrence_mismatch_is_warned(api: ApiHarness, connection_id: str) -> None:
    await add_choice(api.sessionmaker, connection_id, 6060, kind="webinar", zoom_type=9)
    days = [{"start": f"2026-12-0{d}T09:00:00+02:00", "duration_minutes": 60} for d in (7, 8, 9)]
    event = await create(
        api,
        event_body(
            connection_id,
            day_mode="recurring",
            days=days,
            zoom={"mode": "link", "meeting_id": 6060},
        ),
    )
    [link] = event["links"]
    assert link["occurrence_warning"] is None

    def ms(day: int) -> str:
        return str(int(datetime(2026, 12, day, 7, 0, tzinfo=UTC).timestamp() * 1000))

    await set_link_fields(api.sessionmaker, link["id"], occurrence_ids=[ms(7), ms(8)])
    two = (await api.http.get(f"{BASE}/{event['id']}")).json()["links"][0]
    assert "2 occurrence(s) but the event has 3 day(s)" in two["occurrence_warning"]

    await set_link_fields(api.sessionmaker, link["id"], occurrence_ids=[ms(7), ms(8), ms(10)])
    moved = (await api.http.get(f"{BASE}/{event['id']}")).json()["links"][0]
    assert "2026-12-10 09:00" in moved["occurrence_warning"]

    await set_link_fields(api.sessionmaker, link["id"], occurrence_ids=[ms(7), ms(8), ms(9)])
    agreed = (await api.http.get(f"{BASE}/{event['id']}")).json()["links"][0]
    assert agreed["occurrence_warning"] is None


async def test_sync_now_makes_failed_and_waiting_links_due(
    api: ApiHarness, connection_id: str
) -> None:
    event = await create(api, event_body(connection_id))
    link_id = event["links"][0]["id"]
    await set_link_fields(
        api.sessionmaker,
        link_id,
        state=LinkState.FAILED,
        attempts=4,
        last_error="Zoom refused: cannot schedule for this host.",
        not_before=datetime.now(UTC) + timedelta(hours=2),
    )
    failed = (await api.http.get(f"{BASE}/{event['id']}")).json()["links"][0]
    assert failed["last_error"] == "Zoom refused: cannot schedule for this host."

    response = await api.http.post(f"{BASE}/{event['id']}/sync")
    assert response.status_code == 202
    [link] = response.json()["links"]
    assert (link["state"], link["not_before"], link["attempts"]) == ("pending", None, 0)


async def test_sessions_with_status(api: ApiHarness, connection_id: str) -> None:
    sessions = [
        {"start": "2026-12-10T15:00:00+02:00", "duration_minutes": 30, "label": "Keynote"},
        {"start": "2026-12-10T15:30:00+02:00", "duration_minutes": 60, "label": "Workshop"},
    ]
    event = await create(api, event_body(connection_id, sessions=sessions))
    assert [(s["label"], s["kind"], s["status"]) for s in event["sessions"]] == [
        ("Keynote", "session", "not_started"),
        ("Workshop", "session", "not_started"),
    ]
    # Sessions share the event's meeting.
    assert len(event["links"]) == 1


async def test_unknown_event_is_404(api: ApiHarness) -> None:
    for response in (
        await api.http.get(f"{BASE}/{uuid.uuid4()}"),
        await api.http.patch(f"{BASE}/{uuid.uuid4()}", json={"topic": "x"}),
        await api.http.post(f"{BASE}/{uuid.uuid4()}/sync"),
    ):
        assert response.status_code == 404


async def test_connection_in_use_cannot_be_deleted(api: ApiHarness, connection_id: str) -> None:
    await create(api, event_body(connection_id))
    response = await api.http.delete(f"/api/v1/connections/{connection_id}")
    assert response.status_code == 409
    assert "used by 1 event" in response.json()["detail"]


async def test_a_single_event_is_one_session_that_follows_it(
    api: ApiHarness, connection_id: str
) -> None:
    event = await create(api, event_body(connection_id))
    [only] = event["sessions"]
    assert (only["kind"], only["status"], only["start"]) == (
        "session",
        "not_started",
        "2026-12-10T15:00:00+02:00",
    )

    moved = await api.http.patch(
        f"{BASE}/{event['id']}", json={"start": "2026-12-11T10:00:00+02:00", "duration_minutes": 30}
    )
    [after] = moved.json()["sessions"]
    assert after["id"] == only["id"]  # the same row: a status set by Zoom's webhooks stays
    assert (after["start"], after["duration_minutes"]) == ("2026-12-11T10:00:00+02:00", 30)


async def test_field_errors_name_the_position_sent(api: ApiHarness, connection_id: str) -> None:
    slots = [
        {"start": "2026-12-07T14:00:00+02:00", "duration_minutes": 30},
        {"start": "2026-12-07T09:00:00+02:00"},  # the earlier one lacks a duration
    ]
    body = event_body(connection_id, slots=slots)
    response = await api.http.post(BASE, json=body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["slots[1].duration_minutes"]


async def test_a_multi_day_event_moves_through_its_days(
    api: ApiHarness, connection_id: str
) -> None:
    days = [{"start": f"2026-12-{d:02d}T09:00:00+02:00", "duration_minutes": 60} for d in (7, 8)]
    event = await create(api, event_body(connection_id, day_mode="recurring", days=days))
    refused = await api.http.patch(f"{BASE}/{event['id']}", json={"start": "2026-12-20T09:00:00Z"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "start"

    later = [{**d, "start": d["start"].replace("09:00", "10:00")} for d in days]
    moved = (await api.http.patch(f"{BASE}/{event['id']}", json={"days": later})).json()
    assert moved["start"] == "2026-12-07T10:00:00+02:00"
    assert moved["version"] == 2
    assert moved["links"][0]["desired_version"] == 2
