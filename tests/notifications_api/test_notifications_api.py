"""REST API of notifications on both databases: SMTP settings (the password write-only and
encrypted at rest), email templates (refused shortcodes change nothing; reset) and the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from tests.fixtures.api import ApiHarness
from zoombridge.notifications.defaults import BY_KEY
from zoombridge.notifications.models import EmailState
from zoombridge.notifications.outbox import enqueue
from zoombridge.notifications.reminders import booking_target, plan

PASSWORD = "smtp-pass-Zq81x"
SMTP = {
    "host": "smtp.example.com",
    "port": 587,
    "security": "starttls",
    "username": "mailer",
    "password": PASSWORD,
    "from_address": "bookings@example.com",
    "from_name": "Example clinic",
    "timeout_seconds": 20,
}


async def test_smtp_settings_round_trip_never_show_the_password(api: ApiHarness) -> None:
    assert (await api.http.get("/api/v1/settings/smtp")).status_code == 404
    put = await api.http.put("/api/v1/settings/smtp", json=SMTP)
    assert put.status_code == 200, put.text
    got = await api.http.get("/api/v1/settings/smtp")
    for answer in (put, got):
        assert PASSWORD not in answer.text
        body = answer.json()
        assert "password" not in body
        assert body["password_set"] is True
        assert body["host"] == "smtp.example.com"
        assert body["from_address"] == "bookings@example.com"

    # Stored encrypted: the column never holds the plain text.
    async with api.sessionmaker() as session:
        stored = await session.scalar(text("SELECT password FROM smtp_settings"))
        count = await session.scalar(text("SELECT count(*) FROM smtp_settings"))
    assert stored
    assert PASSWORD not in str(stored)
    assert count == 1

    # PUT without a password keeps the stored one; a second PUT updates the same row.
    changed = {k: v for k, v in SMTP.items() if k != "password"} | {"port": 2525}
    again = await api.http.put("/api/v1/settings/smtp", json=changed)
    assert again.json()["password_set"] is True
    assert again.json()["port"] == 2525
    async with api.sessionmaker() as session:
        assert await session.scalar(text("SELECT count(*) FROM smtp_settings")) == 1
        assert await session.scalar(text("SELECT password FROM smtp_settings")) == stored

    # An empty password clears it.
    cleared = await api.http.put("/api/v1/settings/smtp", json=changed | {"password": ""})
    assert cleared.json()["password_set"] is False

    assert (await api.http.delete("/api/v1/settings/smtp")).status_code == 204
    assert (await api.http.get("/api/v1/settings/smtp")).status_code == 404


async def test_smtp_settings_refuse_bad_fields_without_echoing_the_password(
    api: ApiHarness,
) -> None:
    bad = SMTP | {"from_address": "not an email", "security": "ssl3", "port": 0}
    answer = await api.http.put("/api/v1/settings/smtp", json=bad)
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert {"from_address", "security", "port"} <= fields
    assert PASSWORD not in answer.text
    assert (await api.http.get("/api/v1/settings/smtp")).status_code == 404
    assert (await api.anonymous.get("/api/v1/settings/smtp")).status_code == 401


async def test_templates_list_and_customise(api: ApiHarness) -> None:
    listing = (await api.http.get("/api/v1/email-templates")).json()["items"]
    assert {t["key"] for t in listing} == set(BY_KEY)
    staff = next(t for t in listing if t["key"] == "booking_confirmed_staff")
    assert staff["customised"] is False
    assert "zoom_meeting_url_host" in staff["shortcodes"]
    customer = next(t for t in listing if t["key"] == "booking_confirmed_customer")
    assert "zoom_meeting_url_host" not in customer["shortcodes"]

    new = {"subject": "Booked: {service_name}", "body": "Join {zoom_meeting_url}"}
    put = await api.http.put("/api/v1/email-templates/booking_confirmed_customer", json=new)
    assert put.status_code == 200, put.text
    got = (await api.http.get("/api/v1/email-templates/booking_confirmed_customer")).json()
    assert got["customised"] is True
    assert got["subject"] == new["subject"]

    reset = await api.http.delete("/api/v1/email-templates/booking_confirmed_customer")
    assert reset.status_code == 200
    got = (await api.http.get("/api/v1/email-templates/booking_confirmed_customer")).json()
    kind = BY_KEY["booking_confirmed_customer"]
    assert got["customised"] is False
    assert (got["subject"], got["body"]) == (kind.subject, kind.body)

    assert (await api.http.get("/api/v1/email-templates/nope")).status_code == 404


async def test_template_refusals_leave_the_stored_template_unchanged(api: ApiHarness) -> None:
    url = "/api/v1/email-templates/booking_confirmed_customer"
    saved = {"subject": "Booked {service_name}", "body": "Hi {customer_first_name}"}
    assert (await api.http.put(url, json=saved)).status_code == 200

    unknown = await api.http.put(url, json={"subject": "Hi {custmer_name}", "body": "x"})
    assert unknown.status_code == 422
    problem = unknown.json()
    subject_errors = [e["message"] for e in problem["errors"] if e["field"] == "subject"]
    assert subject_errors
    assert "{custmer_name}" in subject_errors[0]
    assert "Valid shortcodes" in subject_errors[0]
    assert "{customer_name}" in subject_errors[0]

    host = await api.http.put(url, json={"subject": "x", "body": "Start {zoom_meeting_url_host}"})
    assert host.status_code == 422
    body_errors = [e["message"] for e in host.json()["errors"] if e["field"] == "body"]
    assert body_errors
    assert "staff emails" in body_errors[0]

    got = (await api.http.get(url)).json()
    assert (got["subject"], got["body"]) == (saved["subject"], saved["body"])

    # The same host link is fine in a staff template.
    staff = await api.http.put(
        "/api/v1/email-templates/booking_confirmed_staff",
        json={"subject": "New booking", "body": "Start: {zoom_meeting_url_host}"},
    )
    assert staff.status_code == 200, staff.text


async def test_outbox_and_reminders_listing_filters(api: ApiHarness) -> None:
    booking_a, booking_b, event = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    async with api.sessionmaker() as session:
        a = await enqueue(
            session, "booking_confirmed_customer", "a@example.com", booking_id=booking_a
        )
        await enqueue(session, "booking_confirmed_staff", "s@example.com", booking_id=booking_a)
        await enqueue(session, "booking_confirmed_customer", "b@example.com", booking_id=booking_b)
        await enqueue(session, "event_ticket", "t@example.com", event_id=event)
        assert a is not None
        a.state = EmailState.SENT
        a.subject = "Your booking"
        a.body = "Join https://zoom.example/j/1"
        a.sent_at = now
        await plan(
            session,
            booking_target(booking_a),
            [now + timedelta(days=3)],
            ["1d", "1h"],
            now,
            booking_id=booking_a,
        )
        await session.commit()
        a_id = a.id

    async def emails(**params: str | int) -> list[dict[str, object]]:
        answer = await api.http.get("/api/v1/emails", params=params)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert page["total"] == len(page["items"]) or page["next_cursor"]
        items: list[dict[str, object]] = page["items"]
        return items

    def addresses(answer: list[dict[str, object]]) -> set[object]:
        return {e["to_address"] for e in answer}

    everything = await emails()
    assert len(everything) == 4
    assert all(e["body"] is None for e in everything)
    assert addresses(await emails(booking_id=str(booking_a))) == {"a@example.com", "s@example.com"}
    assert addresses(await emails(event_id=str(event))) == {"t@example.com"}
    sent = await emails(state="sent")
    assert addresses(sent) == {"a@example.com"}
    assert sent[0]["subject"] == "Your booking"
    assert addresses(await emails(q="YOUR BOOK")) == {"a@example.com"}  # the subject
    assert addresses(await emails(q="b@exa")) == {"b@example.com"}  # the recipient
    assert addresses(await emails(kind="booking_confirmed_customer")) == {
        "a@example.com",
        "b@example.com",
    }
    assert addresses(await emails(audience="staff")) == {"s@example.com"}
    today = now.date().isoformat()
    assert len(await emails(created_from=today, created_to=today)) == 4
    assert await emails(created_to="2020-01-01") == []
    first = (await api.http.get("/api/v1/emails", params={"limit": 3})).json()
    assert (len(first["items"]), first["total"]) == (3, 4)
    rest = (
        await api.http.get("/api/v1/emails", params={"limit": 3, "cursor": first["next_cursor"]})
    ).json()
    assert addresses(first["items"]) | addresses(rest["items"]) == addresses(everything)
    assert rest["next_cursor"] is None
    bad = await api.http.get("/api/v1/emails", params={"cursor": "%%%"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["cursor"]

    one = (await api.http.get(f"/api/v1/emails/{a_id}")).json()
    assert one["body"] == "Join https://zoom.example/j/1"
    assert (await api.http.get(f"/api/v1/emails/{uuid.uuid4()}")).status_code == 404

    reminders = await api.http.get("/api/v1/reminders", params={"booking_id": str(booking_a)})
    assert [r["offset"] for r in reminders.json()["items"]] == ["1d", "1h"]
    other = await api.http.get("/api/v1/reminders", params={"booking_id": str(booking_b)})
    assert other.json() == {"items": [], "next_cursor": None, "total": 0}
