"""On a phone (390 px wide) no page is wider than the screen; a page that does not exist is a
styled page with a way back, not JSON."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.ui.test_main_flow import CHROMIUM, CHROMIUM_ARGS, WAIT_MS

EMAIL = "phone@example.com"
PASSWORD = "small screens matter"
PAGES = [
    "/events",
    "/events/new",
    "/bookings",
    "/bookings/new",
    "/connections",
    "/emails",
    "/audit",
    "/users",
    "/settings/email",
    "/tokens",
]

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

    server = AppThread(tmp_path, drift_check_every=timedelta(minutes=5)).start()
    server.create_user(EMAIL, PASSWORD)
    yield server
    server.stop()


@pytest.fixture
def phone() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.set_default_timeout(WAIT_MS)
            yield page
        finally:
            browser.close()


def test_pages_fit_a_phone_and_a_missing_page_is_styled(app: Any, phone: Any) -> None:
    from playwright.sync_api import expect

    phone.goto(app.url + "/login")
    phone.get_by_label("Email").fill(EMAIL)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_role("heading", name="Events")).to_be_visible()

    too_wide = {}
    for path in PAGES:
        phone.goto(app.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
    assert too_wide == {}

    answer = phone.goto(app.url + "/no/such/page")
    assert answer is not None
    assert answer.status == 404
    expect(phone.get_by_role("heading", name="Not found")).to_be_visible()
    expect(phone.get_by_role("link", name="Back to the events")).to_be_visible()
    assert phone.evaluate("getComputedStyle(document.body).fontFamily")  # our stylesheet loaded
