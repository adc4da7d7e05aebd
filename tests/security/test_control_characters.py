"""Line breaks and other control characters are refused where they enter, field by field, with
nothing stored: in an order (API and UI form), a CSV import row, a booking, SMTP settings; and
an SMTP host name that cannot be looked up is refused before the first email would fail."""

from __future__ import annotations

import pytest

from tests.fixtures.api import ApiHarness
from tests.orders.factories import create_event
from tests.orders.helpers import people, row_counts
from tests.security.helpers import signed_in_client

EVE = "Eve\nBcc: x@example.com"


async def test_an_order_with_a_line_break_in_a_name_is_refused_naming_the_field(
    api: ApiHarness,
) -> None:
    event = await create_event(api.sessionmaker)
    before = await row_counts(api.sessionmaker)
    attendees = [*people("ada", "bob"), {"email": "eve@example.com", "first_name": EVE}]

    response = await api.http.post(
        f"/api/v1/events/{event.event_id}/orders",
        json={"attendees": attendees, "status": "completed"},
    )

    assert response.status_code == 422, response.text
    [problem] = response.json()["errors"]
    assert problem["field"] == "attendees[2].first_name"
    assert problem["message"] == (
        "Must be one line of text, without a line break; remove it and try again"
    )
    assert await row_counts(api.sessionmaker) == before


async def test_the_order_form_marks_the_name_with_the_line_break(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker)
    client, csrf = await signed_in_client(api, "desk@example.com", "desk-Pa55word!")
    form = {"csrf_token": csrf, "status": "completed"}
    for index, (email, first) in enumerate(
        [("ada@example.com", "Ada"), ("eve@example.com", EVE), ("bob@example.com", "Bob")]
    ):
        form |= {f"email_{index}": email, f"first_name_{index}": first, f"last_name_{index}": "T"}
    try:
        page = await client.post(f"/events/{event.event_id}/orders", data=form)
    finally:
        await client.aclose()
    assert page.status_code == 422
    assert "without a line break" in page.text
    assert await row_counts(api.sessionmaker) == (0, 0, 0)


async def test_a_csv_row_with_a_line_break_in_a_name_is_refused_alone(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker)
    csv_text = (
        "email,first_name,last_name\n"
        "ada@example.com,Ada,Tester\n"
        f'eve@example.com,"{EVE}",Tester\n'
        "bob@example.com,Bob,Tester\n"
    )
    response = await api.http.post(
        f"/api/v1/events/{event.event_id}/attendees.csv",
        content=csv_text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    rows = {r["email"]: r for r in response.json()["rows"]}
    assert rows["ada@example.com"]["status"] == rows["bob@example.com"]["status"] == "created"
    assert rows["eve@example.com"]["status"] == "invalid"
    assert any("line break" in e for e in rows["eve@example.com"]["errors"])
    queued = await api.http.get(f"/api/v1/emails?event_id={event.event_id}")
    tickets = sorted(
        e["to_address"] for e in queued.json()["items"] if e["template_key"] == "event_ticket"
    )
    assert tickets == ["ada@example.com", "bob@example.com"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("host", "mail..example.com"),  # an empty label: no lookup can succeed
        ("host", "mail.example.com\r\nRCPT TO:<x@example.com>"),
        ("host", "mail example.com"),
        ("from_name", "Desk\nBcc: x@example.com"),
        ("username", "desk\x00"),
    ],
)
async def test_smtp_settings_that_cannot_be_used_are_refused(
    api: ApiHarness, field: str, value: str
) -> None:
    body = {"host": "127.0.0.1", "port": 2525, "security": "none", "from_address": "d@x.test"}
    body[field] = value
    response = await api.http.put("/api/v1/settings/smtp", json=body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await api.http.get("/api/v1/settings/smtp")).status_code == 404


async def test_multi_line_fields_keep_their_line_breaks_but_not_other_controls(
    api: ApiHarness,
) -> None:
    good = {"subject": "Your ticket", "body": "Hello {attendee_first_name},\n\n\tSee you.\n"}
    ok = await api.http.put("/api/v1/email-templates/event_ticket", json=good)
    assert ok.status_code == 200, ok.text
    bad = await api.http.put(
        "/api/v1/email-templates/event_ticket", json={**good, "body": "Hello\x1b[31m"}
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["body"]
    assert "U+001B" in bad.json()["errors"][0]["message"]
    subject = await api.http.put(
        "/api/v1/email-templates/event_ticket", json={**good, "subject": "Ticket\nBcc: x"}
    )
    assert subject.status_code == 422
    assert [e["field"] for e in subject.json()["errors"]] == ["subject"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        # urlsplit drops line breaks silently, so the URL looked valid and was stored with one.
        (
            "/api/v1/connections",
            {
                "name": "Zoom",
                "account_id": "a",
                "client_id": "c",
                "client_secret": "s3cret-value",
                "api_url": "https://api.zoom.us/\nv2",
            },
            "api_url",
        ),
    ],
)
async def test_one_line_fields_that_took_line_breaks_refuse_them_now(
    api: ApiHarness, path: str, body: dict[str, str], field: str
) -> None:
    answer = await api.http.post(path, json=body)
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert (await api.http.get(path)).json()["items"] == []
