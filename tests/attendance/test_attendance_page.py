"""The attendance page and CSV of an event: who attended (a rejoin counted once), minutes, %,
the stretches, who holds no ticket, a chart."""

from __future__ import annotations

import csv
import io

from tests.attendance.events import ended_event
from tests.attendance.test_pull import deliver, synced_webinar, until_pulled
from tests.fixtures.api import ApiHarness
from tests.security.helpers import signed_in_client
from tests.sync.conftest import WorkerFactory, World
from zoombridge.orders import service as orders
from zoombridge.orders.models import OrderStatus
from zoombridge.orders.schemas import AttendeeIn, OrderCreate


async def test_the_page_and_the_csv_show_who_attended_and_for_how_long(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect()
    worker = make_worker()
    event, meeting_id = await synced_webinar(world, worker)
    async with world.maker() as session:
        await orders.create_order(
            session,
            event.id,
            OrderCreate(
                status=OrderStatus.COMPLETED,
                attendees=[AttendeeIn(email="ann@example.com", first_name="Ann", last_name="A")],
            ),
        )
        await session.commit()
    instance = world.admin.attendance(
        meeting_id,
        [
            # Ann left and came back: two stretches, 40 minutes in all.
            {"name": "Ann", "email": "ann@example.com", "segments": [[0, 1200], [1800, 3000]]},
            {"name": "Walk-in", "email": "", "segments": [[600, 900]]},
        ],
    )
    await deliver(api, connection.id, ended_event(meeting_id, instance["uuid"]))
    await until_pulled(world, worker)

    answer = await api.http.get(f"/api/v1/events/{event.id}/attendance.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == {"Ann", "Walk-in"}
    assert by_name["Ann"]["minutes"] == "40.0"
    assert by_name["Ann"]["joins"] == "2"
    assert by_name["Ann"]["matched"] == "yes"
    assert by_name["Ann"]["ticket_code"]
    assert by_name["Ann"]["stretches"].count("–") == 2
    assert by_name["Walk-in"]["matched"] == "no"
    assert by_name["Walk-in"]["minutes"] == "5.0"

    client, _ = await signed_in_client(api, "organiser@example.com", "organiser-Pa55")
    try:
        page = await client.get(f"/events/{event.id}/attendance")
    finally:
        await client.aclose()
    assert page.status_code == 200
    assert 'data-testid="attendance-chart"' in page.text
    assert "40.0" in page.text
    assert "Without a ticket: Walk-in" in page.text
