"""One HubSpotClient per HubSpot connection for the worker's process.

HubSpot's limits belong to the account, so every client of one account in the process draws
from the pool's one limiter registry. Clients are rebuilt when the connection's token, tier,
time zone or URL change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from zoombridge.hubspot import (
    DEFAULT_BASE_URL,
    HubSpotClient,
    LimiterRegistry,
    RetryPolicy,
)
from zoombridge.hubspot_sync.models import HubSpotConnection


def _utcnow() -> datetime:
    return datetime.now(UTC)


class HubSpotPool:
    """`await pool.client(connection)` gives that connection's client (cached)."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        limiters: LimiterRegistry | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = _utcnow,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url
        self.limiters = limiters or LimiterRegistry()
        self._transport = transport
        self._retry = retry
        self._clock = clock
        self._timeout = timeout
        self._clients: dict[uuid.UUID, tuple[tuple[object, ...], HubSpotClient]] = {}

    def _fingerprint(self, row: HubSpotConnection) -> tuple[object, ...]:
        return (
            row.hub_id,
            hash(row.access_token.get_secret_value()),
            row.tier,
            row.api_limit_pack,
            row.time_zone,
            row.api_url or self.base_url,
            row.external_account_id,
        )

    async def client(self, row: HubSpotConnection) -> HubSpotClient:
        fingerprint = self._fingerprint(row)
        cached = self._clients.get(row.id)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        if cached is not None:
            await cached[1].aclose()
        client = HubSpotClient(
            row.access_token,
            hub_id=row.hub_id,
            tier=row.tier,
            api_limit_pack=row.api_limit_pack,
            time_zone=row.time_zone,
            base_url=row.api_url or self.base_url,
            external_account_id=row.external_account_id,
            transport=self._transport,
            limiters=self.limiters,
            clock=self._clock,
            retry=self._retry,
            timeout=self._timeout,
        )
        self._clients[row.id] = (fingerprint, client)
        return client

    async def aclose(self) -> None:
        for _, client in self._clients.values():
            await client.aclose()
        self._clients.clear()
