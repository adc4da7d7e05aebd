"""Registrants: single and batch adds, listing, status changes and Zoom's refusals."""

from __future__ import annotations

from typing import Any

from tests.fixtures.simulator import SimAdmin, fetch_token, simulator_config
from tests.simulator.helpers import ZoomApi


def _person(n: int, **extra: Any) -> dict[str, Any]:
    return {"email": f"person{n}@example.com", "first_name": f"P{n}", "last_name": "Test", **extra}


def test_single_add_with_automatic_approval(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    response = zoom.post(f"/meetings/{meeting['id']}/registrants", json=_person(1, city="Oslo"))
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == meeting["id"]
    assert body["topic"] == meeting["topic"]
    assert body["join_url"].startswith("https://zoom.us/w/")
    registrant = zoom.get(f"/meetings/{meeting['id']}/registrants/{body['registrant_id']}").json()
    assert registrant["status"] == "approved"
    assert registrant["city"] == "Oslo"
    assert registrant["join_url"] == body["join_url"]


def test_manual_approval_hides_join_url_until_approved(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 1})
    body = zoom.post(f"/meetings/{meeting['id']}/registrants", json=_person(1)).json()
    assert "join_url" not in body
    assert zoom.get(f"/meetings/{meeting['id']}/registrants").json()["total_records"] == 0
    pending = zoom.get(
        f"/meetings/{meeting['id']}/registrants", params={"status": "pending"}
    ).json()
    assert [r["id"] for r in pending["registrants"]] == [body["registrant_id"]]
    approve = zoom.put(
        f"/meetings/{meeting['id']}/registrants/status",
        json={"action": "approve", "registrants": [{"id": body["registrant_id"]}]},
    )
    assert approve.status_code == 204
    approved = zoom.get(f"/meetings/{meeting['id']}/registrants").json()["registrants"]
    assert approved[0]["status"] == "approved"
    assert approved[0]["join_url"]


def test_same_email_returns_the_existing_registrant(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    first = zoom.post(f"/meetings/{meeting['id']}/registrants", json=_person(1)).json()
    again = zoom.post(
        f"/meetings/{meeting['id']}/registrants",
        json={"email": "PERSON1@example.com", "first_name": "Other"},
    ).json()
    assert again["registrant_id"] == first["registrant_id"]
    assert again["join_url"] == first["join_url"]
    assert zoom.get(f"/meetings/{meeting['id']}/registrants").json()["total_records"] == 1


def test_cancel_then_add_again_reactivates(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    first = zoom.post(f"/meetings/{meeting['id']}/registrants", json=_person(1)).json()
    cancel = zoom.put(
        f"/meetings/{meeting['id']}/registrants/status",
        json={"action": "cancel", "registrants": [{"email": "person1@example.com"}]},
    )
    assert cancel.status_code == 204
    assert zoom.get(f"/meetings/{meeting['id']}/registrants").json()["total_records"] == 0
    gone = zoom.get(f"/meetings/{meeting['id']}/registrants/{first['registrant_id']}")
    assert gone.json()["code"] == 3079
    back = zoom.post(f"/meetings/{meeting['id']}/registrants", json=_person(1)).json()
    assert back["registrant_id"] == first["registrant_id"]
    state = sim_admin.meeting(meeting["id"])
    assert state["registrants"][0]["status"] == "approved"
    assert state["registrants"][0]["request_counts"] == {"registration": 2, "status": 1}


def test_deny_and_delete(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 1})
    one = zoom.post(f"/meetings/{meeting['id']}/registrants", json=_person(1)).json()
    two = zoom.post(f"/meetings/{meeting['id']}/registrants", json=_person(2)).json()
    zoom.put(
        f"/meetings/{meeting['id']}/registrants/status",
        json={"action": "deny", "registrants": [{"id": one["registrant_id"]}]},
    )
    denied = zoom.get(f"/meetings/{meeting['id']}/registrants", params={"status": "denied"}).json()
    assert [r["id"] for r in denied["registrants"]] == [one["registrant_id"]]
    deleted = zoom.delete(f"/meetings/{meeting['id']}/registrants/{two['registrant_id']}")
    assert deleted.status_code == 204
    pending = zoom.get(
        f"/meetings/{meeting['id']}/registrants", params={"status": "pending"}
    ).json()
    assert pending["total_records"] == 0


def test_registration_refusals(zoom: ZoomApi) -> None:
    closed = zoom.create_meeting()  # approval_type 2: no registration
    response = zoom.post(f"/meetings/{closed['id']}/registrants", json=_person(1))
    assert response.status_code == 400
    assert response.json() == {
        "code": 3000,
        "message": f"Registration has not been enabled for this meeting: {closed['id']}.",
    }
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    host = zoom.post(
        f"/meetings/{meeting['id']}/registrants",
        json={"email": "HOST@example.com", "first_name": "Me"},
    )
    assert host.json() == {"code": 3027, "message": "Host can not register"}
    unknown = zoom.post("/meetings/11111111111/registrants", json=_person(1))
    assert unknown.status_code == 404
    assert unknown.json()["code"] == 3001


def test_registrant_validation(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    response = zoom.post(
        f"/meetings/{meeting['id']}/registrants",
        json={"email": "not-an-email", "last_name": "x" * 65},
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"email", "first_name", "last_name"}
    long_email = "a" * 120 + "@example.com"
    too_long = zoom.post(
        f"/meetings/{meeting['id']}/registrants", json={"email": long_email, "first_name": "A"}
    )
    assert too_long.json()["errors"][0]["field"] == "email"


def test_batch_of_30_then_list_all_pages(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 1})
    emails: list[str] = []
    for batch in range(3):
        people = [_person(batch * 30 + n) for n in range(30)]
        response = zoom.post(
            f"/meetings/{meeting['id']}/batch_registrants",
            json={
                "auto_approve": True,
                "registrants_confirmation_email": False,
                "registrants": people,
            },
        )
        assert response.status_code == 201, response.text
        added = response.json()["registrants"]
        assert [r["email"] for r in added] == [p["email"] for p in people]
        assert all(r["join_url"] and r["registrant_id"] for r in added)
        emails += [p["email"] for p in people]
    listed: list[str] = []
    token = ""
    while True:
        params: dict[str, Any] = {"page_size": 40}
        if token:
            params["next_page_token"] = token
        page = zoom.get(f"/meetings/{meeting['id']}/registrants", params=params).json()
        assert page["total_records"] == 90
        assert page["page_count"] == 3
        listed += [r["email"] for r in page["registrants"]]
        token = page["next_page_token"]
        if not token:
            break
    assert listed == emails


def test_batch_limits_and_types(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    too_many = zoom.post(
        f"/meetings/{meeting['id']}/batch_registrants",
        json={"registrants": [_person(n) for n in range(31)]},
    )
    assert too_many.status_code == 400
    assert too_many.json()["code"] == 300
    recurring = zoom.create_meeting(
        type=8, settings={"approval_type": 0}, recurrence={"type": 1, "end_times": 2}
    )
    refused = zoom.post(
        f"/meetings/{recurring['id']}/batch_registrants", json={"registrants": [_person(1)]}
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == 303
    webinar = zoom.create_webinar(
        type=9, settings={"approval_type": 0}, recurrence={"type": 1, "end_times": 2}
    )
    refused_webinar = zoom.post(
        f"/webinars/{webinar['id']}/batch_registrants", json={"registrants": [_person(1)]}
    )
    assert refused_webinar.json()["code"] == 300
    bad_entry = zoom.post(
        f"/meetings/{meeting['id']}/batch_registrants",
        json={"registrants": [_person(1), {"email": "x@example.com"}]},
    )
    assert bad_entry.json()["errors"][0]["field"] == "registrants[1].first_name"


def test_capacity_3043(simulator_factory: Any) -> None:
    server = simulator_factory(simulator_config(meeting_registrant_capacity=3, webinar_capacity=2))
    api = ZoomApi(server, fetch_token(server))
    meeting = api.create_meeting(settings={"approval_type": 0})
    batch = api.post(
        f"/meetings/{meeting['id']}/batch_registrants",
        json={"registrants": [_person(n) for n in range(3)]},
    )
    assert batch.status_code == 201
    full = api.post(f"/meetings/{meeting['id']}/registrants", json=_person(9))
    assert full.status_code == 400
    assert full.json() == {
        "code": 3043,
        "message": "Meeting has reached maximum attendee capacity.",
    }
    # An existing registrant still gets their registration back.
    assert api.post(f"/meetings/{meeting['id']}/registrants", json=_person(0)).status_code == 201
    webinar = api.create_webinar(settings={"approval_type": 0})
    over = api.post(
        f"/webinars/{webinar['id']}/batch_registrants",
        json={"registrants": [_person(n) for n in range(3)]},
    )
    assert over.json()["code"] == 3043
    assert api.problems == []


def test_recurring_registration_per_occurrence(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(
        type=8,
        settings={"approval_type": 0, "registration_type": 3},
        recurrence={"type": 1, "end_times": 3},
    )
    occurrence_ids = [o["occurrence_id"] for o in meeting["occurrences"]]
    body = zoom.post(
        f"/meetings/{meeting['id']}/registrants",
        params={"occurrence_ids": ",".join(occurrence_ids[:2])},
        json=_person(1),
    ).json()
    assert [o["occurrence_id"] for o in body["occurrences"]] == occurrence_ids[:2]
    third = zoom.get(
        f"/meetings/{meeting['id']}/registrants", params={"occurrence_id": occurrence_ids[2]}
    ).json()
    assert third["total_records"] == 0
    first = zoom.get(
        f"/meetings/{meeting['id']}/registrants", params={"occurrence_id": occurrence_ids[0]}
    ).json()
    assert first["total_records"] == 1
    bad = zoom.post(
        f"/meetings/{meeting['id']}/registrants", params={"occurrence_ids": "123"}, json=_person(2)
    )
    assert bad.json()["code"] == 300


def test_meeting_over_is_3038(zoom: ZoomApi, sim_admin: SimAdmin) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    sim_admin.start(meeting["id"])
    sim_admin.end(meeting["id"])
    response = zoom.post(f"/meetings/{meeting['id']}/registrants", json=_person(1))
    assert response.status_code == 400
    assert response.json()["code"] == 3038


def test_webinar_registrants(zoom: ZoomApi) -> None:
    webinar = zoom.create_webinar(settings={"approval_type": 0})
    body = zoom.post(f"/webinars/{webinar['id']}/registrants", json=_person(1)).json()
    assert body["join_url"]
    batch = zoom.post(
        f"/webinars/{webinar['id']}/batch_registrants",
        json={"auto_approve": True, "registrants": [_person(2), _person(3)]},
    )
    assert batch.status_code == 201
    listed = zoom.get(f"/webinars/{webinar['id']}/registrants").json()
    assert listed["total_records"] == 3
    one = zoom.get(f"/webinars/{webinar['id']}/registrants/{body['registrant_id']}").json()
    assert one["email"] == "person1@example.com"
    assert (
        zoom.delete(f"/webinars/{webinar['id']}/registrants/{body['registrant_id']}").status_code
        == 204
    )
