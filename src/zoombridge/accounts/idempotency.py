"""`Idempotency-Key` on POSTs that create orders: a retried request gets the first answer.

A shop that times out and retries must not create the order twice. The key is looked up before
the work (a retry is answered from the record without doing anything) and the answer is stored
with the work, in the request's transaction, by one INSERT the unique index guards: a concurrent
request with the same key that got there first wins, and the loser's work is rolled back and it
answers as the winner did (`zoombridge.accounts.idempotent`). If the work fails, nothing is
stored, so a corrected retry is allowed.
Records are keyed by API token and key; the request fingerprint (method, path, body) tells a
retry from a different request reusing the key.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import IdempotencyRecord
from zoombridge.db.base import utc_now
from zoombridge.errors import FieldProblem, InvalidInput

KEY_MAX = 255


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


async def lookup(
    session: AsyncSession, token_id: uuid.UUID, key: str, request_hash: str
) -> StoredAnswer | None:
    """The stored answer to replay for this key, or None when the key is new.

    Raises IdempotencyKeyReused when the key came with a different request."""
    _check_key(key)
    found = await session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )
    return None if found is None else _replay(found, request_hash)


async def record(
    session: AsyncSession,
    token_id: uuid.UUID,
    key: str,
    request_hash: str,
    status: int,
    body: Any,
) -> bool:
    """Store the answer for this key, in the request's transaction; False when a concurrent
    request with the same key stored its answer first (this one's work must then be undone).

    One INSERT that the unique index guards: on PostgreSQL a concurrent request with the same
    key waits here until the first commits, then finds the row taken.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utc_now()
    statement = (
        insert(IdempotencyRecord)
        .values(
            id=uuid.uuid4(),
            token_id=token_id,
            key=key,
            request_hash=request_hash,
            response_status=status,
            response_body=body,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["token_id", "key"])
        .returning(IdempotencyRecord.id)
    )
    return (await session.scalar(statement)) is not None
