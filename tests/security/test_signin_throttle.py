"""Sign-in throttled (issue 15, item 3): after repeated failures for one account (from any
address) or from one client address (for any accounts) further attempts are refused with 429
and Retry-After, for a delay that grows; the counts are in the database, so every `serve`
process shares them; an unknown email costs the same work as a wrong password.

Waiting out a delay is simulated by moving the stored deadline into the past, never by sleeping.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from tests.fixtures.api import ApiHarness
from tests.security.helpers import CSRF_INPUT
from zoombridge.accounts import passwords
from zoombridge.accounts.service import create_user
from zoombridge.db.base import utc_now
from zoombridge.settings import Settings
from zoombridge.web.app import create_app

EMAIL = "dana@example.com"
PASSWORD = "right-Pa55word"
HOME, AWAY = "198.51.100.7", "203.0.113.9"


def _browser(app: object, address: str = HOME) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://zoombridge.test")


async def _attempt(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    form = await client.get("/login")
    match = CSRF_INPUT.search(form.text)
    assert match, form.text
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": match.group(1)}
    )


def _failures() -> Any:
    from zoombridge.accounts.models import SignInFailures

    return SignInFailures


async def _wait_it_out(api: ApiHarness) -> None:
    SignInFailures = _failures()
    async with api.sessionmaker() as session:
        await session.execute(update(SignInFailures).values(blocked_until=utc_now()))
        await session.commit()


@pytest.fixture
async def user(api: ApiHarness) -> None:
    async with api.sessionmaker() as session:
        await create_user(session, EMAIL, PASSWORD)
        await session.commit()


def _retry_after(answer: httpx.Response) -> int:
    assert answer.status_code == 429, answer.text
    assert "Too many failed sign-ins" in answer.text
    return int(answer.headers["retry-after"])


async def test_failures_for_one_account_make_it_wait_longer_and_longer(
    api: ApiHarness, user: None
) -> None:
    async with _browser(api.app) as home, _browser(api.app, AWAY) as away:
        for _ in range(5):
            assert (await _attempt(home, EMAIL, "wrong")).status_code == 400
        # The account waits, from any address, even with the right password.
        first = _retry_after(await _attempt(away, EMAIL, PASSWORD))
        assert 0 < first <= 15
        assert (await home.get("/events")).status_code == 303  # not signed in

        await _wait_it_out(api)
        assert (await _attempt(away, EMAIL, "wrong again")).status_code == 400
        second = _retry_after(await _attempt(home, EMAIL, PASSWORD))
        assert first < second <= 30

        await _wait_it_out(api)
        assert (await _attempt(home, EMAIL, PASSWORD)).status_code == 303
        # A success clears the account's count: the next mistakes start from the beginning.
        assert (await _attempt(away, EMAIL, "wrong")).status_code == 400
        assert (await _attempt(away, EMAIL, "wrong")).status_code == 400


async def test_failures_from_one_address_make_that_address_wait(
    api: ApiHarness, user: None
) -> None:
    async with _browser(api.app) as home, _browser(api.app, AWAY) as away:
        for index in range(20):
            answer = await _attempt(home, f"guess{index}@example.com", "guess")
            assert answer.status_code == 400, index
        assert _retry_after(await _attempt(home, EMAIL, PASSWORD)) <= 15
        # Another address is not held up by this one.
        assert (await _attempt(away, EMAIL, PASSWORD)).status_code == 303
    SignInFailures = _failures()
    async with api.sessionmaker() as session:
        # Hashed keys: no address or email typed at the form is kept.
        keys = list(await session.scalars(select(SignInFailures.key)))
    assert all(len(key) == 64 and "@" not in key for key in keys)


async def test_every_serve_process_sees_the_same_counts(api: ApiHarness, user: None) -> None:
    other_process = create_app(
        Settings(data_dir=api.app.state.settings.data_dir), sessionmaker=api.sessionmaker
    )
    async with _browser(api.app) as first, _browser(other_process, AWAY) as second:
        for _ in range(5):
            assert (await _attempt(first, EMAIL, "wrong")).status_code == 400
        _retry_after(await _attempt(second, EMAIL, PASSWORD))


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every scrypt computation, counted where passwords.py does it."""
    calls: list[str] = []
    derive = passwords._derive

    def counting(password: str, salt: bytes) -> bytes:
        calls.append(password)
        return derive(password, salt)

    monkeypatch.setattr(passwords, "_derive", counting)
    return calls


async def test_an_unknown_email_costs_the_same_work_as_a_wrong_password(
    api: ApiHarness, user: None, scrypt_calls: list[str]
) -> None:
    async with _browser(api.app) as client:
        work: dict[str, int] = {}
        answers: dict[str, str] = {}
        for case, email, password in (
            ("unknown email", "nobody@example.com", "guess-1"),
            ("wrong password", EMAIL, "guess-2"),
            ("right password", EMAIL, PASSWORD),
        ):
            before = len(scrypt_calls)
            answer = await _attempt(client, email, password)
            work[case] = len(scrypt_calls) - before
            answers[case] = answer.text.replace(email, "EMAIL")
    assert work == {"unknown email": 1, "wrong password": 1, "right password": 1}
    assert answers["unknown email"] == answers["wrong password"]  # the same page, word for word

    # A waiting account or address is refused without any password work, known or not.
    async with _browser(api.app, AWAY) as client:
        for _ in range(5):
            await _attempt(client, "nobody@example.com", "x")
            await _attempt(client, EMAIL, "x")
        before = len(scrypt_calls)
        assert (await _attempt(client, "nobody@example.com", "x")).status_code == 429
        assert (await _attempt(client, EMAIL, "x")).status_code == 429
        assert len(scrypt_calls) == before
    async with api.sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(_failures()))
    assert count == 4  # two accounts, two addresses
