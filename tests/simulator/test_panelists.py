"""A webinar's panelists and registration form: added, listed, replaced, refused when invalid,
and only on webinars of the caller's account."""

from __future__ import annotations

from tests.simulator.helpers import ZoomApi


def _webinar(zoom: ZoomApi) -> int:
    webinar_id: int = zoom.create_webinar(settings={"approval_type": 0})["id"]
    return webinar_id


def test_panelists_are_added_and_listed_once_per_email(zoom: ZoomApi) -> None:
    webinar_id = _webinar(zoom)
    assert zoom.get(f"/webinars/{webinar_id}/panelists").json()["panelists"] == []
    added = zoom.post(
        f"/webinars/{webinar_id}/panelists",
        json={"panelists": [{"email": "pam@example.com", "name": "Pam"}]},
    )
    assert added.status_code == 201
    assert added.json()["id"] == str(webinar_id)
    zoom.post(
        f"/webinars/{webinar_id}/panelists",
        json={"panelists": [{"email": "PAM@example.com", "name": "Pam Panel"}]},
    )
    listed = zoom.get(f"/webinars/{webinar_id}/panelists").json()
    assert listed["total_records"] == 1
    [pam] = listed["panelists"]
    assert (pam["email"], pam["name"]) == ("pam@example.com", "Pam Panel")
    assert pam["join_url"].startswith("https://zoom.us/w/")


def test_a_panelist_with_an_invalid_email_is_refused(zoom: ZoomApi) -> None:
    webinar_id = _webinar(zoom)
    refused = zoom.post(f"/webinars/{webinar_id}/panelists", json={"panelists": [{"email": "x"}]})
    assert refused.status_code == 400
    assert refused.json()["code"] == 300
    assert zoom.get(f"/webinars/{webinar_id}/panelists").json()["panelists"] == []


def test_panelists_need_an_email_and_come_1_to_30_at_a_time(zoom: ZoomApi) -> None:
    webinar_id = _webinar(zoom)
    path = f"/webinars/{webinar_id}/panelists"
    thirty_one = [{"email": f"p{i}@example.com"} for i in range(31)]
    for body, field in (
        ({}, "panelists"),
        ({"panelists": []}, "panelists"),
        ({"panelists": thirty_one}, "panelists"),
        ({"panelists": [{"email": "pam@example.com"}, {"name": "No Email"}]}, "panelists[1].email"),
        ({"panelists": [{"email": "pam@example.com", "name": None}]}, "panelists[0].name"),
    ):
        refused = zoom.post(path, json=body)
        assert refused.status_code == 400, body
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert zoom.get(path).json()["panelists"] == []  # nothing of a refused call was kept
    assert zoom.post(path, json={"panelists": thirty_one[:30]}).status_code == 201
    assert zoom.get(path).json()["total_records"] == 30


def test_a_panelists_name_tag_is_listed_back_and_updated(zoom: ZoomApi) -> None:
    webinar_id = _webinar(zoom)
    path = f"/webinars/{webinar_id}/panelists"
    pam = {"email": "pam@example.com", "name": "Pam", "name_tag_name": "Pam P."}
    zoom.post(path, json={"panelists": [pam]})
    zoom.post(path, json={"panelists": [{"email": "pam@example.com", "name_tag_pronouns": "she"}]})
    [listed] = zoom.get(path).json()["panelists"]
    assert (listed["name"], listed["name_tag_name"], listed["name_tag_pronouns"]) == (
        "Pam",  # an absent name keeps the one given before
        "Pam P.",
        "she",
    )
    assert "virtual_background_id" not in listed  # never given, never invented


def test_the_registration_form_starts_empty_and_is_replaced(zoom: ZoomApi) -> None:
    webinar_id = _webinar(zoom)
    path = f"/webinars/{webinar_id}/registrants/questions"
    assert zoom.get(path).json() == {"questions": [], "custom_questions": []}
    form = {
        "questions": [{"field_name": "phone", "required": True}],
        "custom_questions": [
            {"title": "Size", "type": "single_radio", "required": False, "answers": ["1", "2"]}
        ],
    }
    assert zoom.patch(path, json=form).status_code == 204
    assert zoom.get(path).json() == form
    assert zoom.patch(path, json={"questions": []}).status_code == 204
    assert zoom.get(path).json() == {"questions": [], "custom_questions": form["custom_questions"]}


def test_an_unknown_form_field_is_refused(zoom: ZoomApi) -> None:
    webinar_id = _webinar(zoom)
    path = f"/webinars/{webinar_id}/registrants/questions"
    refused = zoom.patch(path, json={"questions": [{"field_name": "shoe_size"}]})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "questions[0].field_name"
    assert zoom.get(path).json()["questions"] == []


def test_a_meeting_id_is_not_a_webinar(zoom: ZoomApi) -> None:
    meeting_id = zoom.create_meeting()["id"]
    answer = zoom.get(f"/webinars/{meeting_id}/panelists")
    assert answer.status_code == 404
    assert answer.json()["code"] == 3001


def test_form_entries_need_a_name_and_short_questions_no_choices(zoom: ZoomApi) -> None:
    webinar_id = _webinar(zoom)
    path = f"/webinars/{webinar_id}/registrants/questions"
    for body, field in (
        ({"questions": [{"required": True}]}, "questions[0].field_name"),
        ({"custom_questions": [{"type": "short"}]}, "custom_questions[0].title"),
        ({"custom_questions": [{"title": ""}]}, "custom_questions[0].title"),
        (
            {"custom_questions": [{"title": "Why?", "answers": ["x"]}]},
            "custom_questions[0].answers",
        ),
        (
            {"custom_questions": [{"title": "Why?", "type": "multiple", "answers": [1]}]},
            "custom_questions[0].answers[0]",
        ),
    ):
        refused = zoom.patch(path, json=body)
        assert refused.status_code == 400, body
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert zoom.get(path).json() == {"questions": [], "custom_questions": []}
    # A question sent without type or required is a short one, not required.
    assert zoom.patch(path, json={"custom_questions": [{"title": "Why?"}]}).status_code == 204
    assert zoom.get(path).json()["custom_questions"] == [
        {"title": "Why?", "type": "short", "required": False, "answers": []}
    ]


def test_a_webinar_without_registration_has_no_form_but_has_panelists(zoom: ZoomApi) -> None:
    webinar_id: int = zoom.create_webinar(settings={"approval_type": 2})["id"]
    path = f"/webinars/{webinar_id}/registrants/questions"
    for answer in (
        zoom.get(path),
        zoom.patch(path, json={"questions": [{"field_name": "phone", "required": True}]}),
    ):
        assert answer.status_code == 400
        assert answer.json()["code"] == 3000
        assert str(webinar_id) in answer.json()["message"]
    added = zoom.post(
        f"/webinars/{webinar_id}/panelists", json={"panelists": [{"email": "pam@example.com"}]}
    )
    assert added.status_code == 201
    # Registration turned on later: the form is Zoom's default, nothing of the refused change.
    opened = zoom.patch(f"/webinars/{webinar_id}", json={"settings": {"approval_type": 0}})
    assert opened.status_code == 204
    assert zoom.get(path).json() == {"questions": [], "custom_questions": []}
