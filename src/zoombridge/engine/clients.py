"""One ZoomClient per connection for the worker's process, sharing one LimiterRegistry.

Zoom's rate limits are per account, so every client of one account must draw from the same
limiters: within a process the registry is the worker's; across the worker processes on one
PostgreSQL database it is shared through the database (engine.shared_limits), which the pool picks
when given the worker's sessionmaker. Clients keep their access token between passes, and are
rebuilt when the connection's credentials or URLs change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from zoombridge.engine.shared_limits import limiters_for
from zoombridge.settings import Settings
from zoombridge.zoom import LimiterRegistry, Plan, RetryPolicy, ZoomClient, ZoomCredentials

Clock = Callable[[], datetime]

# The worker retries in the database (not_before), never inside a call: every registration
# request it sends must have been counted in the registrant's row first, and an in-call retry
# would be a request nobody counted. One send per call (per-second 429s excepted: Zoom did not
# process those, so they count for nothing).
WORKER_RETRY = RetryPolicy(max_attempts=1)


class ZoomAccount(Protocol):
    """What the pool needs of a stored Zoom connection (the connections domain's rows have it;
    the engine does not import them)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def account_id(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def client_secret(self) -> SecretStr: ...
    @property
    def plan_name(self) -> str: ...
    @property
    def api_url(self) -> str | None: ...
    @property
    def oauth_url(self) -> str | None: ...


@dataclass(frozen=True)
class _Fingerprint:
    account_id: str
    client_id: str
    secret_digest: int
    plan: str
    api_url: str
    oauth_url: str


class ClientPool:
    """`await pool.client(connection)` gives that connection's client (cached)."""

    def __init__(
        self,
        settings: Settings,
        *,
        limiters: LimiterRegistry | None = None,
        database: AsyncEngine | async_sessionmaker[AsyncSession] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock,
        retry: RetryPolicy = WORKER_RETRY,
        timeout: float = 30.0,
    ) -> None:
        self._settings = settings
        # Given limiters win; else the database's kind decides (shared on PostgreSQL).
        if limiters is None:
            limiters = limiters_for(database) if database is not None else LimiterRegistry()
        self.limiters = limiters
        self._transport = transport
        self._clock = clock
        self._retry = retry
        self._timeout = timeout
        self._clients: dict[uuid.UUID, tuple[_Fingerprint, ZoomClient]] = {}

    def _fingerprint(self, connection: ZoomAccount) -> _Fingerprint:
        return _Fingerprint(
            account_id=connection.account_id,
            client_id=connection.client_id,
            secret_digest=hash(connection.client_secret.get_secret_value()),
            plan=connection.plan_name,
            api_url=connection.api_url or self._settings.zoom_api_url,
            oauth_url=connection.oauth_url or self._settings.zoom_oauth_url,
        )

    async def client(self, connection: ZoomAccount) -> ZoomClient:
        fingerprint = self._fingerprint(connection)
        cached = self._clients.get(connection.id)
        if cached is not None:
            if cached[0] == fingerprint:
                return cached[1]
            await cached[1].aclose()
        client = ZoomClient(
            ZoomCredentials(
                account_id=connection.account_id,
                client_id=connection.client_id,
                client_secret=connection.client_secret,
            ),
            plan=Plan(connection.plan_name),
            api_url=fingerprint.api_url,
            oauth_url=fingerprint.oauth_url,
            transport=self._transport,
            limiters=self.limiters,
            clock=self._clock,
            retry=self._retry,
            timeout=self._timeout,
        )
        self._clients[connection.id] = (fingerprint, client)
        return client

    async def aclose(self) -> None:
        for _, client in self._clients.values():
            await client.aclose()
        self._clients.clear()
