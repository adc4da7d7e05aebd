"""The organiser's console in a real browser (headless Chromium): drift repaired, people told,
attendance shown — driven by clicks on zoombridge's pages and on the Zoom simulator's page.

Delete the webinar on the simulator page → the event "needs attention" on the list and its
page → a new order's registrations fail with the reason → "Recreate in Zoom" → everyone is
registered again with new links and emailed → move the event → the attendees' mailbox has the
change with an updated calendar file → a session run on the simulator page → the attendance
page shows the minutes and the chart.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.simulator import SimAdmin
from zoombridge.notifications.sink import MailSink
from zoombridge.simulator import SimulatorServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 20_000
EMAIL = "organiser@example.com"
PASSWORD = "correct horse battery"
TIMEZONE = "Europe/Helsinki"
PEOPLE = [("ann@example.com", "Ann", "Lee"), ("bob@example.com", "Bob", "Ray")]

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
    pytest.mark.timeout(240),
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

    # The drift check runs every few seconds here (15 min in production), so a deletion is
    # noticed even if its webhook were lost.
    server = AppThread(tmp_path, drift_check_every=timedelta(seconds=3), mail_sink=mail_sink)
    server.start()
    server.create_user(EMAIL, PASSWORD)
    config = simulator.config
    webhook_secret = secrets.token_urlsafe(16)

    async def set_up(session: AsyncSession) -> str:
        connection = await connections.create_connection(
            session,
            ZoomConnectionCreate(
                name="Simulated Zoom",
                account_id=config.account_id,
                client_id=config.client_id,
                client_secret=config.client_secret,
                webhook_secret_token=webhook_secret,
                webinar_addon=True,
                api_url=simulator.api_url,
                oauth_url=simulator.oauth_url,
            ),
        )
        await notifications.put_smtp(
            session,
            SmtpSettingsIn(
                host=mail_sink.host,
                port=mail_sink.port,
                security=SmtpSecurity.NONE,
                from_address="events@school.example.com",
                from_name="The school",
            ),
        )
        return str(connection.id)

    connection_id = server.run(set_up)
    subscription = sim_admin.subscribe(
        config.account_id, f"{server.url}/webhooks/zoom/{connection_id}", webhook_secret
    )
    assert subscription.get("validated"), subscription
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


def _reload_until(page: Any, locator: Any, what: str) -> None:
    """A settled page does not refresh itself; the organiser reloads it until it shows `what`."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        if locator.count() and what in locator.first.inner_text():
            return
        page.wait_for_timeout(300)
        page.reload()
    raise AssertionError(f"{what!r} never appeared on {page.url}: {page.inner_text('main')}")


def _mail(sink: MailSink, to: str, subject: str, join_url: str | None = None) -> Any:
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        for message in reversed(sink.messages(to=to)):
            if subject in message.subject and (join_url is None or join_url in message.text):
                return message
        time.sleep(0.2)
    subjects = [m.subject for m in sink.messages(to=to)]
    raise AssertionError(f"no {subject!r} email to {to}: {subjects}")


def _sequence(message: Any) -> int:
    [ics] = [a for a in message.attachments if a.content_type == "text/calendar"]
    found = re.search(rb"SEQUENCE:(\d+)", ics.content)
    assert found, ics.content
    return int(found.group(1))


def _order(page: Any, people: list[tuple[str, str, str]]) -> None:
    for index, (email, first, last) in enumerate(people):
        row = page.locator(".attendee-row").nth(index)
        row.get_by_label("Email").fill(email)
        row.get_by_label("First name").fill(first)
        row.get_by_label("Last name").fill(last)
    page.get_by_label("Status").select_option("completed")
    page.get_by_role("button", name="Create order").click()
    from playwright.sync_api import expect

    expect(page.get_by_test_id("order-status")).to_have_text("completed")


def test_drift_repaired_people_told_attendance_shown(
    app: Any,
    browser_page: Any,
    simulator: SimulatorServer,
    sim_admin: SimAdmin,
    mail_sink: MailSink,
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    page = browser_page
    base = app.url
    page.on("dialog", lambda dialog: dialog.accept())  # the organiser confirms what it asks

    page.goto(base + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    nav = page.get_by_role("navigation")

    # A webinar created on Zoom, and an order of two.
    start = (datetime.now(UTC) + timedelta(days=10)).astimezone(ZoneInfo(TIMEZONE))
    start = start.replace(hour=15, minute=0, second=0, microsecond=0)
    nav.get_by_role("link", name="Events").click()
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Kind").select_option("webinar")
    page.get_by_label("Create it automatically from this event").check()
    page.get_by_label("Topic").fill("Spring webinar")
    page.get_by_label("Start (local time)").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Time zone").fill(TIMEZONE)
    page.get_by_label("Duration (minutes, at most 1439)").fill("60")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_test_id("link-state")).to_have_text("synced")
    event_url = page.url
    first_id = int(page.get_by_test_id("zoom-meeting-id").inner_text())
    page.get_by_role("link", name="Orders and attendees").first.click()
    orders_url = page.url
    _order(page, PEOPLE)
    expect(page.get_by_test_id("registration-state")).to_have_text(["registered"] * 2)
    first_ticket = _mail(mail_sink, "ann@example.com", "Your ticket")

    # Someone deletes the webinar on the simulator's page.
    page.goto(f"{simulator.admin_url}/meetings/{first_id}/page")
    page.get_by_role("button", name="Delete this webinar in Zoom").click()
    expect(page.locator("body")).to_contain_text(f"{first_id} deleted in Zoom")

    # The events list and the event page say so; the join link is withdrawn.
    page.goto(base + "/events")
    _reload_until(page, page.get_by_test_id("needs-attention"), "needs attention")
    page.goto(event_url)
    expect(page.get_by_test_id("needs-attention")).to_contain_text("Deleted in Zoom")

    # An order now: its registrations fail at once with the reason.
    page.goto(orders_url)
    _order(page, [("cy@example.com", "Cy", "Tan")])
    _reload_until(page, page.get_by_test_id("registration-state"), "failed")
    expect(page.locator('[data-testid="attendee"][data-email="cy@example.com"]')).to_contain_text(
        "deleted"
    )

    # Recreate in Zoom: a new webinar, everyone registered again and sent the new link.
    page.goto(event_url)
    page.get_by_role("button", name="Recreate in Zoom").click()
    _reload_until(page, page.get_by_test_id("link-state"), "synced")
    second_id = int(page.get_by_test_id("zoom-meeting-id").inner_text())
    assert second_id != first_id
    registrants = {r["email"]: r for r in sim_admin.meeting(second_id)["registrants"]}
    assert {"ann@example.com", "bob@example.com", "cy@example.com"} <= set(registrants)
    # Ann's email carries a join link of the new webinar.
    _mail(mail_sink, "ann@example.com", "", join_url=str(second_id))
    page.goto(orders_url)
    _reload_until(page, page.get_by_test_id("registration-state"), "registered")
    expect(page.get_by_test_id("registration-state")).to_have_text(["registered"] * 3)

    # Move the event an hour: the attendees are told, with an updated calendar entry.
    page.goto(event_url)
    page.get_by_role("link", name="Edit").click()
    later = start + timedelta(hours=1)
    page.get_by_label("Start (local time)").fill(later.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save event").click()
    changed = _mail(mail_sink, "bob@example.com", "Changed")
    assert later.strftime("%H:%M") in changed.text
    assert _sequence(changed) > _sequence(first_ticket)
    page.goto(base + "/mailbox")
    bob_rows = page.get_by_test_id("mailbox").locator("tr", has_text="bob@example.com")
    expect(bob_rows.filter(has_text="Changed: Spring webinar")).to_have_count(1)

    # A session run on the simulator's page: Ann stays 30 minutes.
    page.goto(f"{simulator.admin_url}/meetings/{second_id}/page")
    page.get_by_role("button", name="Start it").click()
    page.locator("tr", has_text="ann@example.com").get_by_role("button", name="Joins").click()
    sim_admin.advance_clock(30 * 60)
    page.locator("tr", has_text="Ann Lee").get_by_role("button", name="Leaves").click()
    expect(page.locator("body")).to_contain_text("Ann Lee left.")
    page.get_by_role("button", name="End it").click()
    expect(page.locator("body")).to_contain_text("Ended")

    page.goto(event_url)
    page.get_by_role("link", name=re.compile("Attendance")).first.click()
    rows = page.locator("tr", has_text="ann@example.com")
    _reload_until(page, rows, "30")
    expect(page.locator("svg.chart")).to_have_count(1)
