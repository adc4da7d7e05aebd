"""CSRF: every UI form POST (enumerated from `app.routes`: POST routes outside /api/ and
/webhooks/) refuses a request carrying a valid session cookie but no, an empty or a wrong CSRF
token, with 403 and without acting on it.

The app does not check the Origin header (its defence is the per-session token plus a
SameSite=Lax cookie); a cross-origin POST with a wrong token is refused by the token check,
which the last test shows.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from tests.fixtures.api import ApiHarness
from tests.security.helpers import signed_in_client
from tests.security.routes import ServedRoute, served_routes
from zoombridge.accounts.models import ApiToken


def _form_posts(api: ApiHarness) -> list[ServedRoute]:
    routes = [
        r
        for r in served_routes(api.app)
        if r.method == "POST" and not r.path.startswith(("/api/", "/webhooks/"))
    ]
    assert len(routes) > 10, "too few UI form routes found: did app.routes change?"
    return routes


async def test_every_form_post_refuses_a_missing_or_wrong_csrf_token(api: ApiHarness) -> None:
    client, good = await signed_in_client(api, "csrf@example.test", "pw-" + secrets.token_hex(8))
    accepted = []
    try:
        for route in _form_posts(api):
            for label, form in {
                "no token": {},
                "empty token": {"csrf_token": ""},
                "wrong token": {"csrf_token": secrets.token_urlsafe(32)},
                "token with a suffix": {"csrf_token": good + "x"},
            }.items():
                response = await client.post(route.concrete_path(), data={"name": "x", **form})
                if response.status_code != 403:
                    accepted.append(f"{route} with {label} -> {response.status_code}")
        # Still signed in: the refusals were about the token, not a lost session.
        assert (await client.get("/tokens")).status_code == 200
    finally:
        await client.aclose()
    assert not accepted, "\n".join(accepted)


async def test_a_cross_site_token_creation_is_refused_and_creates_nothing(
    api: ApiHarness,
) -> None:
    client, good = await signed_in_client(api, "csrf2@example.test", "pw-" + secrets.token_hex(8))

    async def tokens() -> int:
        async with api.sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(ApiToken)) or 0)

    before = await tokens()
    try:
        evil = {"origin": "https://evil.example", "referer": "https://evil.example/page"}
        refused = await client.post(
            "/tokens", data={"name": "evil", "csrf_token": "guess"}, headers=evil
        )
        assert refused.status_code == 403
        assert await tokens() == before
        # The same form with this session's token works, so the refusal was the CSRF check.
        ok = await client.post("/tokens", data={"name": "mine", "csrf_token": good})
        assert ok.status_code in (200, 303), ok.text
        assert await tokens() == before + 1
    finally:
        await client.aclose()


async def test_login_form_refuses_a_post_without_csrf_token(api: ApiHarness) -> None:
    response = await api.anonymous.post("/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 403
