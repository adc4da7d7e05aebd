"""Issue 4's "tried as a new user would": book a Zoom-enabled service through the API and follow
it through the worker into the simulator and a real SMTP server — confirmation, reschedule,
deletion — with the customer never seeing the host's start link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.fixtures.api import ApiHarness
from tests.sync.conftest import WorkerFactory, World
from zoombridge.notifications.sink import CaughtMessage, MailSink
from zoombridge.worker import Worker

CUSTOMER = "carla.customer@example.com"
START_URL = re.compile(r"https://zoom\.us/s/\d+")


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def run_until(worker: Worker, done: Any, passes: int = 40) -> None:
    """Worker passes until `done()` holds (the worker's own work, not wall-clock waiting)."""
    for _ in range(passes):
        await worker.run_once()
        if done():
            return
    raise AssertionError("the worker did not get there")


def only(messages: list[CaughtMessage], subject_part: str) -> CaughtMessage:
    found = [m for m in messages if subject_part in m.subject]
    assert len(found) == 1, [m.subject for m in messages]
    return found[0]


async def test_booking_as_a_new_user_meeting_and_emails_follow(
    api: ApiHarness, world: World, make_worker: WorkerFactory, sink: MailSink
) -> None:
    connection = await world.connect()
    owner = world.admin.account("sim-account")["owner"]
    worker = make_worker()

    # Set-up a new user does: fetch the account's Zoom users, point email at a server.
    await ok(await api.http.post(f"/api/v1/connections/{connection.id}/hosts/fetch"), 202)
    await worker.run_once()
    await ok(
        await api.http.put(
            "/api/v1/settings/smtp",
            json={
                "host": sink.host,
                "port": sink.port,
                "security": "none",
                "from_address": "bookings@clinic.example",
                "from_name": "Clinic",
            },
        )
    )
    service = await ok(
        await api.http.post(
            "/api/v1/services",
            json={
                "name": "Consultation",
                "duration_minutes": 45,
                "zoom_enabled": True,
                "connection_id": str(connection.id),
            },
        ),
        201,
    )
    employee = await ok(
        await api.http.post(
            "/api/v1/employees",
            json={
                "name": "Olga Owner",
                "email": owner["email"],
                "connection_id": str(connection.id),
            },
        ),
        201,
    )
    assert employee["zoom_status"] == "mapped"
    assert employee["zoom_user_id"] == owner["id"]

    start = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    booking = await ok(
        await api.http.post(
            "/api/v1/bookings",
            json={
                "service_id": service["id"],
                "employee_id": employee["id"],
                "customer_first_name": "Carla",
                "customer_last_name": "Customer",
                "customer_email": CUSTOMER,
                "start_at": start.isoformat(),
                "timezone": "Europe/Helsinki",
            },
        ),
        201,
    )
    passcode = booking["meeting"]["passcode"]
    assert re.fullmatch(r"\d{8}", passcode)

    await run_until(worker, lambda: len(sink.messages()) >= 2)
    booking = await ok(await api.http.get(f"/api/v1/bookings/{booking['id']}"))
    meeting_id = booking["meeting"]["zoom_meeting_id"]
    meeting = world.zoom("GET", f"/meetings/{meeting_id}").json()  # as Zoom's API shows it
    assert meeting["host_id"] == owner["id"]
    assert meeting["password"] == passcode
    assert meeting["duration"] == 45

    to_customer = only(sink.messages(CUSTOMER), "Your booking")
    assert booking["meeting"]["join_url"] in to_customer.text
    assert passcode in to_customer.text
    assert not START_URL.search(to_customer.text)
    to_staff = only(sink.messages(owner["email"]), "New booking")
    assert START_URL.search(to_staff.text), to_staff.text

    # Reschedule: the meeting moves, both are told.
    later = start + timedelta(days=1, hours=2)
    await ok(
        await api.http.patch(
            f"/api/v1/bookings/{booking['id']}", json={"start_at": later.isoformat()}
        )
    )
    await run_until(worker, lambda: len(sink.messages()) >= 4)
    shown = world.zoom("GET", f"/meetings/{meeting_id}").json()["start_time"]
    moved = datetime.fromisoformat(shown.replace("Z", "+00:00"))
    assert moved == later
    assert "changed" in only(sink.messages(CUSTOMER), "changed").subject
    update_to_staff = only(sink.messages(owner["email"]), "changed")
    assert START_URL.search(update_to_staff.text)

    # Delete: the meeting is deleted in Zoom, both are told.
    await ok(await api.http.delete(f"/api/v1/bookings/{booking['id']}"))
    await run_until(worker, lambda: len(sink.messages()) >= 6)
    gone = world.zoom("GET", f"/meetings/{meeting_id}")
    assert gone.status_code == 404
    only(sink.messages(CUSTOMER), "Cancelled")
    only(sink.messages(owner["email"]), "Cancelled")
    cancelled = await ok(await api.http.get(f"/api/v1/bookings/{booking['id']}"))
    assert cancelled["status"] == "cancelled"
    assert cancelled["meeting"]["state"] == "deleted"
