"""Server-to-Server OAuth against the simulator: caching, sharing, renewal, several accounts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import SecretStr

from tests.fixtures.simulator import SimAdmin
from tests.zoom.conftest import ClientFactory, default_credentials
from tests.zoom.helpers import MovableClock, route_count
from zoombridge.settings import Settings
from zoombridge.zoom import CredentialsRefused, LimiterRegistry, ZoomClient, ZoomCredentials


async def test_one_token_request_shared_by_concurrent_callers(
    zoom: ZoomClient, admin: SimAdmin
) -> None:
    users = await asyncio.gather(*(zoom.get_user("me") for _ in range(25)))
    assert {u.email for u in users} == {"host@example.com"}
    assert route_count(admin.stats(), "oauth") == 1
    assert zoom.stats.token_requests == 1
    await zoom.get_user("me")
    assert route_count(admin.stats(), "oauth") == 1  # cached


async def test_revoked_token_is_renewed_once_and_the_call_succeeds(
    zoom: ZoomClient, admin: SimAdmin
) -> None:
    await zoom.get_user("me")
    admin.revoke_tokens("sim-account")
    results = await asyncio.gather(*(zoom.get_user("me") for _ in range(5)))
    assert len(results) == 5
    assert route_count(admin.stats(), "oauth") == 2  # one renewal, shared
    assert zoom.stats.token_renewals_on_401 >= 1


async def test_token_renewed_before_expiry(
    make_client: ClientFactory, simulator: Any, admin: SimAdmin
) -> None:
    clock = MovableClock(admin.now())
    zoom = make_client(simulator, clock=clock)
    await zoom.get_user("me")
    clock.advance(minutes=56)  # within 5 minutes of the 60-minute lifetime
    admin.advance_clock(56 * 60)
    await zoom.get_user("me")
    assert route_count(admin.stats(), "oauth") == 2
    assert zoom.stats.token_renewals_on_401 == 0  # renewed ahead, never refused


async def test_several_connections_side_by_side(
    make_client: ClientFactory, simulator: Any, admin: SimAdmin
) -> None:
    other = admin.create_account(plan="business", webinar_addon=False)
    other_creds = ZoomCredentials(
        account_id=other["account_id"],
        client_id=other["client_id"],
        client_secret=SecretStr(other["client_secret"]),
    )
    first = make_client(simulator)
    second = make_client(simulator, other_creds)
    a, b = await asyncio.gather(first.get_user("me"), second.get_user("me"))
    assert a.email == "host@example.com"
    assert b.email != a.email
    assert first.stats.token_requests == 1
    assert second.stats.token_requests == 1
    # Each connection keeps its own token: revoking one account's leaves the other untouched.
    admin.revoke_tokens(other["account_id"])
    await first.get_user("me")
    assert first.stats.token_renewals_on_401 == 0
    await second.get_user("me")
    assert second.stats.token_renewals_on_401 == 1


async def test_bad_credentials_raise_credentials_refused(
    make_client: ClientFactory, simulator: Any
) -> None:
    creds = ZoomCredentials(
        account_id="sim-account",
        client_id="sim-client-id",
        client_secret=SecretStr("not-the-secret-xyz"),
    )
    zoom = make_client(simulator, creds)
    with pytest.raises(CredentialsRefused) as info:
        await zoom.get_user("me")
    error = info.value
    assert error.status == 400
    assert error.code == "invalid_client"
    assert "client secret" in error.user_message
    assert "not-the-secret-xyz" not in str(error)
    assert "not-the-secret-xyz" not in repr(error)


async def test_secrets_and_tokens_never_in_reprs(zoom: ZoomClient) -> None:
    await zoom.get_user("me")
    token = zoom._auth.current
    assert token is not None
    secret_value = token.value.get_secret_value()
    for text in (repr(zoom), str(zoom), repr(token), repr(default_credentials()), repr(zoom._auth)):
        assert secret_value not in text
        assert "sim-client-secret" not in text


async def test_from_settings_uses_configured_urls(
    simulator: Any, zoom_transport: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_ZOOM_API_URL", simulator.api_url)
    monkeypatch.setenv("ZOOMBRIDGE_ZOOM_OAUTH_URL", simulator.oauth_url)
    async with ZoomClient.from_settings(
        Settings(), default_credentials(), transport=zoom_transport, limiters=LimiterRegistry()
    ) as zoom:
        assert zoom.api_url == simulator.api_url
        assert (await zoom.get_user("me")).email == "host@example.com"
