"""Fixtures for the Zoom client's integration tests (the simulator fixtures are shared ones)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from tests.fixtures.simulator import SimAdmin
from tests.zoom.helpers import fast_retry
from zoombridge.zoom import LimiterRegistry, ZoomClient, ZoomCredentials

ClientFactory = Callable[..., ZoomClient]


def default_credentials() -> ZoomCredentials:
    return ZoomCredentials(
        account_id="sim-account",
        client_id="sim-client-id",
        client_secret=SecretStr("sim-client-secret"),
    )


@pytest.fixture
def admin(simulator: Any) -> Iterator[SimAdmin]:
    helper = SimAdmin(simulator)
    yield helper
    helper.close()


@pytest.fixture
async def make_client(
    zoom_transport: httpx.AsyncBaseTransport,
) -> AsyncIterator[ClientFactory]:
    """Builds clients on the spec-validating transport; each test gets its own limiter registry
    (the simulators of different tests share account ids, limiters must not leak between them)."""
    made: list[ZoomClient] = []
    registry = LimiterRegistry()

    def build(server: Any, credentials: ZoomCredentials | None = None, **kw: Any) -> ZoomClient:
        kw.setdefault("limiters", registry)
        kw.setdefault("retry", fast_retry())
        kw.setdefault("transport", zoom_transport)
        client = ZoomClient(
            credentials or default_credentials(),
            api_url=server.api_url,
            oauth_url=server.oauth_url,
            **kw,
        )
        made.append(client)
        return client

    yield build
    for client in made:
        await client.aclose()


@pytest.fixture
async def zoom(make_client: ClientFactory, simulator: Any) -> ZoomClient:
    return make_client(simulator)
