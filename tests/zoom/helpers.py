"""Helpers for the Zoom client's tests (plain functions and classes, no fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from zoombridge.zoom import LimiterRegistry, RetryPolicy, ZoomClient, ZoomCredentials

CANNED_TOKEN = "canned-token-value"


class MovableClock:
    """The client's wall clock, moved by tests (daily windows, token expiry)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def no_sleep(seconds: float) -> None:
    return None


def fast_retry(**overrides: object) -> RetryPolicy:
    """Retries without waiting, so tests stay fast."""
    return RetryPolicy(sleep=no_sleep, **overrides)  # type: ignore[arg-type]


def canned_client(
    handler: Callable[[httpx.Request], httpx.Response], **kwargs: object
) -> ZoomClient:
    """A client whose every answer comes from `handler` (parsing units only: no Zoom logic).

    The token endpoint answers a canned token; everything else goes to `handler`.
    """

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return httpx.Response(
                200, json={"access_token": CANNED_TOKEN, "token_type": "bearer", "expires_in": 3600}
            )
        return handler(request)

    creds = ZoomCredentials(
        account_id="canned-account", client_id="cid", client_secret=SecretStr("csecret")
    )
    options: dict[str, object] = {
        "api_url": "https://zoom.test/v2",
        "oauth_url": "https://zoom.test/oauth/token",
        "transport": httpx.MockTransport(route),
        "limiters": LimiterRegistry(),
        "retry": fast_retry(),
    }
    options.update(kwargs)
    return ZoomClient(creds, **options)  # type: ignore[arg-type]


def route_count(stats: dict[str, Any], *needles: str, account: str | None = None) -> int:
    """Calls the simulator counted on routes whose name contains every needle."""
    routes: dict[str, int] = (
        stats["accounts"].get(account, {}).get("routes", {}) if account else stats["routes"]
    )
    return sum(n for name, n in routes.items() if all(x.lower() in name.lower() for x in needles))


def status_count(stats: dict[str, Any], status: int) -> int:
    return int(stats["statuses"].get(str(status), 0))
