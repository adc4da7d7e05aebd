"""Sessions end (issue 15, item 1): signing out, a new password (UI, API, CLI) and removing the
user end that user's sessions on the server, so a copied cookie stops working at once; a sign-in
older than the configured lifetime is over; the cookie is Secure over https (auto), by setting,
and behind a trusted proxy that says https."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from base64 import b64decode, b64encode
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import itsdangerous
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.fixtures.api import ApiHarness
from tests.security.helpers import CSRF_INPUT, page_csrf, run_cli, sign_in, ui_client
from zoombridge.accounts.permissions import RoleKind
from zoombridge.accounts.service import create_user
from zoombridge.settings import Settings
from zoombridge.web.app import create_app
from zoombridge.web.auth_session import SESSION_COOKIE, session_secret

EMAIL = "dana@example.com"
PASSWORD = "first-Pa55word"


async def _user(api: ApiHarness, email: str = EMAIL, role: RoleKind = RoleKind.OWNER) -> str:
    async with api.sessionmaker() as session:
        user = await create_user(session, email, PASSWORD, role=role)
        await session.commit()
        return str(user.id)


@asynccontextmanager
async def _signed_in(api: ApiHarness, email: str = EMAIL) -> AsyncIterator[httpx.AsyncClient]:
    async with ui_client(api.app) as client:
        assert (await sign_in(client, email, PASSWORD)).status_code == 303
        assert (await client.get("/events")).status_code == 200
        yield client


def _copy(api: ApiHarness, client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Another browser holding the same cookie (stolen, or the same user's other device)."""
    other = ui_client(api.app)
    other.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    return other


async def _is_signed_in(client: httpx.AsyncClient) -> bool:
    answer = await client.get("/events")
    assert answer.status_code in (200, 303), answer.text
    return answer.status_code == 200


async def test_signing_out_ends_a_copied_cookie_too(api: ApiHarness) -> None:
    await _user(api)
    async with _signed_in(api) as browser, _copy(api, browser) as thief:
        assert await _is_signed_in(thief)
        csrf = await page_csrf(browser)
        assert (await browser.post("/logout", data={"csrf_token": csrf})).status_code == 303
        assert not await _is_signed_in(thief)
        assert not await _is_signed_in(browser)
        # Signing in again works (a fresh session with the new epoch).
        assert (await sign_in(browser, EMAIL, PASSWORD)).status_code == 303
        assert await _is_signed_in(browser)
        assert not await _is_signed_in(thief)


async def test_a_new_password_set_by_an_admin_ends_the_users_sessions(api: ApiHarness) -> None:
    user_id = await _user(api)
    await _user(api, "admin@example.com")
    async with (
        _signed_in(api) as dana,
        _signed_in(api, "admin@example.com") as admin,
    ):
        csrf = await page_csrf(admin, f"/users/{user_id}")
        changed = await admin.post(
            f"/users/{user_id}",
            data={"csrf_token": csrf, "name": "Dana", "role": "admin", "password": "new-Pa55word"},
        )
        assert changed.status_code == 303, changed.text
        assert not await _is_signed_in(dana)
        assert await _is_signed_in(admin)


async def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(
    api: ApiHarness,
) -> None:
    user_id = await _user(api)
    async with _signed_in(api) as here, _signed_in(api) as elsewhere:
        csrf = await page_csrf(here, f"/users/{user_id}")
        changed = await here.post(
            f"/users/{user_id}",
            data={"csrf_token": csrf, "name": "", "role": "owner", "password": "new-Pa55word"},
        )
        assert changed.status_code == 303, changed.text
        assert await _is_signed_in(here)
        assert not await _is_signed_in(elsewhere)


async def test_a_password_set_through_the_api_ends_the_users_sessions(api: ApiHarness) -> None:
    user_id = await _user(api)
    async with _signed_in(api) as dana:
        changed = await api.http.patch(f"/api/v1/users/{user_id}", json={"password": "new-Pa55w"})
        assert changed.status_code == 200, changed.text
        assert not await _is_signed_in(dana)
        # A change that is not a password leaves the sessions alone.
        assert (await sign_in(dana, EMAIL, "new-Pa55w")).status_code == 303
        renamed = await api.http.patch(f"/api/v1/users/{user_id}", json={"name": "Dana"})
        assert renamed.status_code == 200
        assert await _is_signed_in(dana)


async def test_a_password_set_on_the_command_line_ends_the_users_sessions(
    api: ApiHarness, cli_settings: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await _user(api)
    async with _signed_in(api) as dana:
        code = await asyncio.to_thread(
            run_cli, "user", "password", EMAIL.upper(), "--generate-password"
        )
        assert code == 0
        out = capsys.readouterr().out
        assert "their sessions have ended" in out
        assert not await _is_signed_in(dana)
        new_password = out.split("password: ", 1)[1].strip()
        assert (await sign_in(dana, EMAIL, new_password)).status_code == 303
    assert (
        await asyncio.to_thread(run_cli, "user", "password", "nobody@x.test", "--generate-password")
        == 1
    )
    assert (
        capsys.readouterr().err.strip()
        == "zoombridge user password: there is no user nobody@x.test"
    )


async def test_removing_a_user_ends_their_sessions(api: ApiHarness) -> None:
    user_id = await _user(api, role=RoleKind.ADMIN)
    async with _signed_in(api) as dana:
        assert (await api.http.delete(f"/api/v1/users/{user_id}")).status_code == 204
        assert not await _is_signed_in(dana)


def _cookie(settings: Settings, data: dict[str, object]) -> str:
    """A session cookie signed with the app's own key, as the app would have set it."""
    signer = itsdangerous.TimestampSigner(session_secret(settings))
    return signer.sign(b64encode(json.dumps(data).encode())).decode()


async def test_a_sign_in_older_than_the_lifetime_is_over(api: ApiHarness) -> None:
    user_id = await _user(api)
    async with _signed_in(api) as browser:
        # The cookie itself is fresh (signed now); only the sign-in it records is old.
        signer = itsdangerous.TimestampSigner(session_secret(api.app.state.settings))
        session = json.loads(b64decode(signer.unsign(browser.cookies[SESSION_COOKIE])))
        assert session["user_id"] == user_id
        lifetime_s = api.app.state.settings.session_lifetime_hours * 3600
        for age, signed_in in ((lifetime_s - 60, True), (lifetime_s + 60, False)):
            session["signed_in_at"] = int(time.time() - age)
            async with ui_client(api.app) as other:
                other.cookies.set(SESSION_COOKIE, _cookie(api.app.state.settings, session))
                assert await _is_signed_in(other) is signed_in, age


async def _set_cookie(
    maker: async_sessionmaker[AsyncSession], tmp_path: Path, base_url: str, **settings: object
) -> str:
    app = create_app(Settings(data_dir=tmp_path, **settings), sessionmaker=maker)  # type: ignore[arg-type]
    async with ui_client(app, base_url) as client:
        return (await client.get("/login")).headers["set-cookie"].lower()


async def test_the_cookie_is_secure_over_https_and_by_setting(
    db_sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    http, https = "http://zoombridge.test", "https://zoombridge.test"
    assert "; secure" not in await _set_cookie(db_sessionmaker, tmp_path, http)
    assert "; secure" in await _set_cookie(db_sessionmaker, tmp_path, https)
    assert "; secure" in await _set_cookie(db_sessionmaker, tmp_path, http, cookie_secure="true")
    assert "; secure" not in await _set_cookie(
        db_sessionmaker, tmp_path, https, cookie_secure="false"
    )
    lifetime = await _set_cookie(db_sessionmaker, tmp_path, http, session_lifetime_hours=8)
    assert "max-age=28800" in lifetime
    assert "httponly" in lifetime
    assert "samesite=lax" in lifetime


async def test_behind_a_trusted_proxy_saying_https_the_cookie_is_secure(
    db_sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """`serve`'s uvicorn options, on a real server on loopback: X-Forwarded-Proto is believed
    from the proxies in `forwarded_allow_ips` only."""
    from zoombridge.web.serve import uvicorn_options

    for allowed, secure in (("127.0.0.1", True), ("10.9.9.9", False)):
        settings = Settings(data_dir=tmp_path, forwarded_allow_ips=allowed)
        app = create_app(settings, sessionmaker=db_sessionmaker)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            app, log_level="warning", lifespan="off", **uvicorn_options(settings)
        )
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
                await asyncio.sleep(0.02)
            port = sock.getsockname()[1]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                answer = await client.get("/login", headers={"X-Forwarded-Proto": "https"})
            assert answer.status_code == 200
            assert ("; secure" in answer.headers["set-cookie"].lower()) is secure, allowed
        finally:
            server.should_exit = True
            await serving
            sock.close()


@pytest.mark.parametrize("target", ["/\\evil.example/", "/\\\\evil.example", "/\tevil"])
async def test_sign_in_never_redirects_off_site_by_a_backslash(
    api: ApiHarness, target: str
) -> None:
    """Browsers read `/\\host` as `//host`: the sign-in form's `next` must not send there."""
    await _user(api)
    async with ui_client(api.app) as browser:
        form = await browser.get("/login")
        match = CSRF_INPUT.search(form.text)
        assert match
        answer = await browser.post(
            "/login",
            data={"email": EMAIL, "password": PASSWORD, "next": target, "csrf_token": match[1]},
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/events"
