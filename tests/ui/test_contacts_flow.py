"""The marketing team's walk-through in a real browser (headless Chromium via Playwright).

A webinar made in Zoom has happened (an attendee who rejoined, a guest without email, an
attendee of the company's own domain). Through the UI only: turn the CRM sync on with the
company's domain excluded, select the host, watch the webinar sync, read its audit, link the
guest to a contact by hand, filter contacts by attendance and save the segment, read a
contact's properties and timeline, register them to a webinar, delete and restore them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from tests.fixtures.simulator import SimAdmin, fetch_token
from tests.ui.test_main_flow import CHROMIUM, CHROMIUM_ARGS, WAIT_MS
from zoombridge.connections.models import ZoomConnection, ZoomPlan
from zoombridge.simulator import SimulatorServer

EMAIL = "marketing@example.org"
PASSWORD = "correct horse battery"

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

    server = AppThread(tmp_path, drift_check_every=timedelta(minutes=15)).start()
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


def _zoom(sim: SimulatorServer, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.request(
        method,
        sim.api_url + path,
        json=body,
        timeout=10,
        headers={"Authorization": f"Bearer {fetch_token(sim)}"},
    )
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else {}


def _webinar(sim: SimulatorServer, topic: str) -> int:
    start = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    made = _zoom(
        sim,
        "POST",
        "/users/me/webinars",
        {
            "topic": topic,
            "type": 5,
            "start_time": start,
            "duration": 60,
            "settings": {"approval_type": 0},
        },
    )
    webinar_id: int = made["id"]
    return webinar_id


def _reload_until(page: Any, locator: Any) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while locator.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()


def test_marketing_walk_through(
    app: Any, browser_page: Any, simulator: SimulatorServer, sim_admin: SimAdmin
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    page, base = browser_page, app.url

    async def connect(session: Any) -> None:
        session.add(
            ZoomConnection(
                name="Simulated Zoom",
                account_id=simulator.config.account_id,
                client_id=simulator.config.client_id,
                client_secret=SecretStr(simulator.config.client_secret),
                plan=ZoomPlan.PRO,
                webinar_addon=True,
                api_url=simulator.api_url,
                oauth_url=simulator.oauth_url,
            )
        )

    app.run(connect)
    clinic = _webinar(simulator, "Spring clinic")
    later = _webinar(simulator, "Autumn clinic")
    for email, first in [("ada@example.com", "Ada"), ("bob@ourco.com", "Bob")]:
        _zoom(
            simulator,
            "POST",
            f"/webinars/{clinic}/registrants",
            {"email": email, "first_name": first, "last_name": "Test"},
        )
    sim_admin.attendance(
        clinic,
        [
            {"name": "Ada Test", "email": "ada@example.com", "segments": [[0, 900], [1200, 2700]]},
            {"name": "Bob Test", "email": "bob@ourco.com", "segments": [[0, 3600]]},
            {"name": "Phone guest", "segments": [[0, 1800]]},
        ],
    )

    page.goto(base + "/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # CRM settings: sync on, the company's domain excluded, the selected host.
    page.get_by_role("navigation").get_by_role("link", name="CRM webinars").click()
    page.get_by_role("link", name="CRM settings").first.click()
    page.get_by_label(re.compile("Sync webinar data")).check()
    page.get_by_label(re.compile("Excluded domains")).fill("ourco.com")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("CRM settings saved.")).to_be_visible()
    hosts_card = page.get_by_test_id("connection-hosts")
    hosts_card.get_by_label("selected").check()
    hosts_card.get_by_role("button", name="Save", exact=True).first.click()
    select = page.get_by_label("select host@example.com")
    _reload_until(page, select)
    select.check()
    page.get_by_role("button", name="save host@example.com").click()
    expect(page.get_by_text("Saved host@example.com.")).to_be_visible()

    # The webinars sync; the clinic's audit names who was not synced and why.
    page.get_by_role("link", name="Synced webinars").first.click()
    row = page.get_by_test_id("webinars").locator("tr", has_text="Spring clinic")
    _reload_until(page, row.locator("text=UTC"))
    expect(row).to_contain_text("3")  # attendees
    row.get_by_role("link", name="Spring clinic").click()
    expect(page.get_by_test_id("outcome").first).to_have_text("warnings")
    page.get_by_test_id("category-emails_excluded").first.locator("summary").click()
    expect(page.get_by_test_id("category-emails_excluded").first).to_contain_text("bob@ourco.com")
    page.get_by_test_id("category-recording_not_synced").first.locator("summary").click()
    expect(page.get_by_test_id("category-recording_not_synced").first).to_contain_text(
        "unavailable or deleted"
    )
    guest = page.get_by_test_id("not-synced").locator("tr", has_text="Phone guest")
    expect(guest).to_contain_text("no email")
    guest.get_by_label("contact email for Phone guest").fill("ada@example.com")
    guest.get_by_role("button", name="Link").click()
    expect(page.get_by_text("Attendance credited to ada@example.com.")).to_be_visible()

    # Contacts: filtered by attendance, saved as a segment with its count.
    page.get_by_role("navigation").get_by_role("link", name="Contacts").click()
    expect(page.get_by_test_id("count")).to_have_text("1")
    expect(page.get_by_test_id("contacts")).not_to_contain_text("bob@ourco.com")
    page.get_by_label("Attended webinar").fill("spring")
    page.get_by_label("Attended at least (%)").fill("50")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("count")).to_have_text("1")
    page.get_by_label("Segment name").fill("Keen clinic attendees")
    page.get_by_role("button", name="Save segment").click()
    expect(page.get_by_text("Segment Keen clinic attendees saved.")).to_be_visible()
    expect(page.get_by_test_id("segment-count")).to_have_text("1")
    page.get_by_label("Attended at least (%)").fill("90")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("count")).to_have_text("0")

    # Ada: 40 of the clinic's 60 minutes (two visits); the guest's 30 minutes, linked to her by
    # hand, are another row of the same webinar: the better of the two counts (66.7 %).
    page.get_by_role("link", name="Clear").click()
    page.get_by_role("link", name="ada@example.com").click()
    expect(page.get_by_test_id("attended")).to_have_text("1")
    expect(page.get_by_test_id("registrations")).to_have_text("1")
    expect(page.get_by_test_id("average")).to_have_text("66.7 %")
    expect(page.get_by_test_id("timeline")).to_contain_text("Attended Spring clinic")
    expect(page.get_by_test_id("timeline")).to_contain_text("40.0 min, 66.7 %")

    # Registered to the autumn clinic through the worker, then deleted and restored.
    page.get_by_label("Webinar ID").fill(str(later))
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_test_id("requests")).to_contain_text("registered")
    assert "ada@example.com" in {r["email"] for r in sim_admin.meeting(later)["registrants"]}
    expect(page.get_by_test_id("registrations")).to_have_text("2")
    page.get_by_role("button", name="Delete contact").click()
    expect(page.get_by_test_id("deleted")).to_be_visible()
    page.get_by_role("button", name="Restore contact").click()
    expect(page.get_by_test_id("deleted")).to_have_count(0)
