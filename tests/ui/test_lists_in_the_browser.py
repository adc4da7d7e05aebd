"""Lists in a real browser (headless Chromium): the attendee list searched and paged with its
"Next page" link, and the audit log narrowed to one attendee found by name (no ids typed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 20_000
EMAIL = "organiser@example.com"
PASSWORD = "correct horse battery"
PEOPLE = ["ann", "bob", "cat", "dan", "eve"]

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

    server = AppThread(tmp_path, drift_check_every=timedelta(hours=1)).start()
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


def _seed(app: Any) -> str:
    """An event not on Zoom with five attendees in one order, and two audit entries: one about
    Bob's email, one about the event alone."""
    from zoombridge.connections import service as connections
    from zoombridge.connections.schemas import ZoomConnectionCreate
    from zoombridge.engine import audit
    from zoombridge.events import service as events
    from zoombridge.events.schemas import EventCreate
    from zoombridge.orders import service as orders
    from zoombridge.orders.models import OrderStatus
    from zoombridge.orders.schemas import AttendeeIn, OrderCreate

    async def seed(session: AsyncSession) -> str:
        connection = await connections.create_connection(
            session,
            ZoomConnectionCreate(
                name="Office Zoom",
                account_id="acct",
                client_id="client",
                client_secret="client-secret-1",
                webhook_secret_token="hook-secret-1",
            ),
        )
        event = await events.create_event(
            session,
            EventCreate.model_validate(
                {
                    "connection_id": str(connection.id),
                    "topic": "Board game night",
                    "start": (datetime.now(UTC) + timedelta(days=9)).isoformat(),
                    "timezone": "Europe/Helsinki",
                    "duration_minutes": 90,
                    "zoom": {"mode": "none"},
                }
            ),
        )
        order = await orders.create_order(
            session,
            event.id,
            OrderCreate(
                status=OrderStatus.COMPLETED,
                reference="GAMES-1",
                attendees=[
                    AttendeeIn(
                        email=f"{name}@example.com", first_name=name.title(), last_name="Player"
                    )
                    for name in PEOPLE
                ],
            ),
        )
        await session.flush()
        bob = next(a for a in order.attendees if a.email == "bob@example.com")
        audit.record(
            session, "smtp.send", {"event": event.id, "attendee": bob.id}, message="ticket to Bob"
        )
        audit.record(session, "eventCheck", {"event": event.id}, message="event looked at")
        return str(event.id)

    event_id: str = app.run(seed)
    return event_id


def test_attendee_list_and_audit_log_by_name(app: Any, browser_page: Any) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    event_id = _seed(app)
    page = browser_page
    base = app.url
    page.goto(base + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Events")).to_be_visible()

    # The attendee list: two a page, the pager counts and goes on keeping the order.
    page.goto(f"{base}/events/{event_id}/attendees?limit=2")
    rows = page.get_by_test_id("attendee-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("pager-range")).to_have_text("1–2 of 5")
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_test_id("pager-range")).to_have_text("3–4 of 5")
    expect(rows.first).to_contain_text("cat@example.com")
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_test_id("pager-range")).to_have_text("5–5 of 5")
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)

    # Searched by name from the form.
    page.get_by_role("searchbox", name="Search").fill("Dan Player")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("dan@example.com")
    expect(page.get_by_test_id("pager-range")).to_have_text("1–1 of 1")

    # The audit log of the event, narrowed to Bob found by his name.
    page.get_by_role("link", name="Audit log").first.click()
    audit_rows = page.get_by_test_id("audit-row")
    expect(audit_rows).to_have_count(2)
    page.get_by_role("searchbox", name="About").fill("bob")
    page.get_by_role("button", name="Find").click()
    page.get_by_test_id("audit-choice").filter(has_text="bob@example.com").click()
    expect(page.get_by_test_id("audit-chosen")).to_contain_text("bob@example.com")
    expect(audit_rows).to_have_count(1)
    expect(audit_rows.first).to_contain_text("ticket to Bob")
    assert re.search(r"attendee_id=", page.url)
    # × removes the attendee again: the event's two calls are back.
    page.get_by_role("link", name="Remove the attendee filter").click()
    expect(audit_rows).to_have_count(2)
