"""CSV export of attendees and bulk registration from a CSV (O8)."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.fixtures.api import ApiHarness
from tests.orders.factories import EventIds, confirm_registrations, create_event
from tests.orders.helpers import people, registrations, row_counts, wants

BASE = [
    "email",
    "first_name",
    "last_name",
    "order_reference",
    "order_status",
    "ticket_code",
    "registration_state",
    "join_url",
]


async def export(api: ApiHarness, event: EventIds, **params: Any) -> list[dict[str, str]]:
    response = await api.http.get(f"/api/v1/events/{event.event_id}/attendees.csv", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


async def post_order(api: ApiHarness, event: EventIds, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.post(f"/api/v1/events/{event.event_id}/orders", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_export_columns_and_options(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker)
    await post_order(
        api,
        event,
        {
            "attendees": people("ada"),
            "status": "completed",
            "reference": "1001",
            "paid": True,
            "customer": {"email": "buyer@example.com", "name": "=HYPERLINK(1)"},
            "billing": {"city": "Turku", "country": "FI"},
        },
    )
    await post_order(api, event, {"attendees": people("bob"), "reference": "1002"})  # pending
    await confirm_registrations(api.sessionmaker)

    response = await api.http.get(f"/api/v1/events/{event.event_id}/attendees.csv")
    assert next(csv.reader(io.StringIO(response.text))) == BASE
    paid_only = await export(api, event)
    assert [row["email"] for row in paid_only] == ["ada@example.com"]
    ada = paid_only[0]
    assert (ada["order_reference"], ada["order_status"]) == ("1001", "completed")
    assert ada["registration_state"] == "registered"
    assert ada["join_url"].startswith("https://zoom.example/w/")
    assert len(ada["ticket_code"]) == 12

    everyone = await export(api, event, include_unpaid="true")
    assert [row["email"] for row in everyone] == ["ada@example.com", "bob@example.com"]
    assert everyone[1]["order_status"] == "pending"
    assert everyone[1]["registration_state"] == ""

    with_billing = await export(api, event, include_billing="true")
    row = with_billing[0]
    assert list(row) == [
        *BASE,
        "paid",
        "customer_name",
        "customer_email",
        "billing_city",
        "billing_country",
    ]
    assert (row["paid"], row["billing_city"], row["billing_country"]) == ("yes", "Turku", "FI")
    assert row["customer_name"] == "'=HYPERLINK(1)"  # never a live formula in a spreadsheet


async def test_import_reports_each_row_and_stores_the_valid_ones(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker, capacity=4)
    await post_order(api, event, {"attendees": people("ada"), "status": "completed"})
    text = (
        "\ufeffEmail;First Name;Last Name\n"  # a spreadsheet's BOM, semicolons, spaced headers
        "bob@example.com;Bob;Tester\n"
        "not-an-email;X;Y\n"
        "cy@example.com;Cy;\n"
        "ada@example.com;Ada;Again\n"
        "BOB@example.com;Bob;Twice\n"
        ";;\n"
        "dee@example.com;Dee;Tester\n"
        "eve@example.com;Eve;Tester\n"
        "fay@example.com;Fay;Tester\n"
    )

    response = await api.http.post(
        f"/api/v1/events/{event.event_id}/attendees.csv?reference=upload-1",
        content=text.encode(),
        headers={"Content-Type": "text/csv"},
    )

    assert response.status_code == 200, response.text
    result = response.json()
    statuses = [(r["row"], r["email"], r["status"]) for r in result["rows"]]
    assert statuses == [
        (2, "bob@example.com", "created"),
        (3, "not-an-email", "invalid"),
        (4, "cy@example.com", "invalid"),
        (5, "ada@example.com", "duplicate"),
        (6, "bob@example.com", "duplicate"),
        (8, "dee@example.com", "created"),
        (9, "eve@example.com", "created"),
        (10, "fay@example.com", "refused"),
    ]
    by_row = {r["row"]: r for r in result["rows"]}
    assert "email" in by_row[3]["errors"][0]
    assert by_row[4]["errors"] == ["last_name: required, because this event is on Zoom"]
    assert "no seats left" in by_row[10]["errors"][0]
    assert (result["created"], result["invalid"], result["duplicate"], result["refused"]) == (
        3,
        2,
        2,
        1,
    )

    order = await api.http.get(f"/api/v1/orders/{result['order_id']}")
    assert order.json()["status"] == "completed"
    assert order.json()["reference"] == "upload-1"
    assert [a["email"] for a in order.json()["attendees"]] == [
        "bob@example.com",
        "dee@example.com",
        "eve@example.com",
    ]
    assert set(wants(await registrations(api.sessionmaker))) == {
        "ada@example.com",
        "bob@example.com",
        "dee@example.com",
        "eve@example.com",
    }
    # The imported attendees get their tickets by email, like buyers (O6, O8).
    queued = await api.http.get(f"/api/v1/emails?event_id={event.event_id}")
    assert sorted(
        e["to_address"] for e in queued.json()["items"] if e["template_key"] == "event_ticket"
    ) == [
        "ada@example.com",
        "bob@example.com",
        "dee@example.com",
        "eve@example.com",
    ]


async def test_import_without_an_email_column_is_refused(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker)
    before = await row_counts(api.sessionmaker)
    response = await api.http.post(
        f"/api/v1/events/{event.event_id}/attendees.csv",
        content=b"name,phone\nAda,123\n",
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    assert await row_counts(api.sessionmaker) == before


async def test_import_with_nothing_valid_creates_no_order(api: ApiHarness) -> None:
    event = await create_event(api.sessionmaker)
    response = await api.http.post(
        f"/api/v1/events/{event.event_id}/attendees.csv",
        content=b"email\nbroken\n",
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200
    assert response.json()["order_id"] is None
    assert await row_counts(api.sessionmaker) == (0, 0, 0)
