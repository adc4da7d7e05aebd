"""Leases: which worker holds which row, until when.

A row is due when its `not_before` has passed and no live lease holds it. Claiming sets
`lease_owner` and `lease_expires_at` with a guarded UPDATE (only rows still free), so two
workers can never both take a row; on PostgreSQL the candidate SELECT also uses
`FOR UPDATE SKIP LOCKED`, so concurrent workers pick disjoint rows instead of queueing behind
each other. A crashed worker's rows become due again when its leases expire.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.engine.work import WorkMixin


def lease_free(model: type[WorkMixin], now: datetime) -> ColumnElement[bool]:
    return or_(model.lease_owner.is_(None), model.lease_expires_at <= now)


def due(model: type[WorkMixin], now: datetime) -> ColumnElement[bool]:
    return or_(model.not_before.is_(None), model.not_before <= now)


async def claim(
    session: AsyncSession,
    model: Any,
    conditions: Sequence[ColumnElement[bool]],
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    order_by: Sequence[Any] = (),
) -> list[uuid.UUID]:
    """Lease up to `limit` due rows of `model` matching `conditions`; their ids."""
    candidates = (
        select(model.id)
        .where(due(model, now), lease_free(model, now), *conditions)
        .order_by(*order_by, model.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True, of=model)
    ids = list((await session.scalars(candidates)).all())
    if not ids:
        return []
    expires = now + lease
    result = await session.execute(
        update(model)
        .where(model.id.in_(ids), lease_free(model, now))
        .values(lease_owner=owner, lease_expires_at=expires)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in result.all()]


async def renew(
    session: AsyncSession, model: Any, ids: Sequence[uuid.UUID], owner: str, expires: datetime
) -> set[uuid.UUID]:
    """Extend our leases on `ids`; the ids we still hold (a lease that expired and was taken
    by another worker is theirs now)."""
    if not ids:
        return set()
    result = await session.execute(
        update(model)
        .where(model.id.in_(list(ids)), model.lease_owner == owner)
        .values(lease_expires_at=expires)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    return {row[0] for row in result.all()}


def release(row: WorkMixin) -> None:
    row.lease_owner = None
    row.lease_expires_at = None


async def release_ids(
    session: AsyncSession, model: Any, ids: Sequence[uuid.UUID], owner: str
) -> None:
    """Hand back leases we took but will not work on in this pass."""
    if not ids:
        return
    await session.execute(
        update(model)
        .where(model.id.in_(list(ids)), model.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
