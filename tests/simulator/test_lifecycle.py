"""Meetings that happened: past instances, participants, reports, absentees, recordings."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.fixtures.simulator import SimAdmin
from tests.simulator.helpers import ZoomApi


def _double_encode(uuid: str) -> str:
    return quote(quote(uuid, safe=""), safe="")


def test_participants_with_rejoin_and_guest(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    registrant = zoom.post(
        f"/meetings/{meeting['id']}/registrants",
        json={"email": "ann@example.com", "first_name": "Ann"},
    ).json()
    instance = sim_admin.start(meeting["id"])
    assert zoom.get(f"/meetings/{meeting['id']}").json()["status"] == "started"
    ann = sim_admin.join(meeting["id"], "Ann", email="ann@example.com")
    guest = sim_admin.join(meeting["id"], "Guest without email")
    sim_admin.advance_clock(600)
    sim_admin.leave(meeting["id"], ann["participant_uuid"])
    sim_admin.advance_clock(60)
    again = sim_admin.join(
        meeting["id"], "Ann", email="ann@example.com", participant_uuid=ann["participant_uuid"]
    )
    assert again["segments"] == 2
    sim_admin.advance_clock(300)
    sim_admin.end(meeting["id"])
    assert zoom.get(f"/meetings/{meeting['id']}").json()["status"] == "waiting"

    instances = zoom.get(f"/past_meetings/{meeting['id']}/instances").json()["meetings"]
    assert [i["uuid"] for i in instances] == [instance["uuid"]]
    details = zoom.get(f"/past_meetings/{meeting['id']}").json()
    assert details["uuid"] == instance["uuid"]
    assert details["participants_count"] == 3
    assert 15 <= details["duration"] <= 17  # whole minutes; real time passes too

    rows = zoom.get(f"/report/meetings/{meeting['id']}/participants").json()["participants"]
    ann_rows = [r for r in rows if r["name"] == "Ann"]
    assert len(ann_rows) == 2
    assert {r["registrant_id"] for r in ann_rows} == {registrant["registrant_id"]}
    short, long = sorted(r["duration"] for r in ann_rows)
    assert abs(short - 300) <= 1  # whole seconds, and real time passes between the calls
    assert abs(long - 600) <= 1
    assert all(r["user_email"] == "ann@example.com" for r in ann_rows)
    guest_row = next(r for r in rows if r["name"] == "Guest without email")
    assert guest_row["user_email"] == ""
    assert abs(guest_row["duration"] - 960) <= 1
    assert guest_row["status"] == "in_meeting"
    assert guest["participant_uuid"] != ann["participant_uuid"]
    past = zoom.get(f"/past_meetings/{meeting['id']}/participants").json()
    assert past["total_records"] == 3


def test_reports_paginate(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    meeting = zoom.create_meeting()
    people: list[dict[str, Any]] = [
        {"name": f"P{n}", "email": f"p{n}@example.com", "segments": [[0, 100], [200, 300]]}
        for n in range(175)
    ]
    sim_admin.attendance(meeting["id"], people)
    seen = 0
    token = ""
    pages = 0
    while True:
        params: dict[str, Any] = {"page_size": 300}
        if token:
            params["next_page_token"] = token
        page = zoom.get(f"/report/meetings/{meeting['id']}/participants", params=params).json()
        assert page["total_records"] == 350
        seen += len(page["participants"])
        pages += 1
        token = page["next_page_token"]
        if not token:
            break
    assert (seen, pages) == (350, 2)
    bad = zoom.get(
        f"/report/meetings/{meeting['id']}/participants", params={"next_page_token": "nope"}
    )
    assert bad.json() == {"code": 300, "message": "Invalid next page token."}


def test_double_encoded_uuid(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    meeting = zoom.create_meeting()
    uuid = "/abc//def+ghijklmnopq=="
    sim_admin.start(meeting["id"], uuid=uuid)
    sim_admin.join(meeting["id"], "Solo")
    sim_admin.end(meeting["id"])
    for encoded in (_double_encode(uuid), quote(uuid, safe="")):
        details = zoom.get(f"/past_meetings/{encoded}")
        assert details.status_code == 200, details.text
        assert details.json()["uuid"] == uuid
    rows = zoom.get(f"/report/meetings/{_double_encode(uuid)}/participants").json()
    assert [r["name"] for r in rows["participants"]] == ["Solo"]
    plain = "ab/cd+efghijklmnopqrst=="
    sim_admin.start(meeting["id"], uuid=plain)
    sim_admin.end(meeting["id"])
    single = zoom.get(f"/past_meetings/{quote(plain, safe='')}/participants")
    assert single.status_code == 200
    assert single.json()["total_records"] == 0


def test_webinar_participants_and_absentees(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    webinar = zoom.create_webinar(settings={"approval_type": 0})
    zoom.post(
        f"/webinars/{webinar['id']}/batch_registrants",
        json={
            "auto_approve": True,
            "registrants": [
                {"email": f"w{n}@example.com", "first_name": f"W{n}"} for n in range(5)
            ],
        },
    )
    sim_admin.attendance(
        webinar["id"],
        [
            {"name": "W0", "email": "w0@example.com", "segments": [[0, 3600]]},
            {"name": "W1", "email": "w1@example.com", "segments": [[60, 120], [300, 900]]},
            {"name": "Walk-in", "segments": [[0, 10]]},
        ],
    )
    instances = zoom.get(f"/past_webinars/{webinar['id']}/instances").json()["webinars"]
    assert len(instances) == 1
    past = zoom.get(f"/past_webinars/{webinar['id']}/participants").json()
    assert past["total_records"] == 4
    report = zoom.get(f"/report/webinars/{webinar['id']}/participants").json()
    w1 = [r for r in report["participants"] if r["name"] == "W1"]
    assert len(w1) == 2
    assert all(r["registrant_id"] for r in w1)
    absent = zoom.get(
        f"/past_webinars/{instances[0]['uuid']}/absentees", params={"page_size": 2}
    ).json()
    assert absent["total_records"] == 3
    assert len(absent["registrants"]) == 2
    rest = zoom.get(
        f"/past_webinars/{instances[0]['uuid']}/absentees",
        params={"page_size": 2, "next_page_token": absent["next_page_token"]},
    ).json()
    emails = {r["email"] for r in absent["registrants"] + rest["registrants"]}
    assert emails == {"w2@example.com", "w3@example.com", "w4@example.com"}


def test_recordings(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    meeting = zoom.create_meeting()
    none = zoom.get(f"/meetings/{meeting['id']}/recordings")
    assert none.status_code == 404
    assert none.json() == {"code": 3301, "message": "There is no recording for this meeting."}
    instance = sim_admin.start(meeting["id"])
    sim_admin.advance_clock(1800)
    sim_admin.end(meeting["id"])
    sim_admin.record(meeting["id"])
    by_id = zoom.get(
        f"/meetings/{meeting['id']}/recordings", params={"include_fields": "download_access_token"}
    ).json()
    assert by_id["uuid"] == instance["uuid"]
    assert by_id["download_access_token"]
    assert by_id["recording_count"] == len(by_id["recording_files"])
    for file in by_id["recording_files"]:
        assert file["status"] == "completed"
        assert file["download_url"].startswith("https://")
        assert file["meeting_id"] == instance["uuid"]
    by_uuid = zoom.get(f"/meetings/{_double_encode(instance['uuid'])}/recordings").json()
    assert by_uuid["id"] == meeting["id"]


def test_unknown_past_meeting_is_3001(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    meeting = zoom.create_meeting()
    assert zoom.get(f"/past_meetings/{meeting['id']}").status_code == 404  # never held
    assert zoom.get("/past_meetings/nosuchuuid%3D%3D/participants").json()["code"] == 3001
    assert zoom.get("/past_meetings/99999999999/instances").status_code == 404


def test_admin_lifecycle_errors(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    meeting = zoom.create_meeting()
    assert sim_admin.http.post(f"/meetings/{meeting['id']}/end").status_code == 409
    sim_admin.start(meeting["id"])
    assert sim_admin.http.post(f"/meetings/{meeting['id']}/start", json={}).status_code == 409
    leave = sim_admin.http.post(
        f"/meetings/{meeting['id']}/participants", json={"action": "leave", "participant_uuid": "x"}
    )
    assert leave.status_code == 409
    assert sim_admin.http.post("/meetings/1/start", json={}).status_code == 404
