"""Planning reminders (L4): one row per target, offset and start; fired by the worker.

Planned only when due in the future: a start already past, or a reminder whose time has gone
(a booking made 30 minutes ahead gets no "1 hour before"), gets none. Replanning for a new start
cancels what was planned for the old one; reminders already queued stay as they were, and the
unique (target, offset, start) makes planning the same start twice harmless.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.kit.reminder_offsets import REMINDER_OFFSETS
from zoombridge.notifications.models import Reminder, ReminderState


def booking_target(booking_id: uuid.UUID) -> str:
    return f"booking:{booking_id}"


def event_target(event_id: uuid.UUID) -> str:
    return f"event:{event_id}"


async def plan(
    session: AsyncSession,
    target_key: str,
    starts: Sequence[datetime],
    offsets: Sequence[str],
    now: datetime,
    *,
    booking_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
) -> list[Reminder]:
    """Make the target's planned reminders exactly those for `starts` × `offsets` still ahead;
    the reminders now planned."""
    wanted = {
        (offset, start): start - timedelta(minutes=REMINDER_OFFSETS[offset])
        for start in starts
        for offset in offsets
    }
    existing = list(
        await session.scalars(select(Reminder).where(Reminder.target_key == target_key))
    )
    have = {(r.offset, r.start_at): r for r in existing}
    for reminder in existing:
        if reminder.state is ReminderState.PLANNED and (
            (reminder.offset, reminder.start_at) not in wanted
        ):
            reminder.state = ReminderState.CANCELLED
            reminder.note = "The start or the chosen reminders changed."
    planned: list[Reminder] = []
    for (offset, start), due in sorted(wanted.items(), key=lambda item: item[1]):
        if due <= now:
            continue  # none for a time already past
        row = have.get((offset, start))
        if row is None:
            row = Reminder(
                target_key=target_key,
                booking_id=booking_id,
                event_id=event_id,
                offset=offset,
                start_at=start,
                due_at=due,
                state=ReminderState.PLANNED,
                note="",
            )
            session.add(row)
        elif row.state is ReminderState.CANCELLED:
            row.state = ReminderState.PLANNED  # back to a start it had before
            row.note = ""
        if row.state is ReminderState.PLANNED:
            planned.append(row)
    return planned


async def cancel(session: AsyncSession, target_key: str, note: str) -> None:
    """Cancel every planned reminder of the target (it was cancelled or deleted)."""
    rows = await session.scalars(
        select(Reminder).where(
            Reminder.target_key == target_key, Reminder.state == ReminderState.PLANNED
        )
    )
    for reminder in rows:
        reminder.state = ReminderState.CANCELLED
        reminder.note = note
