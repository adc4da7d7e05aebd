"""Small helpers shared by the hostile-input tests: connections with known secrets, row counts."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.fixtures.api import ApiHarness
from zoombridge.accounts.service import create_user
from zoombridge.sync.models import InboundWebhook


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
