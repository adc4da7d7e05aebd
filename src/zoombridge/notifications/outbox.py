"""Putting emails in the outbox: called by services in the same transaction as the change the
email announces, so a change and its emails are committed (or lost) together."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.db.base import utc_now
from zoombridge.notifications.defaults import BY_KEY
from zoombridge.notifications.models import EmailState, OutboundEmail


async def enqueue(
    session: AsyncSession,
    template_key: str,
    to_address: str,
    *,
    to_name: str = "",
    booking_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    attendee_id: uuid.UUID | None = None,
    reminder_id: uuid.UUID | None = None,
    wait_for_version: int | None = None,
    dedupe_key: str | None = None,
    context: dict[str, object] | None = None,
) -> OutboundEmail | None:
    """Add one email; None when `dedupe_key` was already used (it is sent once)."""
    kind = BY_KEY[template_key]  # KeyError: a programming error, not input
    if dedupe_key is not None:
        taken = await session.scalar(
            select(OutboundEmail.id).where(OutboundEmail.dedupe_key == dedupe_key)
        )
        if taken is not None:
            return None
    email = OutboundEmail(
        template_key=template_key,
        audience=kind.audience,
        to_address=to_address,
        to_name=to_name,
        state=EmailState.PENDING,
        booking_id=booking_id,
        event_id=event_id,
        attendee_id=attendee_id,
        reminder_id=reminder_id,
        wait_for_version=wait_for_version,
        dedupe_key=dedupe_key,
        context=dict(context or {}),
    )
    session.add(email)
    return email


async def enqueue_many(
    session: AsyncSession, template_key: str, emails: Sequence[Mapping[str, Any]]
) -> int:
    """Add many emails of one kind (no dedupe key) in one statement; each mapping holds
    `to_address` and any of `to_name`, `event_id`, `attendee_id`, `booking_id`. For the
    thousands of tickets of a bulk intake: written with the rows as executemany parameters,
    not as one ORM object each, which cost as much as the orders themselves."""
    if not emails:
        return 0
    kind = BY_KEY[template_key]  # KeyError: a programming error, not input
    now = utc_now()
    rows = [
        {
            "id": uuid.uuid4(),
            "template_key": template_key,
            "audience": kind.audience,
            "to_address": email["to_address"],
            "to_name": email.get("to_name", ""),
            "state": EmailState.PENDING,
            "booking_id": email.get("booking_id"),
            "event_id": email.get("event_id"),
            "attendee_id": email.get("attendee_id"),
            "context": {},
            "created_at": now,
            "updated_at": now,
        }
        for email in emails
    ]
    await session.execute(insert(cast(Table, OutboundEmail.__table__)), rows)
    return len(rows)


async def cancel_pending(
    session: AsyncSession,
    *,
    booking_id: uuid.UUID | None = None,
    template_prefix: str | None = None,
) -> int:
    """Cancel unsent emails of a booking (optionally only keys starting with a prefix), e.g.
    the reminders of a booking that was just cancelled. The number cancelled."""
    query = select(OutboundEmail).where(OutboundEmail.state == EmailState.PENDING)
    if booking_id is not None:
        query = query.where(OutboundEmail.booking_id == booking_id)
    count = 0
    for email in await session.scalars(query):
        if template_prefix is None or email.template_key.startswith(template_prefix):
            email.state = EmailState.CANCELLED
            email.last_error = "No longer relevant: the booking changed before it was sent."
            count += 1
    return count
