"""Employees and their Zoom users (B2): matched by email, picked from the fetched hosts, and
flagged (when read) when no Zoom user fits."""

from __future__ import annotations

from tests.bookings.helpers import (
    add_connection,
    add_host,
    create_employee,
    remove_host,
    snapshot,
)
from tests.bookings.test_services_api import fields_of
from tests.fixtures.api import ApiHarness

BASE = "/api/v1/employees"


async def test_matched_by_email_case_insensitively(api: ApiHarness) -> None:
    connection_id = await add_connection(
        api.sessionmaker, hosts={"zu-ada": "Ada@Example.com", "zu-bob": "bob@example.com"}
    )
    employee = await create_employee(api.http, connection_id, email="ADA@example.COM")
    assert employee["email"] == "ada@example.com"
    assert employee["zoom_status"] == "mapped"
    assert employee["zoom_user_id"] == "zu-ada"
    assert employee["zoom_user_email"] == "ada@example.com"
    assert employee["zoom_problem"] is None
    assert (await api.http.get(f"{BASE}/{employee['id']}")).json() == employee


async def test_unmatched_is_flagged_until_a_fetch_brings_the_user(api: ApiHarness) -> None:
    connection_id = await add_connection(
        api.sessionmaker, name="Clinic", hosts={"zu-bob": "bob@example.com"}
    )
    employee = await create_employee(api.http, connection_id, email="ada@example.com")
    assert employee["zoom_status"] == "unmapped"
    assert employee["zoom_user_id"] is None
    assert employee["zoom_problem"] == (
        "No Zoom user of Clinic has the email ada@example.com; fetch hosts or pick a Zoom user."
    )
    # A later host fetch adds the user: the employee is mapped when read.
    await add_host(api.sessionmaker, connection_id, "zu-ada", "ada@example.com")
    listed = (await api.http.get(BASE)).json()["items"]
    assert [(e["zoom_status"], e["zoom_user_id"]) for e in listed] == [("mapped", "zu-ada")]


async def test_explicit_pick_and_its_removal(api: ApiHarness) -> None:
    connection_id = await add_connection(
        api.sessionmaker, hosts={"zu-shared": "consult@example.com"}
    )
    employee = await create_employee(api.http, connection_id, zoom_user_id="zu-shared")
    assert (employee["zoom_status"], employee["zoom_user_id"]) == ("mapped", "zu-shared")
    assert employee["zoom_user_email"] == "consult@example.com"
    # The user disappears from a later fetch: flagged before any booking fails on it.
    await remove_host(api.sessionmaker, "zu-shared")
    read = (await api.http.get(f"{BASE}/{employee['id']}")).json()
    assert read["zoom_status"] == "unmapped"
    assert "zu-shared" in read["zoom_problem"]


async def test_explicit_unknown_zoom_user_refused(api: ApiHarness) -> None:
    connection_id = await add_connection(api.sessionmaker, hosts={"zu-ada": "ada@example.com"})
    before = await snapshot(api.sessionmaker)
    response = await api.http.post(
        BASE,
        json={
            "name": "Ada",
            "email": "ada@example.com",
            "connection_id": connection_id,
            "zoom_user_id": "zu-nobody",
        },
    )
    assert response.status_code == 422
    assert "zu-nobody" in fields_of(response.json())["zoom_user_id"]
    assert await snapshot(api.sessionmaker) == before


async def test_duplicate_email_is_a_conflict(api: ApiHarness) -> None:
    await create_employee(api.http, None, email="ada@example.com")
    before = await snapshot(api.sessionmaker)
    response = await api.http.post(BASE, json={"name": "Other Ada", "email": "Ada@Example.COM"})
    assert response.status_code == 409
    assert "email" in fields_of(response.json())
    assert await snapshot(api.sessionmaker) == before


async def test_no_connection_and_update_maps(api: ApiHarness) -> None:
    employee = await create_employee(api.http, None)
    assert employee["zoom_status"] == "no_connection"
    assert employee["zoom_problem"]
    connection_id = await add_connection(api.sessionmaker, hosts={"zu-ada": "ada@example.com"})
    updated = await api.http.patch(
        f"{BASE}/{employee['id']}", json={"connection_id": connection_id}
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["zoom_status"], updated.json()["zoom_user_id"]) == ("mapped", "zu-ada")
    bad = await api.http.patch(f"{BASE}/{employee['id']}", json={"zoom_user_id": "zu-x"})
    assert bad.status_code == 422
    assert "zoom_user_id" in fields_of(bad.json())


async def test_zoom_user_choices(api: ApiHarness) -> None:
    connection_id = await add_connection(
        api.sessionmaker, hosts={"zu-b": "b@example.com", "zu-a": "a@example.com"}
    )
    response = await api.http.get(f"{BASE}/zoom-users", params={"connection_id": connection_id})
    assert response.status_code == 200, response.text
    assert [h["zoom_user_id"] for h in response.json()["items"]] == ["zu-a", "zu-b"]
    missing = await api.http.get(
        f"{BASE}/zoom-users", params={"connection_id": "00000000-0000-4000-8000-000000000000"}
    )
    assert missing.status_code == 404
