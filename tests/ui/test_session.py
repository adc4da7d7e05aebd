"""Sign-in, CSRF and secrets in the web UI, over HTTP (no browser), on both databases."""

from __future__ import annotations

import re

import httpx

from tests.fixtures.api import ApiHarness
from zoombridge.accounts.service import create_user

EMAIL = "organiser@example.com"
PASSWORD = "correct horse battery"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


async def _signed_in(api: ApiHarness) -> tuple[httpx.AsyncClient, str]:
    async with api.sessionmaker() as session:
        await create_user(session, EMAIL, PASSWORD)
        await session.commit()
    client = api.anonymous
    login = await client.get("/login")
    answer = await client.post(
        "/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": _csrf(login.text)},
    )
    assert answer.status_code == 303
    # Signing in starts a fresh session with a new CSRF token.
    return client, _csrf((await client.get("/connections")).text)


async def test_pages_require_sign_in_and_remember_where_to_go(api: ApiHarness) -> None:
    for path in ("/", "/events", "/connections", "/audit", "/tokens", "/events/new"):
        answer = await api.anonymous.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=")
    answer = await api.anonymous.get("/events/new?connection_id=x")
    assert answer.headers["location"] == "/login?next=%2Fevents%2Fnew%3Fconnection_id%3Dx"


async def test_wrong_password_is_refused(api: ApiHarness) -> None:
    async with api.sessionmaker() as session:
        await create_user(session, EMAIL, PASSWORD)
        await session.commit()
    login = await api.anonymous.get("/login")
    answer = await api.anonymous.post(
        "/login", data={"email": EMAIL, "password": "nope", "csrf_token": _csrf(login.text)}
    )
    assert answer.status_code == 400
    assert "Wrong email or password." in answer.text
    assert (await api.anonymous.get("/events")).status_code == 303


async def test_sign_in_never_redirects_off_site(api: ApiHarness) -> None:
    async with api.sessionmaker() as session:
        await create_user(session, EMAIL, PASSWORD)
        await session.commit()
    login = await api.anonymous.get("/login")
    answer = await api.anonymous.post(
        "/login",
        data={
            "email": EMAIL,
            "password": PASSWORD,
            "next": "//evil.example/",
            "csrf_token": _csrf(login.text),
        },
    )
    assert answer.headers["location"] == "/events"


async def test_posts_without_the_session_csrf_token_change_nothing(api: ApiHarness) -> None:
    client, token = await _signed_in(api)
    form = {"name": "Zoom", "account_id": "a", "client_id": "c", "client_secret": "s3cret-value"}
    for sent in ({}, {"csrf_token": "forged"}):
        answer = await client.post("/connections", data={**form, **sent})
        assert answer.status_code == 403
    assert "No Zoom connection yet" in (await client.get("/connections")).text
    created = await client.post("/connections", data={**form, "csrf_token": token})
    assert created.status_code == 303


async def test_secrets_are_never_shown_back(api: ApiHarness) -> None:
    client, token = await _signed_in(api)
    secret, webhook = "client-secret-value-123", "webhook-secret-value-456"
    created = await client.post(
        "/connections",
        data={
            "csrf_token": token,
            "name": "Zoom",
            "account_id": "acc",
            "client_id": "cid",
            "client_secret": secret,
            "webhook_secret_token": webhook,
        },
    )
    page = await client.get(created.headers["location"])
    edit = await client.get(created.headers["location"] + "/edit")
    # An invalid edit re-renders the form with what was typed, except the secrets.
    refused = await client.post(
        created.headers["location"] + "/edit",
        data={
            "csrf_token": token,
            "name": "",
            "account_id": "acc",
            "client_id": "cid",
            "client_secret": secret,
            "api_url": "not a url",
        },
    )
    assert refused.status_code == 422
    for answer in (page, edit, refused):
        assert secret not in answer.text
        assert webhook not in answer.text
    assert "stored (never shown)" in page.text


async def test_the_api_ignores_the_ui_session(api: ApiHarness) -> None:
    client, _ = await _signed_in(api)
    answer = await client.get("/api/v1/events")
    assert answer.status_code == 401
    assert "set-cookie" not in (await api.anonymous.get("/health")).headers


async def test_sign_out_ends_the_session(api: ApiHarness) -> None:
    client, token = await _signed_in(api)
    assert (await client.post("/logout", data={"csrf_token": token})).status_code == 303
    assert (await client.get("/events")).status_code == 303
