"""Roles and permissions (L1): every API route and UI page names the permission it needs; a
refusal names the missing one; a department admin acts only in its departments; only an owner
makes an owner, and the last owner stays."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from tests.fixtures.api import ApiHarness
from tests.security.helpers import signed_in_client
from tests.security.routes import _walk
from zoombridge.accounts.service import create_api_token

# Routes any authenticated caller may use: who am I, sign-in, one's own tokens (the service
# decides whose: one's own, or everyone's with manage_users), the start page.
TOKEN_ONLY = {
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/tokens"),
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/{token_id}"),
}
UI_SIGNED_IN_ONLY = {
    ("GET", "/"),
    ("GET", "/tokens"),
    ("POST", "/tokens"),
    ("POST", "/tokens/{token_id}/revoke"),
}
PUBLIC_UI = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/logout"),
    # The API's documentation: its shape, no data (tests/security/test_auth_required.py).
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}
# The learners' own view (L4): a learner signs in by an emailed link and sees only their own
# events; no staff permission applies (tests/courses check that one learner sees no other's).
LEARNER_OWN = {
    ("POST", "/api/v1/learner/sign-in"),
    ("POST", "/api/v1/learner/token"),
    ("GET", "/api/v1/me/events"),
    ("GET", "/learn/sign-in"),
    ("POST", "/learn/sign-in"),
    ("GET", "/learn/sign-in/confirm"),
    ("POST", "/learn/sign-in/confirm"),
    ("POST", "/learn/sign-out"),
    ("GET", "/learn"),
}


def _calls(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _permissions(route: APIRoute) -> set[str]:
    found: set[str] = set()
    for call in _calls(route.dependant):
        for permission in getattr(call, "permissions", ()):
            found.add(permission.value)
    return found


def test_every_route_names_the_permission_it_needs(api: ApiHarness) -> None:
    missing: list[str] = []
    checked = 0
    for path, methods, route in _walk(list(api.app.routes)):
        if not isinstance(route, APIRoute):
            continue
        for method in methods - {"HEAD"}:
            key = (method, path)
            api_route = path.startswith("/api/v1")
            ui_route = not api_route and not path.startswith(("/webhooks", "/health"))
            if (
                not (api_route or ui_route)
                or key in TOKEN_ONLY | UI_SIGNED_IN_ONLY | PUBLIC_UI | LEARNER_OWN
            ):
                continue
            checked += 1
            if not _permissions(route):
                missing.append(f"{method} {path}")
    assert checked > 80
    assert missing == [], missing


async def _user_token(api: ApiHarness, body: dict[str, Any]) -> tuple[str, str]:
    created = await api.http.post("/api/v1/users", json={"password": "long-enough-1", **body})
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    async with api.sessionmaker() as session:
        token, _ = await create_api_token(session, "t", user_id=uuid.UUID(user_id))
        await session.commit()
    return user_id, token


def _as(api: ApiHarness, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app),
        base_url="http://zoombridge.test",
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_roles_decide_what_a_token_may_do_and_refusals_name_the_permission(
    api: ApiHarness,
) -> None:
    sales = (await api.http.post("/api/v1/departments", json={"name": "Sales"})).json()
    north = (
        await api.http.post("/api/v1/departments", json={"name": "North", "parent_id": sales["id"]})
    ).json()
    assert north["path"] == "Sales / North"
    reporter_role = (
        await api.http.post(
            "/api/v1/roles", json={"name": "Reporter", "permissions": ["see_results"]}
        )
    ).json()
    _, dept_token = await _user_token(
        api,
        {"email": "dana@example.com", "role": "department_admin", "department_ids": [sales["id"]]},
    )
    _, reporter_token = await _user_token(
        api,
        {"email": "rex@example.com", "role": "custom", "custom_role_id": reporter_role["id"]},
    )

    async with _as(api, dept_token) as dana, _as(api, reporter_token) as rex:
        me = (await dana.get("/api/v1/me")).json()
        assert me["role"] == "department_admin"
        assert set(me["department_ids"]) == {sales["id"], north["id"]}  # and those below it
        assert sorted(me["permissions"]) == ["enrol_learners", "manage_events", "see_results"]
        assert [d["path"] for d in (await dana.get("/api/v1/departments")).json()["items"]] == [
            "Sales",
            "Sales / North",
        ]

        refused = await dana.post("/api/v1/connections", json={"name": "x"})
        assert refused.status_code == 403
        assert (
            "“Manage Zoom connections and providers” (manage_connections)"
            in refused.json()["detail"]
        )
        assert (await dana.get("/api/v1/connections")).status_code == 200  # to pick one

        assert (await rex.get("/api/v1/events")).status_code == 200
        refused = await rex.post("/api/v1/events", json={})
        assert refused.status_code == 403
        assert "“Create and edit events” (manage_events)" in refused.json()["detail"]
        refused = await rex.get("/api/v1/users")
        assert refused.status_code == 403
        assert "manage_users" in refused.json()["detail"]


async def test_only_an_owner_makes_an_owner_and_the_last_owner_stays(api: ApiHarness) -> None:
    owner_id, owner_token = await _user_token(api, {"email": "olga@example.com", "role": "owner"})
    _, admin_token = await _user_token(api, {"email": "adam@example.com", "role": "admin"})
    async with _as(api, admin_token) as adam, _as(api, owner_token) as olga:
        made = await adam.post(
            "/api/v1/users",
            json={"email": "eve@example.com", "password": "long-enough-1", "role": "owner"},
        )
        assert made.status_code == 403
        assert "Only an owner" in made.json()["detail"]
        demoted = await adam.patch(f"/api/v1/users/{owner_id}", json={"role": "admin"})
        assert demoted.status_code == 403
        last = await olga.patch(f"/api/v1/users/{owner_id}", json={"role": "admin"})
        assert last.status_code == 409
        assert "last owner" in last.json()["detail"]
        assert (await olga.get(f"/api/v1/users/{owner_id}")).json()["role"] == "owner"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "department_admin"}, "department_ids"),
        ({"role": "custom"}, "custom_role_id"),
        ({"role": "admin", "department_ids": [str(uuid.uuid4())]}, "department_ids"),
        ({"role": "admin", "email": "not-an-email"}, "email"),
        ({"role": "admin", "name": "Eve\nBcc: x@example.com"}, "name"),
    ],
)
async def test_a_user_that_cannot_be_made_is_refused_naming_the_field(
    api: ApiHarness, body: dict[str, Any], field: str
) -> None:
    answer = await api.http.post(
        "/api/v1/users", json={"email": "new@example.com", "password": "long-enough-1", **body}
    )
    assert answer.status_code == 422, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert (await api.http.get("/api/v1/users")).json()["total"] == 0


async def test_a_department_cannot_be_placed_under_itself(api: ApiHarness) -> None:
    top = (await api.http.post("/api/v1/departments", json={"name": "Top"})).json()
    low = (
        await api.http.post("/api/v1/departments", json={"name": "Low", "parent_id": top["id"]})
    ).json()
    loop = await api.http.patch(f"/api/v1/departments/{top['id']}", json={"parent_id": low["id"]})
    assert loop.status_code == 422
    assert [e["field"] for e in loop.json()["errors"]] == ["parent_id"]
    busy = await api.http.delete(f"/api/v1/departments/{top['id']}")
    assert busy.status_code == 409


async def test_a_page_refused_in_the_ui_names_the_permission_and_the_menu_hides_it(
    api: ApiHarness,
) -> None:
    role = (
        await api.http.post(
            "/api/v1/roles", json={"name": "Bookings desk", "permissions": ["manage_bookings"]}
        )
    ).json()
    await api.http.post(
        "/api/v1/users",
        json={
            "email": "desk@example.com",
            "password": "long-enough-1",
            "role": "custom",
            "custom_role_id": role["id"],
        },
    )
    client, _ = await signed_in_client(api, "owner-ui@example.com", "long-enough-1")
    await client.aclose()
    desk = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://zoombridge.test"
    )
    try:
        login = await desk.get("/login")
        csrf = login.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        await desk.post(
            "/login",
            data={"email": "desk@example.com", "password": "long-enough-1", "csrf_token": csrf},
        )
        page = await desk.get("/connections")
        assert page.status_code == 403
        assert "Manage Zoom connections" in page.text
        bookings = await desk.get("/bookings")
        assert bookings.status_code == 200
        assert 'href="/bookings"' in bookings.text
        assert 'href="/connections"' not in bookings.text
        assert 'href="/users"' not in bookings.text
    finally:
        await desk.aclose()
