"""Small helpers shared by the hostile-input tests: connections with known secrets, row counts."""

from __future__ import annotations

import argparse
import re
import secrets
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.fixtures.api import ApiHarness
from zoombridge.accounts.service import create_user
from zoombridge.engine.models import InboundWebhook


@dataclass(frozen=True)
class CreatedConnection:
    id: str
    client_secret: str
    webhook_secret: str


async def create_connection(api: ApiHarness, name: str) -> CreatedConnection:
    """A connection made through the API, with secrets that occur nowhere else."""
    client_secret = "cs-" + secrets.token_urlsafe(24)
    webhook_secret = "wh-" + secrets.token_urlsafe(24)
    response = await api.http.post(
        "/api/v1/connections",
        json={
            "name": name,
            "account_id": "acct-" + secrets.token_hex(4),
            "client_id": "client-" + secrets.token_hex(4),
            "client_secret": client_secret,
            "webhook_secret_token": webhook_secret,
        },
    )
    assert response.status_code == 201, response.text
    return CreatedConnection(response.json()["id"], client_secret, webhook_secret)


async def inbound_webhook_count(maker: async_sessionmaker[AsyncSession]) -> int:
    async with maker() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundWebhook)) or 0)


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


async def signed_in_client(
    api: ApiHarness, email: str, password: str
) -> tuple[httpx.AsyncClient, str]:
    """A browser-like client signed in to the UI (cookie session) and its CSRF token."""
    async with api.sessionmaker() as session:
        await create_user(session, email, password)
        await session.commit()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://zoombridge.test"
    )
    form = await client.get("/login")
    match = CSRF_INPUT.search(form.text)
    assert match, form.text
    signed_in = await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": match.group(1)}
    )
    assert signed_in.status_code == 303, signed_in.text
    page = await client.get("/tokens")
    assert page.status_code == 200, page.text
    token = CSRF_INPUT.search(page.text)
    assert token, page.text
    return client, token.group(1)


def ui_client(app: object, base_url: str = "http://zoombridge.test") -> httpx.AsyncClient:
    """A browser-like client of the app (keeps cookies), signed in to nothing yet."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)  # type: ignore[arg-type]


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    """Posts the sign-in form as a browser would (with the login page's CSRF token)."""
    form = await client.get("/login")
    match = CSRF_INPUT.search(form.text)
    assert match, form.text
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": match.group(1)}
    )


async def page_csrf(client: httpx.AsyncClient, path: str = "/tokens") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    token = CSRF_INPUT.search(page.text)
    assert token, page.text
    return token.group(1)


def run_cli(*argv: str) -> int:
    """`zoombridge user|token …` through the accounts CLI's parser (in a thread from async
    tests: it runs its own event loop)."""
    from zoombridge.accounts import cli

    parser = argparse.ArgumentParser(prog="zoombridge")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result
