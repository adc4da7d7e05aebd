"""Requests are checked as Zoom's specs describe them: wrong types, nulls, values outside an
enum or a bound are refused with Zoom's 300 naming the field; unknown fields are ignored; times
are always well-formed date-times; `option=` and paging are honoured or refused as Zoom does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.simulator.helpers import ZoomApi


def _refused_fields(response: Any) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["code"], body["message"]) == (300, "Validation Failed.")
    return [e["field"] for e in body["errors"]]


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("meetings", {"settings": {"alternative_hosts": 0}}, "settings.alternative_hosts"),
        ("meetings", {"settings": {"host_video": None}}, "settings.host_video"),
        ("meetings", {"settings": {"approval_type": True}}, "settings.approval_type"),
        ("meetings", {"settings": {"jbh_time": 7}}, "settings.jbh_time"),
        ("meetings", {"tracking_fields": [{"field": 0}]}, "tracking_fields[0].field"),
        ("meetings", {"tracking_fields": [{"value": "x"}]}, "tracking_fields[0].field"),
        ("meetings", {"duration": 60.0}, "duration"),
        ("meetings", {"agenda": None}, "agenda"),
        (
            "meetings",
            {"settings": {"waiting_room_options": {"mode": "sometimes"}}},
            "settings.waiting_room_options.mode",
        ),
        (
            "webinars",
            {"settings": {"registrants_restrict_number": -1}},
            "settings.registrants_restrict_number",
        ),
        ("webinars", {"settings": {"question_and_answer": []}}, "settings.question_and_answer"),
        ("webinars", {"type": 2}, "type"),
    ],
)
def test_wrong_types_nulls_and_values_outside_the_spec_name_their_field(
    zoom: ZoomApi, kind: str, body: dict[str, Any], field: str
) -> None:
    response = zoom.post(f"/users/me/{kind}", json={"topic": "Checked", **body})
    assert field in _refused_fields(response)


def test_one_answer_names_every_bad_field(zoom: ZoomApi) -> None:
    response = zoom.post(
        "/users/me/meetings",
        json={"duration": "60", "settings": {"host_video": "yes", "audio": "loud"}},
    )
    assert sorted(_refused_fields(response)) == [
        "duration",
        "settings.audio",
        "settings.host_video",
    ]


def test_updates_are_checked_like_creates(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting()
    response = zoom.patch(f"/meetings/{meeting['id']}", json={"settings": {"mute_upon_entry": 1}})
    assert _refused_fields(response) == ["settings.mute_upon_entry"]
    assert zoom.get(f"/meetings/{meeting['id']}").json()["settings"]["mute_upon_entry"] is False


def test_unknown_fields_are_ignored_and_not_shown_back(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(
        settings={"approval_type": 0, "not_a_zoom_setting": True}, invented=1
    )
    assert "not_a_zoom_setting" not in meeting["settings"]
    assert meeting["settings"]["approval_type"] == 0
    webinar = zoom.create_webinar(settings={"join_before_host": True})  # a meeting setting
    assert "join_before_host" not in webinar["settings"]


def test_years_below_1000_keep_four_digits(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(start_time="0051-01-24T21:25:48Z")
    assert meeting["start_time"] == "0051-01-24T21:25:48Z"
    assert zoom.get(f"/meetings/{meeting['id']}").json()["start_time"] == "0051-01-24T21:25:48Z"
    recurring = zoom.create_webinar(
        type=9,
        start_time="0999-12-30T10:00:00Z",
        recurrence={"type": 1, "end_times": 3},
    )
    shown = zoom.get(
        f"/webinars/{recurring['id']}", params={"show_previous_occurrences": "true"}
    ).json()
    starts = [o["start_time"] for o in shown["occurrences"]]
    assert starts == ["0999-12-30T10:00:00Z", "0999-12-31T10:00:00Z", "1000-01-01T10:00:00Z"]


def test_times_at_the_edges_of_the_calendar(zoom: ZoomApi) -> None:
    # 0001-01-01 00:00 in Tokyo is before the first instant a datetime holds in UTC.
    too_early = zoom.post(
        "/users/me/meetings",
        json={"start_time": "0001-01-01T00:00:00", "timezone": "Asia/Tokyo"},
    )
    assert _refused_fields(too_early) == ["start_time"]
    # A daily series from the last day there is: the occurrences that fit, no server error.
    last = zoom.create_meeting(
        type=8,
        start_time="9999-12-31T10:00:00Z",
        timezone="America/New_York",
        recurrence={"type": 1, "end_times": 5},
    )
    assert [o["start_time"] for o in last["occurrences"]] == ["9999-12-31T10:00:00Z"]


def test_weekly_days_take_a_comma_separated_list(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(
        type=8,
        start_time="2030-01-06T10:00:00Z",  # a Sunday
        recurrence={"type": 2, "weekly_days": "3,1", "end_times": 4},
    )
    assert meeting["recurrence"]["weekly_days"] == "1,3"
    days = [o["start_time"][:10] for o in meeting["occurrences"]]
    assert days == ["2030-01-06", "2030-01-08", "2030-01-13", "2030-01-15"]


def test_registrant_enums_are_checked(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    response = zoom.post(
        f"/meetings/{meeting['id']}/registrants",
        json={
            "email": "ann@example.com",
            "first_name": "Ann",
            "no_of_employees": "lots",
            "purchasing_time_frame": "soon",
            "language": "en",
        },
    )
    assert sorted(_refused_fields(response)) == [
        "language",
        "no_of_employees",
        "purchasing_time_frame",
    ]


@pytest.mark.parametrize(
    ("given", "answered"), [("500-1,000", "501-1,000"), ("101-500", ""), ("21-50", "21-50")]
)
def test_employee_counts_are_answered_from_the_answer_list(
    zoom: ZoomApi, given: str, answered: str
) -> None:
    meeting = zoom.create_meeting(settings={"approval_type": 0})
    added = zoom.post(
        f"/meetings/{meeting['id']}/registrants",
        json={"email": "ann@example.com", "first_name": "Ann", "no_of_employees": given},
    )
    assert added.status_code == 201, added.text
    got = zoom.get(f"/meetings/{meeting['id']}/registrants/{added.json()['registrant_id']}")
    assert got.json()["no_of_employees"] == answered


def test_webinar_registrations_have_no_auto_approve(zoom: ZoomApi) -> None:
    webinar = zoom.create_webinar(settings={"approval_type": 1})  # manual approval
    added = zoom.post(
        f"/webinars/{webinar['id']}/registrants",
        json={"email": "ann@example.com", "first_name": "Ann", "auto_approve": True},
    )
    assert added.status_code == 201
    assert "join_url" not in added.json()  # still pending: the webinar's setting decides


def test_user_settings_answer_the_option_asked_for(zoom: ZoomApi) -> None:
    assert set(zoom.get("/users/me/settings").json()) == {"feature", "schedule_meeting"}
    security = zoom.get("/users/me/settings", params={"option": "meeting_security"}).json()
    assert security["meeting_security"]["encryption_type"] == "enhanced_encryption"
    meeting_auth = zoom.get("/users/me/settings", params={"option": "meeting_authentication"})
    assert meeting_auth.json() == {
        "authentication_options": {
            "meeting_authentication": {
                "meeting_authentication": False,
                "allow_authentication_exception": False,
                "authentication_options": [],
            }
        }
    }
    recording = zoom.get("/users/me/settings", params={"option": "recording_authentication"})
    assert list(recording.json()["authentication_options"]) == ["recording_authentication"]
    assert _refused_fields(zoom.get("/users/me/settings", params={"option": "all"})) == ["option"]


def test_user_settings_custom_query_fields_keep_only_those_fields(zoom: ZoomApi) -> None:
    only = zoom.get(
        "/users/me/settings", params={"custom_query_fields": "host_video,webinar, nothing"}
    )
    assert only.json() == {"feature": {"webinar": True}, "schedule_meeting": {"host_video": False}}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/users", {"page_number": "0"}, "page_number"),
        ("/users", {"page_number": "-1"}, "page_number"),
        ("/users", {"page_number": "first"}, "page_number"),
        ("/users", {"page_size": "0"}, "page_size"),
        ("/users", {"page_size": "2001"}, "page_size"),
        ("/users/me/meetings", {"page_number": "-3"}, "page_number"),
        ("/users/me/meetings", {"page_size": "301"}, "page_size"),
        ("/users/me/meetings", {"page_size": "30.5"}, "page_size"),
        ("/users/me/webinars", {"page_number": "0"}, "page_number"),
        ("/users/me/meetings", {"from": "2030-02-30"}, "from"),
        ("/users/me", {"login_type": "5"}, "login_type"),
        ("/users/me", {"encrypted_email": "maybe"}, "encrypted_email"),
    ],
)
def test_out_of_range_paging_and_bad_query_values_are_refused(
    zoom: ZoomApi, path: str, params: dict[str, str], field: str
) -> None:
    assert _refused_fields(zoom.get(path, params=params)) == [field]


def test_page_number_picks_the_page(zoom: ZoomApi) -> None:
    for n in range(5):
        zoom.create_meeting(topic=f"M{n}")
    second = zoom.get("/users/me/meetings", params={"page_size": 2, "page_number": 2}).json()
    assert second["page_number"] == 2
    assert [m["topic"] for m in second["meetings"]] == ["M2", "M3"]
    beyond = zoom.get("/users/me/meetings", params={"page_size": 2, "page_number": 9}).json()
    assert beyond["meetings"] == []


def test_screen_share_meetings_are_made_and_listed_as_type_10(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(type=10)
    assert meeting["type"] == 10
    listed = zoom.get("/users/me/meetings").json()["meetings"]
    assert [m["type"] for m in listed if m["id"] == meeting["id"]] == [10]
