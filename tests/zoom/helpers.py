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


class SimAdmin:
    """The simulator's documented `/_sim` admin paths (plain HTTP; no simulator imports)."""

    def __init__(self, admin_url: str) -> None:
        self._http = httpx.Client(base_url=admin_url.rstrip("/"), timeout=10.0)

    def close(self) -> None:
        self._http.close()

    def _ok(self, response: httpx.Response) -> Any:
        assert response.status_code < 300, f"{response.request.url}: {response.text}"
        return response.json() if response.content else None

    def get(self, path: str) -> Any:
        return self._ok(self._http.get(path))

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._ok(self._http.post(path, json=body or {}))

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self._ok(self._http.put(path, json=body))

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.get("/stats")
        return result

    def clock(self) -> datetime:
        body = self.get("/clock")
        text = body["now"] if isinstance(body, dict) else str(body)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    def advance_clock(self, seconds: float) -> None:
        self.post("/clock", {"advance_seconds": seconds})

    def set_faults(self, **faults: float) -> None:
        self.put("/faults", faults)

    def revoke_tokens(self, account_id: str) -> None:
        self.post(f"/accounts/{account_id}/tokens/revoke")

    def create_account(self, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.post("/accounts", fields)
        return result

    def add_user(self, account_id: str, email: str, first: str = "Ann", last: str = "User") -> Any:
        return self.post(
            f"/accounts/{account_id}/users",
            {"email": email, "first_name": first, "last_name": last},
        )


def route_count(stats: dict[str, Any], *needles: str, account: str | None = None) -> int:
    """Calls the simulator counted on routes whose name contains every needle."""
    routes: dict[str, int] = (
        stats["accounts"].get(account, {}).get("routes", {}) if account else stats["routes"]
    )
    return sum(n for name, n in routes.items() if all(x.lower() in name.lower() for x in needles))


def status_count(stats: dict[str, Any], status: int) -> int:
    return int(stats["statuses"].get(str(status), 0))
