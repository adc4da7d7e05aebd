"""The courses flow of the issue's "Done when" through the web UI in headless Chromium: a
provider (its host checked), a group and an organisation with learners (two in both), a course
event with 2 sessions, enrolment by group and organisation, every learner registered on both
Zoom meetings, the sessions held in the simulator, the results matrix (screenshots under the
test's tmp dir, checked), a guest assigned by hand, and a learner signing in by the emailed
link to see their events and results."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.courses.helpers import ended, hold_session
from tests.fixtures.simulator import SimAdmin
from tests.ui.test_main_flow import CHROMIUM, WAIT_MS, browser_page
from zoombridge.notifications.models import SmtpSecurity, SmtpSettings
from zoombridge.notifications.sink import MailSink
from zoombridge.simulator import SimulatorServer
from zoombridge.zoom.webhooks import sign

__all__ = ["browser_page"]

EMAIL = "owner@example.org"
PASSWORD = "correct horse battery"

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
    pytest.mark.timeout(240),
]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Any]:
    from tests.ui.harness import AppThread

    with MailSink() as sink:
        server = AppThread(tmp_path, drift_check_every=timedelta(minutes=15), mail_sink=sink)
        server.start()
        server.create_user(EMAIL, PASSWORD)

        async def smtp(session: Any) -> None:
            session.add(
                SmtpSettings(
                    host="127.0.0.1",
                    port=sink.port,
                    security=SmtpSecurity.NONE,
                    from_address="desk@example.org",
                    timeout_seconds=5,
                )
            )

        server.run(smtp)
        yield server
        server.stop()


def _reload_until(page: Any, check: Any, within_s: float = WAIT_MS / 1000) -> None:
    deadline = time.monotonic() + within_s
    while not check() and time.monotonic() < deadline:
        page.wait_for_timeout(300)
        page.reload()


def _deliver(app: Any, connection_id: str, secret: str, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    answer = httpx.post(
        f"{app.url}/webhooks/zoom/{connection_id}",
        content=raw,
        headers={
            "x-zm-request-timestamp": stamp,
            "x-zm-signature": sign(secret, stamp, raw),
            "content-type": "application/json",
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def test_courses_through_the_ui(
    app: Any,
    browser_page: Any,
    simulator: SimulatorServer,
    sim_admin: SimAdmin,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    base = app.url
    page.goto(base + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    nav = page.get_by_role("navigation")

    # The Zoom connection.
    secret = secrets.token_urlsafe(16)
    nav.get_by_role("link", name="Zoom connections").click()
    page.get_by_role("link", name="New connection").click()
    page.get_by_label("Name").fill("Training Zoom")
    page.get_by_label("Account ID").fill(simulator.config.account_id)
    page.get_by_label("Client ID").fill(simulator.config.client_id)
    page.get_by_label("Client secret").fill(simulator.config.client_secret)
    page.get_by_label("Webhook secret token").fill(secret)
    page.locator("summary", has_text="Advanced").click()
    page.get_by_label("API URL").fill(simulator.api_url)
    page.get_by_label("OAuth token URL").fill(simulator.oauth_url)
    page.get_by_role("button", name="Save connection").click()
    expect(page.get_by_role("heading", name="Training Zoom")).to_be_visible()
    connection_id = page.url.rstrip("/").split("/")[-1]

    # A provider whose host is checked against the account's Zoom users.
    nav.get_by_role("link", name="Courses").click()
    page.locator("main").get_by_role("link", name="Providers").first.click()
    page.get_by_label("Name").fill("Ivanov+Zoom")
    page.get_by_label("Host's email").fill("nobody@example.org")
    page.get_by_role("button", name="Save provider").click()
    check = page.get_by_test_id("provider-check")
    _reload_until(page, lambda: "is not a user" in check.inner_text())
    expect(check).to_contain_text("nobody@example.org is not a user of this Zoom account")
    page.get_by_label("Host of Ivanov+Zoom").fill(simulator.config.host_email)
    page.get_by_role("button", name="Save host").click()
    expect(page.get_by_test_id("provider-check")).to_contain_text("host is a Zoom user")

    # A group and an organisation, with learners: 6 in the group, 5 in the organisation, 2
    # of them in both (9 people).
    for where, name in (("Groups", "Group 15-PB"), ("Organisations", "Remstroy")):
        nav.get_by_role("link", name="Learners").click()
        page.locator("main").get_by_role("link", name=where, exact=True).click()
        page.get_by_label("Name").fill(name)
        page.get_by_role("button", name="Add").click()
        expect(page.get_by_test_id("holders")).to_contain_text(name)
    batches = [
        (range(0, 4), "Group 15-PB", None),
        (range(4, 6), "Group 15-PB", "Remstroy"),
        (range(6, 9), None, "Remstroy"),
    ]
    nav.get_by_role("link", name="Learners").click()
    for numbers, group, org in batches:
        lines = "\n".join(f"learner{n}@example.com; Learner{n}; Test" for n in numbers)
        page.locator("textarea[name=lines]").fill(lines)
        page.locator("select[name=group_id]").select_option(label=group or "none")
        page.locator("select[name=organisation_id]").select_option(label=org or "none")
        page.get_by_role("button", name="Add learners").click()
        expect(page.locator(".flash")).to_contain_text("added")
    expect(page.get_by_test_id("learners").locator("tbody tr")).to_have_count(9)

    # A course event with 2 sessions, then enrolment by the group and the organisation.
    first = (datetime.now(UTC) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    starts = [first, first + timedelta(days=1)]
    nav.get_by_role("link", name="Courses").click()
    page.get_by_role("link", name="New course event").click()
    page.get_by_label("Topic").fill("Fire safety")
    page.locator("textarea[name=sessions]").fill(
        "\n".join(f"{s:%Y-%m-%d %H:%M}; 60; Day {i + 1}" for i, s in enumerate(starts))
    )
    page.get_by_label("Trainer (any person)").fill("Anna Trainer")
    page.get_by_role("button", name="Create course event").click()
    expect(page.get_by_role("heading", name="Fire safety")).to_be_visible()
    course_url = page.url
    page.locator("select[name=group_ids]").select_option(label="Group 15-PB (6)")
    page.locator("select[name=organisation_ids]").select_option(label="Remstroy (5)")
    page.get_by_role("button", name="Enrol").click()
    expect(page.locator(".flash")).to_contain_text("9 learner(s) enrolled")
    registered = page.locator("[data-testid=participants] .state.registered")
    _reload_until(page, lambda: registered.count() == 18)
    expect(registered).to_have_count(18)
    meetings = [int(m) for m in page.get_by_test_id("session-meeting").all_inner_texts()]
    assert len(set(meetings)) == 2
    for meeting_id in meetings:
        assert len(sim_admin.meeting(meeting_id)["registrants"]) == 9

    # The simulator holds both sessions; Zoom's meeting.ended reaches the app.
    for meeting_id, start in zip(meetings, starts, strict=True):
        people: list[dict[str, Any]] = [
            {
                "name": f"Learner{n} Test",
                "email": f"learner{n}@example.com",
                "segments": [[600, 4200]] if n % 3 else [[600, 2400]],
            }
            for n in range(8)
        ]
        people.append({"name": "Phone of Learner8", "segments": [[600, 4200]]})
        instance = hold_session(sim_admin, meeting_id, start, people, 60)
        _deliver(app, connection_id, secret, ended(meeting_id, instance))

    # The results: the matrix, its chart, the guest to assign.
    page.goto(course_url + "/results")
    matrix = page.get_by_test_id("results-matrix")
    _reload_until(page, lambda: "not final" not in matrix.inner_text())
    expect(matrix).not_to_contain_text("not final")
    rows = page.get_by_test_id("result-row")
    expect(rows).to_have_count(9)
    row0 = page.locator('[data-testid=result-row][data-email="learner0@example.com"]')
    expect(row0).to_contain_text("partial")
    expect(row0).to_contain_text("30.0 min · 50.0 %")
    row1 = page.locator('[data-testid=result-row][data-email="learner1@example.com"]')
    expect(row1.get_by_test_id("completion")).to_have_text("completed")
    expect(page.get_by_test_id("attendance-chart")).to_be_visible()
    expect(page.get_by_test_id("unmatched")).to_contain_text("Phone of Learner8")
    shot = tmp_path / "results-matrix.png"
    page.get_by_test_id("results-matrix").screenshot(path=str(shot))
    _check_png(shot)
    page.screenshot(path=str(tmp_path / "results-page.png"), full_page=True)
    _check_png(tmp_path / "results-page.png")

    page.get_by_label("Learner for Phone of Learner8").select_option(
        label="Learner8 Test (learner8@example.com)"
    )
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("unmatched")).to_contain_text("Everyone matched a learner")
    row8 = page.locator('[data-testid=result-row][data-email="learner8@example.com"]')
    expect(row8.get_by_test_id("completion")).to_have_text("completed")
    page.get_by_test_id("results-matrix").screenshot(path=str(tmp_path / "results-assigned.png"))
    _check_png(tmp_path / "results-assigned.png")

    # A learner signs in with the emailed link and sees their sessions and results.
    page.goto(base + "/learn/sign-in")
    page.get_by_label("Your email").fill("learner1@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_test_id("link-sent")).to_be_visible()
    deadline = time.monotonic() + WAIT_MS / 1000
    while not app.mail_sink.messages(to="learner1@example.com") and time.monotonic() < deadline:
        time.sleep(0.2)
    [message] = app.mail_sink.messages(to="learner1@example.com")
    link = re.search(r"http\S+/learn/sign-in/confirm\?token=\S+", message.text)
    assert link is not None
    page.goto(link.group(0))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My events")).to_be_visible()
    sessions = page.get_by_test_id("my-session")
    expect(sessions).to_have_count(2)
    expect(sessions.first).to_contain_text("attended")
    expect(page.get_by_test_id("my-completion")).to_have_text("completed")
    # The learner's cookie is not a staff sign-in.
    page.goto(base + "/courses")
    expect(page).to_have_url(re.compile(r"/login"))


def _check_png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 5_000, f"{path} is suspiciously small ({len(data)} bytes)"
