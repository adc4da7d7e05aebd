"""API tokens (issue 15, item 2): made with an optional expiry, listed with their last use, and
revoked through the API, the CLI and the UI; a revoked or expired token is refused (401) at its
very next request. A token cannot be used to get more than it has."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from tests.fixtures.api import ApiHarness
from tests.security.helpers import page_csrf, run_cli, sign_in, ui_client
from zoombridge.accounts.models import ApiToken
from zoombridge.accounts.service import create_api_token
from zoombridge.db.base import utc_now


def _as(api: ApiHarness, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app),
        base_url="http://zoombridge.test",
        headers={"Authorization": f"Bearer {token}"},
    )


async def _user_with_token(api: ApiHarness, email: str, role: str = "admin") -> tuple[str, str]:
    made = await api.http.post(
        "/api/v1/users", json={"email": email, "password": "long-enough-1", "role": role}
    )
    assert made.status_code == 201, made.text
    async with api.sessionmaker() as session:
        plain, _ = await create_api_token(session, email, user_id=uuid.UUID(made.json()["id"]))
        await session.commit()
    return made.json()["id"], plain


async def test_a_token_made_through_the_api_expires_and_is_revoked_at_once(
    api: ApiHarness,
) -> None:
    made = await api.http.post("/api/v1/tokens", json={"name": "shop", "expires_in_days": 30})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["token"].startswith(body["prefix"])
    assert body["state"] == "active"
    assert body["expires_at"] is not None
    async with _as(api, body["token"]) as shop:
        assert (await shop.get("/api/v1/events")).status_code == 200
        listed = {t["id"]: t for t in (await api.http.get("/api/v1/tokens")).json()["items"]}
        assert listed[body["id"]]["last_used_at"] is not None  # its use shows
        assert "token" not in listed[body["id"]]  # the value is never listed again

        assert (await api.http.delete(f"/api/v1/tokens/{body['id']}")).status_code == 204
        refused = await shop.get("/api/v1/events")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
    listed = {t["id"]: t for t in (await api.http.get("/api/v1/tokens")).json()["items"]}
    assert listed[body["id"]]["state"] == "revoked"


async def test_an_expired_token_is_refused(api: ApiHarness) -> None:
    made = (await api.http.post("/api/v1/tokens", json={"name": "short"})).json()
    assert made["expires_at"] is None  # no expiry asked for: none
    async with _as(api, made["token"]) as client:
        assert (await client.get("/api/v1/me")).status_code == 200
        async with api.sessionmaker() as session:
            await session.execute(
                update(ApiToken)
                .where(ApiToken.id == uuid.UUID(made["id"]))
                .values(expires_at=utc_now() - timedelta(seconds=1))
            )
            await session.commit()
        assert (await client.get("/api/v1/me")).status_code == 401
        assert (await client.post("/api/v1/tokens", json={"name": "again"})).status_code == 401
    listed = {t["id"]: t["state"] for t in (await api.http.get("/api/v1/tokens")).json()["items"]}
    assert listed[made["id"]] == "expired"


async def test_a_token_made_with_an_expiring_token_never_outlives_it(api: ApiHarness) -> None:
    parent = (
        await api.http.post("/api/v1/tokens", json={"name": "parent", "expires_in_days": 2})
    ).json()
    async with _as(api, parent["token"]) as client:
        child = (await client.post("/api/v1/tokens", json={"name": "child"})).json()
        longer = (
            await client.post("/api/v1/tokens", json={"name": "longer", "expires_in_days": 90})
        ).json()
    assert child["expires_at"] == parent["expires_at"]
    assert longer["expires_at"] == parent["expires_at"]


async def test_users_manage_their_own_tokens_and_user_managers_everyones(
    api: ApiHarness,
) -> None:
    role = (
        await api.http.post("/api/v1/roles", json={"name": "Desk", "permissions": ["see_results"]})
    ).json()
    desk_made = await api.http.post(
        "/api/v1/users",
        json={
            "email": "desk@example.com",
            "password": "long-enough-1",
            "role": "custom",
            "custom_role_id": role["id"],
        },
    )
    async with api.sessionmaker() as session:
        desk_token, _ = await create_api_token(
            session, "desk", user_id=uuid.UUID(desk_made.json()["id"])
        )
        await session.commit()
    _, admin_token = await _user_with_token(api, "adam@example.com")
    owner_id, _ = await _user_with_token(api, "olga@example.com", role="owner")
    operator = {t["name"]: t for t in (await api.http.get("/api/v1/tokens")).json()["items"]}

    async with _as(api, desk_token) as desk, _as(api, admin_token) as adam:
        own = (await desk.post("/api/v1/tokens", json={"name": "desk report"})).json()
        assert [t["name"] for t in (await desk.get("/api/v1/tokens")).json()["items"]] == [
            "desk report",
            "desk",
        ]
        # Another user's token is not there for a user without manage_users.
        other = await desk.delete(f"/api/v1/tokens/{operator['tests']['id']}")
        assert other.status_code == 404
        for_someone = await desk.post("/api/v1/tokens", json={"name": "x", "user_id": owner_id})
        assert for_someone.status_code == 403
        assert "manage_users" in for_someone.json()["detail"]

        # An admin sees and revokes everyone's, but makes no token that would act as an owner.
        names = {t["name"] for t in (await adam.get("/api/v1/tokens")).json()["items"]}
        assert {"desk report", "desk", "tests"} <= names
        assert (await adam.delete(f"/api/v1/tokens/{own['id']}")).status_code == 204
        as_owner = await adam.post("/api/v1/tokens", json={"name": "x", "user_id": owner_id})
        assert as_owner.status_code == 403
        assert "Only an owner" in as_owner.json()["detail"]
        assert (await desk.get("/api/v1/me")).status_code == 200
    async with _as(api, own["token"]) as revoked:
        assert (await revoked.get("/api/v1/me")).status_code == 401


async def test_removing_a_user_revokes_their_tokens_instead_of_making_them_an_owners(
    api: ApiHarness,
) -> None:
    """The tokens' user is set to null when the user goes; a token without a user acts as the
    server operator (an owner). Before, a removed desk clerk's token became an owner's."""
    role = (
        await api.http.post("/api/v1/roles", json={"name": "Desk", "permissions": ["see_results"]})
    ).json()
    made = await api.http.post(
        "/api/v1/users",
        json={
            "email": "desk@example.com",
            "password": "long-enough-1",
            "role": "custom",
            "custom_role_id": role["id"],
        },
    )
    async with api.sessionmaker() as session:
        plain, _ = await create_api_token(session, "desk", user_id=uuid.UUID(made.json()["id"]))
        await session.commit()
    async with _as(api, plain) as desk:
        assert (await desk.get("/api/v1/users")).status_code == 403
        assert (await api.http.delete(f"/api/v1/users/{made.json()['id']}")).status_code == 204
        assert (await desk.get("/api/v1/users")).status_code == 401
        assert (await desk.get("/api/v1/me")).status_code == 401


async def test_the_command_line_makes_lists_and_revokes_tokens(
    api: ApiHarness, cli_settings: None, capsys: Any
) -> None:
    user_id, _ = await _user_with_token(api, "adam@example.com")
    assert (
        await asyncio.to_thread(
            run_cli, "token", "create", "shop", "--user", "Adam@Example.com", "--expires-days", "7"
        )
        == 0
    )
    plain = capsys.readouterr().out.strip()
    async with _as(api, plain) as shop:
        me = (await shop.get("/api/v1/me")).json()
        assert me["user_id"] == user_id
        assert (await asyncio.to_thread(run_cli, "token", "list")) == 0
        [line] = [row for row in capsys.readouterr().out.splitlines() if "'shop'" in row]
        assert plain[:10] in line
        assert "adam@example.com" in line
        assert "last used 20" in line  # it was just used
        assert re.search(r"expires 20\d\d-", line)
        assert (await asyncio.to_thread(run_cli, "token", "revoke", plain[:10])) == 0
        assert "revoked" in capsys.readouterr().out
        assert (await shop.get("/api/v1/me")).status_code == 401
    assert (await asyncio.to_thread(run_cli, "token", "revoke", "zb_nothing")) == 1
    assert "no token has the id or prefix" in capsys.readouterr().err
    assert (await asyncio.to_thread(run_cli, "token", "create", "x", "--user", "no@x.test")) == 1
    assert capsys.readouterr().err.strip().startswith("zoombridge token create: There is no user")


async def test_the_tokens_page_lists_last_use_and_expiry_and_revokes(api: ApiHarness) -> None:
    async with ui_client(api.app) as browser:
        await api.http.post(
            "/api/v1/users",
            json={"email": "olga@example.com", "password": "long-enough-1", "role": "owner"},
        )
        assert (await sign_in(browser, "olga@example.com", "long-enough-1")).status_code == 303
        csrf = await page_csrf(browser)
        created = await browser.post(
            "/tokens", data={"csrf_token": csrf, "name": "shop", "expires_in_days": "30"}
        )
        assert created.status_code == 200
        match = re.search(r'data-testid="new-token">(zb_[^<]+)<', created.text)
        assert match, created.text
        plain = match.group(1)
        async with _as(api, plain) as shop:
            assert (await shop.get("/api/v1/me")).status_code == 200
            page = (await browser.get("/tokens")).text
            async with api.sessionmaker() as session:
                record = await session.scalar(select(ApiToken).where(ApiToken.name == "shop"))
            assert record is not None
            assert record.last_used_at is not None
            assert record.expires_at is not None
            row = page.split(f'data-token-id="{record.id}"', 1)[1].split("</tr>", 1)[0]
            assert record.last_used_at.strftime("%Y-%m-%d %H:%M") in row
            assert record.expires_at.strftime("%Y-%m-%d %H:%M") in row
            assert "Revoke" in row
            # The operator's token ("tests") is listed too: an owner may manage users.
            assert "server operator" in page

            revoked = await browser.post(
                f"/tokens/{record.id}/revoke", data={"csrf_token": await page_csrf(browser)}
            )
            assert revoked.status_code == 303
            assert (await shop.get("/api/v1/me")).status_code == 401
            after = (await browser.get("/tokens")).text
            assert "is revoked" in after
            row = after.split(f'data-token-id="{record.id}"', 1)[1].split("</tr>", 1)[0]
            assert "revoked" in row
            assert "Revoke" not in row
        bad = await browser.post(
            "/tokens", data={"csrf_token": await page_csrf(browser), "name": "a\nb"}
        )
        assert bad.status_code == 422
        assert "without a line break" in bad.text
