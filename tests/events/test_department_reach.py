"""A department admin reaches only its departments' events (L1), through the generic events
API and pages as through the course events': lists leave the others out, every route addressed
by an event id refuses them, a new event must name one of its departments."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.events.helpers import create_connection
from tests.fixtures.api import ApiHarness
from tests.security.helpers import CSRF_INPUT
from zoombridge.accounts.service import create_api_token

PASSWORD = "long-enough-1"


def _body(connection_id: str, topic: str, department_id: str | None) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    return {
        "connection_id": connection_id,
        "kind": "meeting",
        "topic": topic,
        "start": start.isoformat(),
        "timezone": "UTC",
        "duration_minutes": 60,
        "department_id": department_id,
    }


def _client(api: ApiHarness, token: str | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app),
        base_url="http://zoombridge.test",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


async def _setup(api: ApiHarness) -> dict[str, Any]:
    """Sales (with North below it) and Support; Dana administers Sales; one event in each."""
    sales = (await api.http.post("/api/v1/departments", json={"name": "Sales"})).json()
    north = (
        await api.http.post("/api/v1/departments", json={"name": "North", "parent_id": sales["id"]})
    ).json()
    support = (await api.http.post("/api/v1/departments", json={"name": "Support"})).json()
    created = await api.http.post(
        "/api/v1/users",
        json={
            "email": "dana@example.com",
            "password": PASSWORD,
            "role": "department_admin",
            "department_ids": [sales["id"]],
        },
    )
    assert created.status_code == 201, created.text
    role = await api.http.post(
        "/api/v1/roles", json={"name": "Sales desk", "permissions": ["manage_orders"]}
    )
    assert role.status_code == 201, role.text
    desk = await api.http.post(
        "/api/v1/users",
        json={
            "email": "olga@example.com",
            "password": PASSWORD,
            "role": "custom",
            "custom_role_id": role.json()["id"],
            "department_ids": [sales["id"]],
        },
    )
    assert desk.status_code == 201, desk.text
    async with api.sessionmaker() as session:
        token, _ = await create_api_token(session, "t", user_id=uuid.UUID(created.json()["id"]))
        desk_token, _ = await create_api_token(session, "t", user_id=uuid.UUID(desk.json()["id"]))
        await session.commit()
    connection_id = str((await create_connection(api.http))["id"])
    events = {}
    for topic, department in (
        ("North kick-off", north["id"]),
        ("Support clinic", support["id"]),
        ("All hands", None),
    ):
        answer = await api.http.post("/api/v1/events", json=_body(connection_id, topic, department))
        assert answer.status_code == 201, answer.text
        events[topic] = answer.json()["id"]
    return {
        "token": token,
        "desk_token": desk_token,
        "connection_id": connection_id,
        "events": events,
        "sales": sales["id"],
        "support": support["id"],
    }


async def test_the_api_keeps_a_department_admin_to_its_departments(api: ApiHarness) -> None:
    world = await _setup(api)
    north_event = world["events"]["North kick-off"]
    async with _client(api, world["token"]) as dana, _client(api, world["desk_token"]) as desk:
        listed = (await dana.get("/api/v1/events")).json()
        assert [e["topic"] for e in listed["items"]] == ["North kick-off"]
        assert listed["total"] == 1
        # The owner still sees everything.
        assert (await api.http.get("/api/v1/events")).json()["total"] == 3

        assert (await dana.get(f"/api/v1/events/{north_event}")).status_code == 200
        for topic in ("Support clinic", "All hands"):
            other = world["events"][topic]
            for who, method, path in (
                (dana, "GET", f"/api/v1/events/{other}"),
                (dana, "PATCH", f"/api/v1/events/{other}"),
                (dana, "DELETE", f"/api/v1/events/{other}"),
                (dana, "GET", f"/api/v1/events/{other}/attendance"),
                # A custom role limited to Sales, with the orders permission.
                (desk, "GET", f"/api/v1/events/{other}/orders"),
                (desk, "GET", f"/api/v1/events/{other}/attendees.csv"),
                (desk, "POST", f"/api/v1/events/{other}/tickets/resend"),
            ):
                kwargs: dict[str, Any] = {"json": {"topic": "x"}} if method == "PATCH" else {}
                refused = await who.request(method, path, **kwargs)
                assert refused.status_code == 403, (method, path, refused.text)
                assert "outside yours" in refused.json()["detail"]
        # Nothing changed on the refused ones.
        clinic = (await api.http.get(f"/api/v1/events/{world['events']['Support clinic']}")).json()
        assert clinic["topic"] == "Support clinic"
        assert clinic["status"] != "cancelled"
        assert (await desk.get(f"/api/v1/events/{north_event}/orders")).status_code == 200

        # Routes addressed by an order, attendee or ticket hold the same line.
        clinic_id = world["events"]["Support clinic"]
        placed = await api.http.post(
            f"/api/v1/events/{clinic_id}/orders",
            json={
                "attendees": [{"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee"}]
            },
        )
        assert placed.status_code == 201, placed.text
        order = placed.json()
        attendee = order["attendees"][0]
        for method, path in (
            ("GET", f"/api/v1/orders/{order['id']}"),
            ("PATCH", f"/api/v1/orders/{order['id']}"),
            ("POST", f"/api/v1/orders/{order['id']}/attendees/{attendee['id']}/cancel"),
            ("GET", f"/api/v1/attendees/{attendee['id']}/ticket"),
            ("GET", f"/api/v1/attendees/{attendee['ticket_code']}/ticket.ics"),
        ):
            kwargs = {"json": {"status": "cancelled"}} if method == "PATCH" else {}
            refused = await desk.request(method, path, **kwargs)
            assert refused.status_code == 403, (method, path, refused.text)
            assert "outside yours" in refused.json()["detail"]
        assert (await api.http.get(f"/api/v1/orders/{order['id']}")).json()["status"] == order[
            "status"
        ]

        # A new event must name one of Dana's departments; moving one out is refused too.
        for department, expected in (
            (None, "Choose one of your departments"),
            (world["support"], "outside yours"),
        ):
            refused = await dana.post(
                "/api/v1/events", json=_body(world["connection_id"], "New", department)
            )
            assert refused.status_code == 403, refused.text
            assert refused.json()["errors"][0]["field"] == "department_id"
            assert expected in refused.json()["errors"][0]["message"]
        moved = await dana.patch(
            f"/api/v1/events/{north_event}", json={"department_id": world["support"]}
        )
        assert moved.status_code == 403
        made = await dana.post(
            "/api/v1/events", json=_body(world["connection_id"], "Sales demo", world["sales"])
        )
        assert made.status_code == 201, made.text
        assert (await dana.get("/api/v1/events")).json()["total"] == 2
    assert (await api.http.get("/api/v1/events")).json()["total"] == 4


async def test_the_pages_keep_a_department_admin_to_its_departments(api: ApiHarness) -> None:
    world = await _setup(api)
    async with _client(api) as browser:
        login = await browser.get("/login")
        match = CSRF_INPUT.search(login.text)
        assert match
        signed_in = await browser.post(
            "/login",
            data={"email": "dana@example.com", "password": PASSWORD, "csrf_token": match.group(1)},
        )
        assert signed_in.status_code == 303, signed_in.text
        listing = await browser.get("/events")
        assert listing.status_code == 200
        assert "North kick-off" in listing.text
        assert "Support clinic" not in listing.text
        assert "All hands" not in listing.text
        north = await browser.get(f"/events/{world['events']['North kick-off']}")
        assert north.status_code == 200
        for topic in ("Support clinic", "All hands"):
            other = world["events"][topic]
            for path in (
                f"/events/{other}",
                f"/events/{other}/edit",
                f"/events/{other}/attendance",
            ):
                page = await browser.get(path)
                assert page.status_code == 403, (path, page.status_code)
                assert "outside yours" in page.text
                assert topic not in page.text
        # The pages of an order, attendee or ticket of another department's event too.
        clinic_id = world["events"]["Support clinic"]
        placed = await api.http.post(
            f"/api/v1/events/{clinic_id}/orders",
            json={
                "attendees": [{"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee"}]
            },
        )
        order = placed.json()
        attendee_id = order["attendees"][0]["id"]
        for path in (f"/orders/{order['id']}", f"/attendees/{attendee_id}/ticket"):
            page = await browser.get(path)
            assert page.status_code == 403, (path, page.status_code)
        # The new-event form asks for one of Dana's departments (no "none" choice).
        form = await browser.get("/events/new")
        assert "Sales / North" in form.text
        assert "Support" not in form.text
        assert "— none —" not in form.text
