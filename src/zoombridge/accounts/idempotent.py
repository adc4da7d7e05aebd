"""`Idempotency-Key` on the API's creating POSTs (orders, CSV imports, bookings): a retry with
the same key and body gets the first answer again, marked `Idempotent-Replayed: true`.
The records themselves live in `zoombridge.accounts.idempotency`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts import idempotency
from zoombridge.accounts.models import ApiToken

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Retry safely: the same key with the same body gets the first answer again.",
    ),
]
REPLAYED_HEADER = "Idempotent-Replayed"


async def answer_once(
    session: AsyncSession,
    token: ApiToken,
    key: str | None,
    request_hash: str,
    work: Callable[[], Awaitable[tuple[int, Any]]],
) -> JSONResponse:
    """Run `work` (status, JSON body), or replay the stored answer for this key."""
    if key is None:
        status, body = await work()
        return JSONResponse(body, status_code=status)
    claimed = await idempotency.claim(session, token.id, key, request_hash)
    if isinstance(claimed, idempotency.StoredAnswer):
        return JSONResponse(
            claimed.body, status_code=claimed.status, headers={REPLAYED_HEADER: "true"}
        )
    status, body = await work()
    await idempotency.store(session, claimed, status, body)
    return JSONResponse(body, status_code=status)
