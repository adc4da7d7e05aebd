"""A connection's received Zoom webhook events as a list: newest first, by state, a page at a
time (see `zoombridge.kit.pages`)."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.schemas import WebhookEventRead
from zoombridge.connections.service import get_connection
from zoombridge.engine.inbox import MAX_APPLY_ATTEMPTS
from zoombridge.engine.models import InboundWebhook
from zoombridge.kit.pages import Page, paginate

WebhookState = Literal["applied", "pending", "failed"]


async def list_webhook_events(
    session: AsyncSession,
    connection_id: uuid.UUID,
    *,
    state: WebhookState | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[WebhookEventRead]:
    """The connection's stored Zoom webhook events, newest first (optionally in one state)."""
    await get_connection(session, connection_id)
    statement = select(InboundWebhook).where(InboundWebhook.connection_id == connection_id)
    applied = InboundWebhook.processed_at.is_not(None)
    gave_up = InboundWebhook.attempts >= MAX_APPLY_ATTEMPTS
    if state == "applied":
        statement = statement.where(applied)
    elif state == "failed":
        statement = statement.where(~applied, gave_up)
    elif state == "pending":
        statement = statement.where(~applied, ~gave_up)
    rows, next_cursor, total = await paginate(
        session,
        statement,
        (InboundWebhook.received_at, InboundWebhook.id),
        cursor=cursor,
        limit=limit,
        filters={"connection": connection_id, "state": state},
        descending=True,
    )
    return Page(items=[_webhook_event(r) for r in rows], next_cursor=next_cursor, total=total)


def _webhook_event(row: InboundWebhook) -> WebhookEventRead:
    state: WebhookState = (
        "applied"
        if row.processed_at is not None
        else "failed"
        if row.attempts >= MAX_APPLY_ATTEMPTS
        else "pending"
    )
    return WebhookEventRead(
        id=row.id,
        event=row.event,
        received_at=row.received_at,
        state=state,
        attempts=row.attempts,
        error=row.error,
        applied_at=row.processed_at,
    )
