"""The Learning Record Store xAPI statements go to (one row; the secret never shown), and the
statements of a course event as the worker left them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.results.models import LrsSettings, StatementState, XapiStatement
from zoombridge.results.schemas import LrsIn, LrsOut, StatementOut


async def get_lrs(session: AsyncSession) -> LrsSettings | None:
    return await session.scalar(select(LrsSettings).order_by(LrsSettings.created_at).limit(1))


def lrs_out(row: LrsSettings | None) -> LrsOut | None:
    if row is None:
        return None
    return LrsOut(
        endpoint=row.endpoint,
        key=row.key,
        has_secret=row.secret is not None,
        enabled=row.enabled,
        activity_base=row.activity_base,
    )


async def put_lrs(session: AsyncSession, data: LrsIn) -> LrsSettings:
    row = await get_lrs(session)
    if row is None:
        row = LrsSettings()
        session.add(row)
    row.endpoint = str(data.endpoint)
    row.key = data.key
    if data.secret is not None:
        row.secret = data.secret
    row.enabled = data.enabled
    row.activity_base = data.activity_base
    await session.flush()
    # Statements stopped by a refusal (wrong credentials, endpoint) are tried again.
    for statement in await session.scalars(
        select(XapiStatement).where(XapiStatement.state == StatementState.FAILED)
    ):
        statement.state = StatementState.PENDING
        statement.attempts = 0
        statement.not_before = None
    return row


async def delete_lrs(session: AsyncSession) -> None:
    row = await get_lrs(session)
    if row is not None:
        await session.delete(row)
        await session.flush()


async def statements(session: AsyncSession, event_id: uuid.UUID) -> list[StatementOut]:
    rows = await session.scalars(
        select(XapiStatement)
        .where(XapiStatement.event_id == event_id)
        .order_by(XapiStatement.created_at, XapiStatement.id)
    )
    return [
        StatementOut(
            id=r.id,
            learner_id=r.learner_id,
            session_id=r.session_id,
            verb=r.verb,
            state=r.state.value,
            attempts=r.attempts,
            last_error=r.last_error,
            sent_at=r.sent_at,
        )
        for r in rows
    ]
