"""The outbox as a list: newest first, filtered by state, kind (template), audience, day range
and what the email is about, searched by recipient or subject, a page at a time; and the
reminders list in the same envelope."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.kit.filtering import in_days, matches, search_words
from zoombridge.kit.pages import Page, paginate
from zoombridge.notifications.models import Audience, EmailState, OutboundEmail, Reminder
from zoombridge.notifications.schemas import EmailOut, ReminderOut


@dataclass(frozen=True)
class EmailFilters:
    """Every field optional. Days are whole UTC days of when the email was queued, inclusive."""

    state: EmailState | None = None
    kind: str | None = None  # the template key, e.g. "event_ticket"
    q: str | None = None  # the recipient's address or name, or the subject
    created_from: date | None = None
    created_to: date | None = None
    audience: Audience | None = None
    event_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    attendee_id: uuid.UUID | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


async def list_emails(
    session: AsyncSession,
    filters: EmailFilters | None = None,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[EmailOut]:
    """Outbox rows, newest first (without their bodies: those are on the email itself)."""
    filters = filters or EmailFilters()
    statement = select(OutboundEmail)
    for column, value in (
        (OutboundEmail.state, filters.state),
        (OutboundEmail.template_key, filters.kind),
        (OutboundEmail.audience, filters.audience),
        (OutboundEmail.event_id, filters.event_id),
        (OutboundEmail.booking_id, filters.booking_id),
        (OutboundEmail.attendee_id, filters.attendee_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if text := search_words(filters.q):
        statement = statement.where(
            matches(text, OutboundEmail.to_address, OutboundEmail.to_name, OutboundEmail.subject)
        )
    statement = statement.where(
        *in_days(OutboundEmail.created_at, filters.created_from, filters.created_to)
    )
    rows, next_cursor, total = await paginate(
        session,
        statement,
        (OutboundEmail.created_at, OutboundEmail.id),
        cursor=cursor,
        limit=limit,
        filters=filters.as_dict(),
        descending=True,
    )
    return Page(
        items=[EmailOut.from_model(row) for row in rows], next_cursor=next_cursor, total=total
    )


async def list_reminders(
    session: AsyncSession,
    *,
    booking_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[ReminderOut]:
    """Reminders, soonest due first."""
    statement = select(Reminder)
    if booking_id is not None:
        statement = statement.where(Reminder.booking_id == booking_id)
    if event_id is not None:
        statement = statement.where(Reminder.event_id == event_id)
    rows, next_cursor, total = await paginate(
        session,
        statement,
        (Reminder.due_at, Reminder.id),
        cursor=cursor,
        limit=limit,
        filters={"booking_id": booking_id, "event_id": event_id},
    )
    return Page(
        items=[ReminderOut.model_validate(row) for row in rows],
        next_cursor=next_cursor,
        total=total,
    )
