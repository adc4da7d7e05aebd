"""Booking through the UI and reading the emails in the UI (issue 4), in headless Chromium.

Set-up as an administrator would have it (a Zoom connection with its users fetched, SMTP
settings pointing at a real local SMTP server), then only the UI's own forms: sign in → a
Zoom-enabled service → a staff member mapped to a simulator user with the picker → a booking
→ the booking page shows the meeting synced → the Mailbox shows the customer's email (join link,
passcode, no host start link) and the employee's (host start link).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.simulator import SimAdmin, fetch_token
from zoombridge.notifications.sink import MailSink
from zoombridge.simulator import SimulatorServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 30_000
EMAIL = "organiser@example.com"
PASSWORD = "correct horse battery"
TIMEZONE = "Europe/Helsinki"
TUTOR_EMAIL = "tess.tutor@example.com"  # the Zoom user
STAFF_EMAIL = "tess@clinic.example.com"  # the staff record: a different email, picked by hand
CUSTOMER_EMAIL = "carl.customer@example.com"

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
    pytest.mark.timeout(180),
]


@pytest.fixture
def mail_sink() -> Iterator[MailSink]:
    with MailSink() as sink:
        yield sink


@pytest.fixture
def app(
    tmp_path: Path, mail_sink: MailSink, simulator: SimulatorServer, sim_admin: SimAdmin
) -> Iterator[Any]:
    from tests.ui.harness import AppThread
    from zoombridge.connections import service as connections
    from zoombridge.connections.schemas import ZoomConnectionCreate
    from zoombridge.notifications import service as notifications
    from zoombridge.notifications.models import SmtpSecurity
    from zoombridge.notifications.schemas import SmtpSettingsIn

    sim_admin.add_user(
        simulator.config.account_id, email=TUTOR_EMAIL, first_name="Tess", last_name="Tutor"
    )
    server = AppThread(tmp_path, drift_check_every=timedelta(minutes=5), mail_sink=mail_sink)
    server.start()
    server.create_user(EMAIL, PASSWORD)
    config = simulator.config

    async def set_up(session: AsyncSession) -> None:
        connection = await connections.create_connection(
            session,
            ZoomConnectionCreate(
                name="Simulated Zoom",
                account_id=config.account_id,
                client_id=config.client_id,
                client_secret=config.client_secret,
                api_url=simulator.api_url,
                oauth_url=simulator.oauth_url,
            ),
        )
        await connections.request_hosts(session, connection.id)
        await notifications.put_smtp(
            session,
            SmtpSettingsIn(
                host=mail_sink.host,
                port=mail_sink.port,
                security=SmtpSecurity.NONE,
                from_address="bookings@clinic.example.com",
                from_name="The clinic",
            ),
        )

    server.run(set_up)
    yield server
    server.stop()


@pytest.fixture
def browser_page() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(WAIT_MS)
            yield page
        finally:
            browser.close()


def _wait_for_hosts(app: Any) -> None:
    """The worker fetches the connection's Zoom users in the background."""
    from sqlalchemy import func, select

    from zoombridge.connections.models import ZoomHost

    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(ZoomHost)) or 0)

    deadline = time.monotonic() + WAIT_MS / 1000
    while app.run(count) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)


def _open_message(page: Any, base: str, subject: re.Pattern[str], recipient: str) -> str:
    """The text of the mailbox message to `recipient` whose subject matches."""
    from playwright.sync_api import expect

    page.goto(base + "/mailbox")
    row = page.get_by_test_id("mailbox").locator("tr", has_text=recipient)
    link = row.get_by_role("link", name=subject)
    expect(link).to_be_visible()  # the mailbox page refreshes itself while emails are pending
    link.click()
    expect(page.get_by_test_id("message-to")).to_have_text(recipient)
    text: str = page.get_by_test_id("message-text").inner_text()
    return text


def test_book_through_the_ui_and_read_the_emails(
    app: Any, browser_page: Any, simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    page = browser_page
    base = app.url
    _wait_for_hosts(app)

    page.goto(base + "/bookings")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Mailbox")).to_be_visible()

    # A Zoom-enabled service on the connection.
    nav.get_by_role("link", name="Services").click()
    page.get_by_role("link", name="New service").click()
    page.get_by_label("Name", exact=True).fill("Consultation")
    page.get_by_label("Duration (minutes)").fill("45")
    page.get_by_label(re.compile("Zoom enabled")).check()
    page.locator("select[name=connection_id]").select_option(label="Simulated Zoom")
    page.get_by_label("1 hour before").check()
    expect(page.get_by_test_id("shortcodes")).to_contain_text("{customer_name}")
    page.get_by_role("button", name="Save service").click()
    expect(page.get_by_test_id("services")).to_contain_text("Consultation")

    # A staff member whose own email matches no Zoom user: flagged until mapped by the picker.
    nav.get_by_role("link", name="Staff").click()
    page.get_by_role("link", name="New staff member").click()
    page.get_by_label("Name", exact=True).fill("Tess Tutor")
    page.get_by_label("Email", exact=True).fill(STAFF_EMAIL)
    page.locator("select[name=connection_id]").select_option(label="Simulated Zoom")
    page.get_by_role("button", name="Save").click()
    staff_row = page.get_by_test_id("staff").locator("tr", has_text="Tess Tutor")
    expect(staff_row.get_by_test_id("zoom-status")).to_have_text("unmapped")
    staff_row.get_by_role("link", name="Edit").click()
    page.get_by_test_id("zoom-user-picker").select_option(label=f"Tess Tutor <{TUTOR_EMAIL}>")
    page.get_by_role("button", name="Save").click()
    expect(staff_row.get_by_test_id("zoom-status")).to_have_text("mapped")

    # The booking, in the customer's time zone, three days ahead.
    start = (datetime.now(UTC) + timedelta(days=3)).astimezone(ZoneInfo(TIMEZONE))
    start = start.replace(hour=14, minute=30, second=0, microsecond=0)
    nav.get_by_role("link", name="Bookings").click()
    page.get_by_role("link", name="New booking").click()
    page.locator("select[name=service_id]").select_option(label="Consultation (45 min, Zoom)")
    page.locator("select[name=employee_id]").select_option(label="Tess Tutor")
    page.get_by_label("Customer first name").fill("Carl")
    page.get_by_label("Last name").fill("Customer")
    page.get_by_label("Customer email").fill(CUSTOMER_EMAIL)
    page.locator("input[name=date]").fill(start.strftime("%Y-%m-%d"))
    page.locator("input[name=time]").fill(start.strftime("%H:%M"))
    page.get_by_label("Time zone").fill(TIMEZONE)
    page.get_by_role("button", name="Book").click()

    # The booking page refreshes itself until the worker has created the meeting.
    expect(page.get_by_role("heading", name="Consultation · Carl Customer")).to_be_visible()
    expect(page.get_by_test_id("meeting-state")).to_have_text("synced")
    meeting_id = int(page.get_by_test_id("meeting-id").inner_text())
    join_url = page.get_by_test_id("join-url").inner_text()
    passcode = page.get_by_test_id("passcode").inner_text()
    # The host by name and Zoom email, not a raw Zoom user id.
    expect(page.get_by_test_id("meeting-host")).to_have_text(f"Tess Tutor <{TUTOR_EMAIL}>")
    assert re.fullmatch(r"\d{8}", passcode)
    meeting = sim_admin.meeting(meeting_id)
    tutor = next(
        u
        for u in sim_admin.account(simulator.config.account_id)["users"]
        if u["email"] == TUTOR_EMAIL
    )
    assert meeting["host_id"] == tutor["id"]
    # The passcode as Zoom itself answers it (the admin view leaves it out).
    zoom_meeting = httpx.get(
        f"{simulator.api_url}/meetings/{meeting_id}",
        headers={"Authorization": f"Bearer {fetch_token(simulator)}"},
    ).json()
    assert zoom_meeting["password"] == passcode
    assert datetime.fromisoformat(meeting["start_time"].replace("Z", "+00:00")) == start

    # The emails, read in the UI's mailbox.
    nav.get_by_role("link", name="Mailbox").click()
    customer_text = _open_message(page, base, re.compile("Your booking"), CUSTOMER_EMAIL)
    assert join_url in customer_text
    assert passcode in customer_text
    assert "zoom.us/s/" not in customer_text  # no host start link
    assert "zak=" not in customer_text
    staff_text = _open_message(page, base, re.compile("New booking"), STAFF_EMAIL)
    assert re.search(rf"https://\S+/s/{meeting_id}\?zak=\S+", staff_text), staff_text
    assert passcode in staff_text

    # The booking page lists both emails as sent.
    page.goto(base + "/bookings")
    page.get_by_test_id("bookings").get_by_role("link").first.click()
    emails = page.get_by_test_id("emails")
    expect(emails.locator("tr", has_text=CUSTOMER_EMAIL)).to_contain_text("sent")
    expect(emails.locator("tr", has_text=STAFF_EMAIL)).to_contain_text("sent")
