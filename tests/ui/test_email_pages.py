"""The email and booking pages over HTTP (no browser), on both databases: SMTP form (password
never shown back), template edits refused with the reason next to the field, the mailbox only
with a sink, and the booking form's field errors."""

from __future__ import annotations

import re

from tests.fixtures.api import ApiHarness
from tests.ui.test_session import _signed_in
from zoombridge.notifications.defaults import BY_KEY
from zoombridge.notifications.sink import MailSink

SMTP_PASSWORD = "smtp-Secret-77aa"


def _field_errors(html: str) -> list[str]:
    return re.findall(r'<span class="field-error">([^<]*)</span>', html)


async def test_smtp_form_keeps_the_password_write_only(api: ApiHarness) -> None:
    client, token = await _signed_in(api)
    form = {
        "host": "smtp.example.com",
        "port": "465",
        "security": "tls",
        "username": "mailer",
        "password": SMTP_PASSWORD,
        "from_address": "bookings@example.com",
        "from_name": "Clinic",
        "timeout_seconds": "20",
        "csrf_token": token,
    }
    saved = await client.post("/settings/email", data=form)
    assert saved.status_code == 303
    page = await client.get("/settings/email")
    assert SMTP_PASSWORD not in page.text
    assert "stored — leave empty to keep it" in page.text
    assert 'value="smtp.example.com"' in page.text

    # A bad address: refused next to the field, the password not echoed, nothing changed.
    refused = await client.post(
        "/settings/email", data=form | {"from_address": "nobody", "port": "99999"}
    )
    assert refused.status_code == 422
    assert SMTP_PASSWORD not in refused.text
    assert len(_field_errors(refused.text)) == 2
    answer = await api.http.get("/api/v1/settings/smtp")
    assert answer.json()["port"] == 465
    assert answer.json()["password_set"] is True

    # Saving without a password keeps the stored one.
    kept = await client.post("/settings/email", data=form | {"password": "", "port": "587"})
    assert kept.status_code == 303
    answer = await api.http.get("/api/v1/settings/smtp")
    assert answer.json()["port"] == 587
    assert answer.json()["password_set"] is True


async def test_template_page_refuses_unknown_and_host_shortcodes(api: ApiHarness) -> None:
    client, token = await _signed_in(api)
    url = "/settings/email-templates/booking_confirmed_customer"
    page = await client.get(url)
    assert "{zoom_meeting_password}" in page.text  # the allowed shortcodes are listed

    unknown = await client.post(
        url, data={"subject": "Hi {nmae}", "body": "Body", "csrf_token": token}
    )
    assert unknown.status_code == 422
    errors = _field_errors(unknown.text)
    assert any("{nmae}" in e and "Valid shortcodes" in e for e in errors)

    host = await client.post(
        url,
        data={"subject": "Hi", "body": "Start {zoom_meeting_url_host}", "csrf_token": token},
    )
    assert host.status_code == 422
    assert any("staff emails" in e for e in _field_errors(host.text))
    stored = (await api.http.get("/api/v1/email-templates/booking_confirmed_customer")).json()
    assert stored["customised"] is False

    saved = await client.post(
        url, data={"subject": "Booked {service_name}", "body": "See you", "csrf_token": token}
    )
    assert saved.status_code == 303
    stored = (await api.http.get("/api/v1/email-templates/booking_confirmed_customer")).json()
    assert stored["subject"] == "Booked {service_name}"
    reset = await client.post(url + "/reset", data={"csrf_token": token})
    assert reset.status_code == 303
    stored = (await api.http.get("/api/v1/email-templates/booking_confirmed_customer")).json()
    assert stored["subject"] == BY_KEY["booking_confirmed_customer"].subject


async def test_mailbox_only_with_a_sink(api: ApiHarness) -> None:
    client, _ = await _signed_in(api)
    assert (await client.get("/mailbox")).status_code == 404
    assert 'href="/mailbox"' not in (await client.get("/emails")).text
    with MailSink() as sink:
        api.app.state.mail_sink = sink
        try:
            import smtplib

            with smtplib.SMTP(sink.host, sink.port) as smtp:
                smtp.sendmail(
                    "from@example.com",
                    ["to@example.com"],
                    b"Subject: Hello there\r\n\r\nThe body text.\r\n",
                )
            box = await client.get("/mailbox")
            assert box.status_code == 200
            assert "Hello there" in box.text
            assert 'href="/mailbox"' in box.text  # in the nav
            message = await client.get(f"/mailbox/{sink.messages()[0].id}")
            assert "The body text." in message.text
            assert (await client.get("/mailbox/999")).status_code == 404
        finally:
            api.app.state.mail_sink = None


async def test_booking_form_shows_field_errors(api: ApiHarness) -> None:
    client, token = await _signed_in(api)
    service = await client.post(
        "/services",
        data={"name": "Lesson", "duration_minutes": "30", "csrf_token": token},
    )
    assert service.status_code == 303
    employee = await client.post(
        "/staff", data={"name": "Ann", "email": "ann@example.com", "csrf_token": token}
    )
    assert employee.status_code == 303
    new = (await client.get("/bookings/new")).text
    service_id = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>Lesson', new)
    employee_id = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>Ann', new)
    assert service_id is not None
    assert employee_id is not None
    refused = await client.post(
        "/bookings",
        data={
            "service_id": service_id.group(1),
            "employee_id": employee_id.group(1),
            "customer_first_name": "Bo",
            "customer_email": "not-an-email",
            "date": "2030-05-01",
            "time": "25:99",
            "timezone": "UTC",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422
    assert "Give the date and time" in refused.text
    assert (await api.http.get("/api/v1/bookings")).json()["items"] == []

    booked = await client.post(
        "/bookings",
        data={
            "service_id": service_id.group(1),
            "employee_id": employee_id.group(1),
            "customer_first_name": "Bo",
            "customer_email": "bo@example.com",
            "date": "2030-05-01",
            "time": "10:00",
            "timezone": "Europe/Helsinki",
            "reminders": "custom",
            "reminder_offsets": ["1d", "1h"],
            "csrf_token": token,
        },
    )
    assert booked.status_code == 303
    page = await client.get(booked.headers["location"])
    assert "2030-05-01 10:00 Europe/Helsinki" in page.text
    assert "not Zoom-enabled" in page.text
    [booking] = (await api.http.get("/api/v1/bookings")).json()["items"]
    assert booking["reminder_offsets"] == ["1d", "1h"]
    assert booking["start_at"].startswith("2030-05-01T07:00")


async def test_resend_tickets_from_the_event_page(api: ApiHarness) -> None:
    from tests.orders.factories import create_event
    from zoombridge.db.session import transaction
    from zoombridge.orders.models import OrderStatus
    from zoombridge.orders.schemas import AttendeeIn, OrderCreate
    from zoombridge.orders.service import create_order

    client, token = await _signed_in(api)
    event = await create_event(api.sessionmaker)
    async with transaction(api.sessionmaker) as session:
        await create_order(
            session,
            event.event_id,
            OrderCreate(
                attendees=[
                    AttendeeIn(email="ada@example.com", first_name="Ada", last_name="L"),
                    AttendeeIn(email="bob@example.com", first_name="Bob", last_name="M"),
                ],
                status=OrderStatus.COMPLETED,
            ),
        )
    page = await client.get(f"/events/{event.event_id}")
    assert "Resend tickets" in page.text
    before = await api.http.get("/api/v1/emails", params={"event_id": str(event.event_id)})
    resent = await client.post(
        f"/events/{event.event_id}/resend-tickets", data={"csrf_token": token}
    )
    assert resent.status_code == 303
    flashed = await client.get(resent.headers["location"])
    assert "2 ticket email(s) queued" in flashed.text
    after = await api.http.get("/api/v1/emails", params={"event_id": str(event.event_id)})
    assert after.json()["total"] == before.json()["total"] + 2
    listing = await client.get(f"/events/{event.event_id}/notifications")
    assert listing.text.count("event_ticket") == after.json()["total"]
