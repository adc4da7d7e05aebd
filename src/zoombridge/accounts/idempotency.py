"""`Idempotency-Key` on POSTs that create orders: a retried request gets the first answer.

A shop that times out and retries must not create the order twice. The record is claimed
(inserted) BEFORE the work, in the request's transaction: a concurrent request with the same key
waits on the unique index until the first commits, then finds the stored answer. If the work
fails, the whole transaction (record included) rolls back, so a corrected retry is allowed.
Records are keyed by API token and key; the request fingerprint (method, path, body) tells a
retry from a different request reusing the key.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import IdempotencyRecord
from zoombridge.errors import FieldProblem, InvalidInput

KEY_MAX = 255
IN_PROGRESS = 0  # response_status of a claimed record whose answer is not stored yet


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: Any


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _check_key(key: str) -> None:
    if not key.strip() or len(key) > KEY_MAX:
        message = f"Idempotency-Key must be 1 to {KEY_MAX} characters."
        raise InvalidInput(message, field_errors=[FieldProblem("Idempotency-Key", message)])


def _replay(record: IdempotencyRecord, request_hash: str) -> StoredAnswer:
    if record.request_hash != request_hash:
        message = (
            "This Idempotency-Key was already used for a different request (another path or "
            "body). Use a new key for a new request; resend the exact same body to retry."
        )
        raise IdempotencyKeyReused(message, field_errors=[FieldProblem("Idempotency-Key", message)])
    return StoredAnswer(record.response_status, record.response_body)


async def claim(
    session: AsyncSession, token_id: uuid.UUID, key: str, request_hash: str
) -> StoredAnswer | IdempotencyRecord:
    """The stored answer to replay, or a new record to fill in with `store` after the work.

    Raises IdempotencyKeyReused when the key came with a different request.
    """
    _check_key(key)
    query = select(IdempotencyRecord).where(
        IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key
    )
    found = await session.scalar(query)
    if found is not None:
        return _replay(found, request_hash)
    record = IdempotencyRecord(
        token_id=token_id,
        key=key,
        request_hash=request_hash,
        response_status=IN_PROGRESS,
        response_body=None,
    )
    try:
        async with session.begin_nested():
            session.add(record)
            await session.flush()
    except IntegrityError:
        # A concurrent request with the same key committed first: answer as it did.
        found = await session.scalar(query.execution_options(populate_existing=True))
        if found is None:  # pragma: no cover - the unique index said it exists
            raise
        return _replay(found, request_hash)
    return record


async def store(session: AsyncSession, record: IdempotencyRecord, status: int, body: Any) -> None:
    record.response_status = status
    record.response_body = body
    await session.flush()
