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
    """Run `work` (status, JSON body), or replay the stored answer for this key.

    Two statements for a new key (the look-up, and the answer stored with the work). When a
    concurrent request with the same key got there first (its answer is stored by the time
    this one stores, or its writes made this one's fail), this one's work is rolled back and
    it answers as the first did.
    """
    if key is None:
        status, body = await work()
        return JSONResponse(body, status_code=status)
    token_id = token.id  # a rollback below expires the token object
    stored = await idempotency.lookup(session, token_id, key, request_hash)
    if stored is None:
        try:
            status, body = await work()
            if await idempotency.record(session, token_id, key, request_hash, status, body):
                return JSONResponse(body, status_code=status)
        except Exception:
            await session.rollback()
            if await idempotency.lookup(session, token_id, key, request_hash) is None:
                raise
        await session.rollback()
        stored = await idempotency.lookup(session, token_id, key, request_hash)
        if stored is None:  # pragma: no cover - the unique index said it exists
            raise RuntimeError("the Idempotency-Key's answer vanished")
    return JSONResponse(stored.body, status_code=stored.status, headers={REPLAYED_HEADER: "true"})
