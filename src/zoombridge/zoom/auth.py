"""Server-to-Server OAuth access tokens for one Zoom connection.

One token is cached per client and renewed `renew_before` ahead of expiry. Concurrent callers
that need a new token share ONE token request (the first takes the lock and fetches; the rest
find the fresh token when they get the lock). Tokens are kept as SecretStr and never logged.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from zoombridge.zoom.credentials import ZoomCredentials
from zoombridge.zoom.errors import CredentialsRefused, Unavailable, UnexpectedResponse
from zoombridge.zoom.retry import RetryPolicy
from zoombridge.zoom.stats import ClientStats

log = logging.getLogger("zoombridge.zoom.auth")

Clock = Callable[[], datetime]

# Marks the token request (it is not an API operation, so it is not in OPERATIONS).
OAUTH_EXTENSION = "zoom_oauth"


@dataclass(frozen=True)
class AccessToken:
    value: SecretStr = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...] = ()


def _basic_auth(credentials: ZoomCredentials) -> str:
    pair = f"{credentials.client_id}:{credentials.client_secret.get_secret_value()}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


class TokenProvider:
    def __init__(
        self,
        credentials: ZoomCredentials,
        *,
        http: httpx.AsyncClient,
        oauth_url: str,
        clock: Clock,
        retry: RetryPolicy,
        stats: ClientStats,
        renew_before: timedelta = timedelta(minutes=5),
    ) -> None:
        self._credentials = credentials
        self._http = http
        self._oauth_url = oauth_url
        self._clock = clock
        self._retry = retry
        self._stats = stats
        self._renew_before = renew_before
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"TokenProvider(account_id={self._credentials.account_id!r})"

    @property
    def current(self) -> AccessToken | None:
        return self._token

    def _fresh(self, token: AccessToken | None) -> bool:
        return token is not None and self._clock() < token.expires_at - self._renew_before

    async def token(self) -> AccessToken:
        """A valid token, fetching one if the cached token is missing or about to expire."""
        token = self._token
        if self._fresh(token):
            assert token is not None
            return token
        async with self._lock:
            token = self._token
            if self._fresh(token):
                assert token is not None
                return token
            token = await self._fetch()
            self._token = token
            return token

    def invalidate(self, token: AccessToken) -> None:
        """Zoom rejected `token` (code 124): forget it unless another caller replaced it already."""
        if self._token is token:
            self._token = None

    async def _fetch(self) -> AccessToken:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._send()
            except httpx.TransportError as exc:
                failure: str = f"{type(exc).__name__}"
            else:
                if response.status_code < 400:
                    return self._parse(response)
                if response.status_code == 429 or response.status_code >= 500:
                    failure = f"HTTP {response.status_code}"
                else:
                    raise self._refused(response)
            if attempt >= self._retry.max_attempts:
                raise Unavailable(
                    "Could not get an access token from Zoom's OAuth server after "
                    f"{attempt} attempts (last: {failure}). Check the network and "
                    "https://status.zoom.us; the work is retried later.",
                    operation_id="oauth.token",
                )
            self._stats.retries += 1
            await self._retry.sleep(self._retry.backoff(attempt))

    async def _send(self) -> httpx.Response:
        self._stats.token_requests += 1
        request = self._http.build_request(
            "POST",
            self._oauth_url,
            params={
                "grant_type": "account_credentials",
                "account_id": self._credentials.account_id,
            },
            extensions={OAUTH_EXTENSION: True},
        )
        request.headers["Authorization"] = _basic_auth(self._credentials)
        log.debug("requesting a Zoom access token for account %s", self._credentials.account_id)
        return await self._http.send(request)

    def _parse(self, response: httpx.Response) -> AccessToken:
        try:
            body: Any = response.json()
            value = str(body["access_token"])
            expires_in = int(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as exc:
            raise UnexpectedResponse(
                "Zoom's OAuth server answered without a usable access token.",
                status=response.status_code,
                operation_id="oauth.token",
            ) from exc
        scopes = tuple(str(body.get("scope") or "").split())
        return AccessToken(
            value=SecretStr(value),
            expires_at=self._clock() + timedelta(seconds=expires_in),
            scopes=scopes,
        )

    def _refused(self, response: httpx.Response) -> CredentialsRefused:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        error = str(body.get("error") or "")
        reason = str(body.get("reason") or body.get("message") or "")
        if error == "invalid_client":
            message = None  # the default message says what to check
        else:
            message = (
                "Zoom's OAuth server refused the token request "
                f"({reason or error or 'no reason'}). "
                "Check the account id belongs to the Server-to-Server OAuth app and the app is "
                "activated in the Zoom App Marketplace."
            )
        return CredentialsRefused(
            message,
            status=response.status_code,
            code=error or None,
            zoom_message=reason or None,
            operation_id="oauth.token",
        )
