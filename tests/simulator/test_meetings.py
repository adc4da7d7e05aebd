"""Meetings and webinars: create/get/list/update/delete, validation, errors."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.simulator import SimAdmin, fetch_token, simulator_config
from tests.simulator.helpers import ZoomApi
from zoombridge.simulator import SimulatorServer

ZOOM_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def test_create_scheduled_meeting_returns_zoom_shaped_object(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(
        topic="Launch",
        agenda="All hands",
        start_time="2030-03-01T09:30:00",
        timezone="Europe/Berlin",
        settings={"approval_type": 1, "host_video": True},
    )
    assert isinstance(meeting["id"], int)
    assert len(str(meeting["id"])) == 11
    assert len(meeting["uuid"]) == 24
    assert meeting["start_time"] == "2030-03-01T08:30:00Z"  # 09:30 Berlin (CET) in UTC
    assert meeting["timezone"] == "Europe/Berlin"
    assert ZOOM_TIME.match(meeting["created_at"])
    assert re.fullmatch(r"\d{6}", meeting["password"])
    assert meeting["join_url"].startswith(f"https://zoom.us/j/{meeting['id']}?pwd=")
    assert meeting["host_email"] == "host@example.com"
    assert meeting["settings"]["approval_type"] == 1
    assert meeting["settings"]["host_video"] is True
    assert meeting["settings"]["registrants_confirmation_email"] is True
    assert "registration_url" in meeting
    fetched = zoom.get(f"/meetings/{meeting['id']}").json()
    assert fetched["topic"] == "Launch"
    assert fetched["status"] == "waiting"
    assert fetched["password"] == meeting["password"]


def test_all_meeting_types(zoom: ZoomApi) -> None:
    instant = zoom.create_meeting(type=1)
    assert instant["type"] == 1
    no_fixed = zoom.create_meeting(type=3)
    assert "occurrences" not in no_fixed
    fixed = zoom.create_meeting(
        type=8, recurrence={"type": 1, "repeat_interval": 1, "end_times": 3}
    )
    assert [o["status"] for o in fixed["occurrences"]] == ["available"] * 3
    assert all(isinstance(o["occurrence_id"], str) for o in fixed["occurrences"])
    assert fixed["settings"]["registration_type"] == 1


def test_given_password_kept_and_bad_one_refused(zoom: ZoomApi) -> None:
    assert zoom.create_meeting(password="ab@-_*9")["password"] == "ab@-_*9"
    response = zoom.post("/users/me/meetings", json={"topic": "x", "password": "has space"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "password"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"topic": "x" * 201}, "topic"),
        ({"agenda": "x" * 2001}, "agenda"),
        ({"duration": 0}, "duration"),
        ({"duration": 1441}, "duration"),
        ({"duration": "60"}, "duration"),
        ({"type": 4}, "type"),
        ({"start_time": "2030-01-01 10:00"}, "start_time"),
        ({"start_time": "2030-01-01T10:00:00+02:00"}, "start_time"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"settings": {"approval_type": 5}}, "settings.approval_type"),
        ({"type": 8}, "recurrence"),
        ({"type": 8, "recurrence": {"type": 4}}, "recurrence.type"),
        ({"type": 8, "recurrence": {"type": 1, "end_times": 61}}, "recurrence.end_times"),
        ({"type": 8, "recurrence": {"type": 2, "weekly_days": "0,8"}}, "recurrence.weekly_days"),
    ],
)
def test_validation_failed_names_the_field(
    zoom: ZoomApi, body: dict[str, object], field: str
) -> None:
    response = zoom.post("/users/me/meetings", json=body)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == 300
    assert data["message"] == "Validation Failed."
    assert field in [e["field"] for e in data["errors"]]


def test_unknown_meeting_is_3001(zoom: ZoomApi) -> None:
    response = zoom.get("/meetings/12345678901")
    assert response.status_code == 404
    assert response.json() == {"code": 3001, "message": "Meeting does not exist: 12345678901."}
    webinar = zoom.get("/webinars/12345678901")
    assert webinar.json() == {"code": 3001, "message": "Webinar does not exist: 12345678901."}


def test_update_is_partial_and_delete_removes(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(topic="Before", duration=30)
    response = zoom.patch(
        f"/meetings/{meeting['id']}",
        json={"topic": "After", "settings": {"approval_type": 0}},
    )
    assert response.status_code == 204
    fetched = zoom.get(f"/meetings/{meeting['id']}").json()
    assert fetched["topic"] == "After"
    assert fetched["duration"] == 30
    assert fetched["settings"]["approval_type"] == 0
    assert fetched["settings"]["host_video"] is False
    bad = zoom.patch(f"/meetings/{meeting['id']}", json={"duration": 5000})
    assert bad.json()["code"] == 300
    assert zoom.delete(f"/meetings/{meeting['id']}").status_code == 204
    assert zoom.get(f"/meetings/{meeting['id']}").status_code == 404
    assert zoom.delete(f"/meetings/{meeting['id']}").status_code == 404


def test_occurrences_can_be_updated_and_deleted_one_by_one(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(
        type=8,
        start_time="2030-05-01T10:00:00Z",
        recurrence={"type": 1, "end_times": 3},
    )
    first, second, _ = (o["occurrence_id"] for o in meeting["occurrences"])
    assert (
        zoom.delete(f"/meetings/{meeting['id']}", params={"occurrence_id": second}).status_code
        == 204
    )
    moved = zoom.patch(
        f"/meetings/{meeting['id']}",
        params={"occurrence_id": first},
        json={"start_time": "2030-05-01T12:00:00Z", "duration": 15},
    )
    assert moved.status_code == 204
    fetched = zoom.get(f"/meetings/{meeting['id']}").json()
    statuses = {o["occurrence_id"]: o["status"] for o in fetched["occurrences"]}
    assert statuses[second] == "deleted"
    one = zoom.get(f"/meetings/{meeting['id']}", params={"occurrence_id": first}).json()
    assert one["start_time"] == "2030-05-01T12:00:00Z"
    assert one["duration"] == 15
    unknown = zoom.delete(f"/meetings/{meeting['id']}", params={"occurrence_id": "1"})
    assert unknown.json()["code"] == 300


def test_list_meetings_paginates(zoom: ZoomApi) -> None:
    ids = {zoom.create_meeting(topic=f"m{n}")["id"] for n in range(5)}
    seen: set[int] = set()
    token = ""
    pages = 0
    while True:
        params: dict[str, object] = {"page_size": 2}
        if token:
            params["next_page_token"] = token
        page = zoom.get("/users/me/meetings", params=params).json()
        assert page["total_records"] == 5
        seen |= {m["id"] for m in page["meetings"]}
        pages += 1
        token = page["next_page_token"]
        if not token:
            break
    assert seen == ids
    assert pages == 3
    assert zoom.get("/users/me/meetings", params={"page_size": 301}).json()["code"] == 300
    live = zoom.get("/users/me/meetings", params={"type": "live"}).json()
    assert live["meetings"] == []


def test_webinars_crud(zoom: ZoomApi) -> None:
    webinar = zoom.create_webinar(settings={"approval_type": 0})
    assert webinar["type"] == 5
    assert "encrypted_passcode" in webinar
    assert zoom.patch(f"/webinars/{webinar['id']}", json={"topic": "New"}).status_code == 204
    assert zoom.get(f"/webinars/{webinar['id']}").json()["topic"] == "New"
    listed = zoom.get("/users/me/webinars").json()
    assert [w["id"] for w in listed["webinars"]] == [webinar["id"]]
    # A webinar is not a meeting, and the other way round.
    assert zoom.get(f"/meetings/{webinar['id']}").status_code == 404
    assert zoom.delete(f"/webinars/{webinar['id']}").status_code == 204
    assert zoom.get(f"/webinars/{webinar['id']}").status_code == 404


def test_webinar_without_addon_is_code_200(
    simulator_factory: object,
) -> None:
    server: SimulatorServer = simulator_factory(simulator_config(webinar_addon=False))  # type: ignore[operator]
    api = ZoomApi(server, fetch_token(server))
    response = api.post("/users/me/webinars", json={"topic": "x", "type": 5})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 200
    assert body["message"].startswith("Webinar plan is missing.")
    assert api.get("/users/me/settings").json()["feature"]["webinar"] is False
    assert api.get("/users/me/webinars").json()["code"] == 200
    assert api.problems == []


def test_meetings_for_another_user_of_the_account(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    user = sim_admin.add_user("sim-account", email="second@example.com")
    meeting = zoom.create_meeting(user="second@example.com")
    assert meeting["host_id"] == user["id"]
    assert meeting["host_email"] == "second@example.com"
    mine = zoom.get("/users/me/meetings").json()
    assert meeting["id"] not in [m["id"] for m in mine["meetings"]]
