"""The new user's walk-through in a real browser (headless Chromium via Playwright).

Sign in → connect the (simulated) Zoom account → Test access is green → create a webinar with
auto-create → complete an order of 3 attendees → each registered with a join link → cancel one
→ cancelled in Zoom → move the event an hour → the webinar moves → delete the webinar in Zoom →
the event page shows the drift. Only the UI's own forms are used (sign-in and CSRF as a user).
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

import httpx
import pytest

from tests.fixtures.simulator import SimAdmin, fetch_token
from zoombridge.simulator import SimulatorServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 20_000
EMAIL = "organiser@example.com"
PASSWORD = "correct horse battery"
TIMEZONE = "Europe/Helsinki"

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
    pytest.mark.timeout(180),
]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Any]:
    from tests.ui.harness import AppThread

    # The periodic drift check runs every few seconds here (15 min in production), so the
    # deletion is noticed even if its webhook were lost.
    server = AppThread(tmp_path, drift_check_every=timedelta(seconds=3)).start()
    server.create_user(EMAIL, PASSWORD)
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


def _wait_for_meeting(sim_admin: SimAdmin, meeting_id: int, predicate: Any) -> dict[str, Any]:
    """Polls the simulator until `predicate(meeting)` holds (the worker runs in the background)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        meeting = sim_admin.meeting(meeting_id)
        if predicate(meeting) or time.monotonic() > deadline:
            return meeting
        time.sleep(0.2)


def test_new_user_walk_through(
    app: Any, browser_page: Any, simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    page = browser_page
    base = app.url

    # Sign in (the first page asks for it).
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Events")).to_be_visible()

    # Connect the simulated Zoom account.
    webhook_secret = secrets.token_urlsafe(16)
    nav = page.get_by_role("navigation")
    nav.get_by_role("link", name="Zoom connections").click()
    page.get_by_role("link", name="New connection").click()
    page.get_by_label("Name").fill("Simulated Zoom")
    page.get_by_label("Account ID").fill(simulator.config.account_id)
    page.get_by_label("Client ID").fill(simulator.config.client_id)
    page.get_by_label("Client secret").fill(simulator.config.client_secret)
    page.get_by_label("Webhook secret token").fill(webhook_secret)
    page.get_by_label("Webinar add-on").check()
    page.locator("summary", has_text="Advanced").click()
    page.get_by_label("API URL").fill(simulator.api_url)
    page.get_by_label("OAuth token URL").fill(simulator.oauth_url)
    page.get_by_role("button", name="Save connection").click()
    expect(page.get_by_role("heading", name="Simulated Zoom")).to_be_visible()
    assert simulator.config.client_secret not in page.content()
    connection_id = page.url.rstrip("/").split("/")[-1]

    # Test access: green once the worker ran.
    page.get_by_role("button", name="Test access").click()
    expect(page.get_by_test_id("access")).to_have_text("access OK")

    # Zoom's event subscription points at our receiver (done in Zoom's app settings for real).
    subscription = sim_admin.subscribe(
        simulator.config.account_id, f"{base}/webhooks/zoom/{connection_id}", webhook_secret
    )
    assert subscription.get("validated"), subscription

    # A webinar, created on Zoom automatically; the preview shows what will be sent.
    start = (datetime.now(UTC) + timedelta(days=10)).astimezone(ZoneInfo(TIMEZONE))
    start = start.replace(hour=15, minute=0, second=0, microsecond=0)
    nav.get_by_role("link", name="Events").click()
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Kind").select_option("webinar")
    page.get_by_label("Create it automatically from this event").check()
    page.get_by_label("Topic").fill("Launch webinar")
    page.get_by_label("Start (local time)").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Time zone").fill(TIMEZONE)
    page.get_by_label("Duration (minutes, at most 1439)").fill("60")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("preview")).to_contain_text('"topic": "Launch webinar"')
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("heading", name=re.compile("Launch webinar"))).to_be_visible()
    expect(page.get_by_test_id("link-state")).to_have_text("synced")
    meeting_id = int(page.get_by_test_id("zoom-meeting-id").inner_text())
    event_url = page.url
    webinar = sim_admin.meeting(meeting_id)
    assert webinar["kind"] == "webinar"
    assert webinar["topic"] == "Launch webinar"

    # An order of 3 attendees, completed: each gets registered with their own join link.
    page.get_by_role("link", name="Orders and attendees").first.click()
    people = [
        ("ann@example.com", "Ann", "Lee"),
        ("bob@example.com", "Bob", "Ray"),
        ("cy@example.com", "Cy", "Tan"),
    ]
    for index, (email, first, last) in enumerate(people):
        row = page.locator(".attendee-row").nth(index)
        row.get_by_label("Email").fill(email)
        row.get_by_label("First name").fill(first)
        row.get_by_label("Last name").fill(last)
    page.get_by_label("Status").select_option("completed")
    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_test_id("order-status")).to_have_text("completed")
    states = page.get_by_test_id("registration-state")
    expect(states).to_have_text(["registered"] * 3)
    expect(page.get_by_test_id("join-link")).to_have_count(3)
    registrants = {r["email"]: r for r in sim_admin.meeting(meeting_id)["registrants"]}
    assert {email for email, _, _ in people} <= set(registrants)
    assert all(registrants[email]["status"] == "approved" for email, _, _ in people)

    # The ticket shows the attendee's own join link.
    order_url = page.url
    ann = page.locator('[data-testid="attendee"][data-email="ann@example.com"]')
    ann.get_by_role("link", name=re.compile(r".+")).first.click()
    join = page.get_by_test_id("ticket-join-link")
    expect(join).to_have_count(1)
    assert "zoom.us" in (join.get_attribute("href") or "")
    page.goto(order_url)

    # Cancel one attendee alone: their registrant is cancelled in Zoom.
    bob = page.locator('[data-testid="attendee"][data-email="bob@example.com"]')
    # It asks first (a destructive action); the organiser confirms.
    page.once("dialog", lambda dialog: dialog.accept())
    bob.get_by_role("button", name="Cancel this attendee").click()
    bob = page.locator('[data-testid="attendee"][data-email="bob@example.com"]')
    expect(bob.get_by_test_id("registration-state")).to_have_text("cancelled")
    registrants = {r["email"]: r for r in sim_admin.meeting(meeting_id)["registrants"]}
    assert registrants["bob@example.com"]["status"] == "cancelled"
    assert registrants["ann@example.com"]["status"] == "approved"

    # Move the event an hour later: the webinar moves on Zoom.
    page.goto(event_url)
    page.get_by_role("link", name="Edit").click()
    later = start + timedelta(hours=1)
    page.get_by_label("Start (local time)").fill(later.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_test_id("event-start")).to_contain_text(later.strftime("%Y-%m-%d %H:%M"))
    expected_start = later.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    moved = _wait_for_meeting(sim_admin, meeting_id, lambda m: m["start_time"] == expected_start)
    assert moved["start_time"] == expected_start
    expect(page.get_by_test_id("link-state")).to_have_text("synced")

    # Someone deletes the webinar inside Zoom: the event page shows the drift.
    token = fetch_token(simulator)
    deleted = httpx.delete(
        f"{simulator.api_url}/webinars/{meeting_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert deleted.status_code == 204, deleted.text
    drift = page.get_by_test_id("drift")
    deadline = time.monotonic() + WAIT_MS / 1000
    while drift.count() == 0 and time.monotonic() < deadline:
        # A synced event page does not refresh itself; the organiser reloads it.
        page.wait_for_timeout(300)
        page.reload()
    expect(drift).to_contain_text("Deleted in Zoom")
