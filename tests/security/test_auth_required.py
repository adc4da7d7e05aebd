"""Every route demands credentials, except a short allow-list.

Routes are enumerated from `app.routes` (tests/security/routes.py), so a route added without
auth fails here without anyone updating a list. Without credentials an API route answers 401
and a UI page redirects to sign-in; with a wrong or revoked API token an API route answers 401.

The allow-list, and why each entry is public:
- GET/POST /login: the sign-in page and form (CSRF-protected, see test_csrf.py);
- POST /logout: signing out needs no account (it only clears the caller's own cookie);
- GET /health: a load balancer's probe, no data;
- POST /webhooks/zoom/{connection_id}: Zoom's deliveries, authenticated by their HMAC signature
  instead (test_webhooks_hostile.py);
- POST /webhooks/automations/{automation_id}: an automation's deliveries, authenticated by the
  automation's own secret instead (tests/contacts/test_automations.py);
- POST and GET /webhooks/hubspot/{connection_id}/register: HubSpot workflow calls, authenticated
  by HubSpot's v3 signature or the connection's API key instead
  (tests/hubspot_sync/test_workflows.py);
- /openapi.json, /docs, /docs/oauth2-redirect, /redoc: the API's shape, no data; publishing it
  lets integrators read it before they have a token;
- POST /api/v1/learner/sign-in, POST /api/v1/learner/token, GET/POST /learn/sign-in and
  GET/POST /learn/sign-in/confirm: a learner asks for an emailed one-time link and uses it
  (the answer never tells whether the email is a learner's; the forms are CSRF-protected);
- /static/*: CSS and images (a mount, skipped by the enumeration).

The learners' own pages (/learn) send an anonymous visitor to the learners' sign-in page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tests.fixtures.api import ApiHarness
from tests.security.routes import ServedRoute, served_routes
from zoombridge.accounts.models import ApiToken
from zoombridge.accounts.service import create_api_token
from zoombridge.db.base import utc_now

PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/health"),
    ("POST", "/webhooks/zoom/{connection_id}"),
    ("POST", "/webhooks/automations/{automation_id}"),
    ("POST", "/webhooks/hubspot/{connection_id}/register"),
    ("GET", "/webhooks/hubspot/{connection_id}/register"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("POST", "/api/v1/learner/sign-in"),
    ("POST", "/api/v1/learner/token"),
    ("GET", "/learn/sign-in"),
    ("POST", "/learn/sign-in"),
    ("GET", "/learn/sign-in/confirm"),
    ("POST", "/learn/sign-in/confirm"),
}


def _protected(api: ApiHarness) -> list[ServedRoute]:
    routes = served_routes(api.app)
    assert len(routes) > 60, "route enumeration found too few routes: did app.routes change?"
    # The allow-list must not hide a route that no longer exists (it would then be stale).
    served = {(r.method, r.path) for r in routes}
    assert served >= PUBLIC, PUBLIC - served
    return [r for r in routes if (r.method, r.path) not in PUBLIC]


def _refused_as_anonymous(route: ServedRoute, status: int, location: str) -> bool:
    if route.ui:
        # A page redirects to sign-in; a form POST may instead fail its CSRF check first.
        learner_page = route.path == "/learn" or route.path.startswith("/learn/")
        sign_in = "/learn/sign-in" if learner_page else "/login"
        return (status in (302, 303, 307) and location.startswith(sign_in)) or (
            route.method == "POST" and status == 403
        )
    return status == 401


async def _let_through_anonymously(api: ApiHarness) -> list[str]:
    let_through = []
    for route in _protected(api):
        response = await api.anonymous.request(route.method, route.concrete_path())
        location = response.headers.get("location", "")
        if not _refused_as_anonymous(route, response.status_code, location):
            let_through.append(f"{route} -> {response.status_code} {response.text[:120]!r}")
    return let_through


async def test_every_route_outside_the_allow_list_needs_credentials(api: ApiHarness) -> None:
    let_through = await _let_through_anonymously(api)
    assert not let_through, "\n".join(let_through)


async def test_a_route_added_without_auth_is_caught(api: ApiHarness) -> None:
    # The enumeration above must see routes nobody listed: add one with no auth at all.
    async def leak() -> dict[str, str]:
        return {"secret": "everything"}

    api.app.add_api_route("/api/v1/zz-added-without-auth", leak, methods=["GET"])
    let_through = await _let_through_anonymously(api)
    assert let_through == ['GET /api/v1/zz-added-without-auth -> 200 \'{"secret":"everything"}\'']


async def test_api_routes_refuse_wrong_and_revoked_tokens(api: ApiHarness) -> None:
    async with api.sessionmaker() as session:
        revoked, record = await create_api_token(session, "revoked")
        await session.flush()
        await session.execute(
            update(ApiToken).where(ApiToken.id == record.id).values(revoked_at=utc_now())
        )
        await session.commit()
    credentials = {
        "wrong token": {"Authorization": "Bearer zb_not-a-real-token"},
        "revoked token": {"Authorization": f"Bearer {revoked}"},
        "token without scheme": {"Authorization": api.token},
        "basic scheme": {"Authorization": f"Basic {api.token}"},
        "empty bearer": {"Authorization": "Bearer "},
        "token in query": {},
    }
    api_routes = [r for r in _protected(api) if not r.ui]
    assert api_routes
    let_through = []
    for route in api_routes:
        for label, headers in credentials.items():
            params = (
                {"token": api.token, "access_token": api.token}
                if label == "token in query"
                else None
            )
            response = await api.anonymous.request(
                route.method, route.concrete_path(), headers=headers, params=params
            )
            if response.status_code != 401:
                let_through.append(f"{route} with {label} -> {response.status_code}")
            elif route.path.startswith("/api/"):
                assert response.headers.get("www-authenticate") == "Bearer", route
    assert not let_through, "\n".join(let_through)


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/login"])
async def test_public_routes_answer_without_credentials(api: ApiHarness, path: str) -> None:
    response = await api.anonymous.get(path)
    assert response.status_code == 200
