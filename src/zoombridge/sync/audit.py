"""The audit log: one AuditEntry per Zoom call the worker makes, with the ids it concerns.

A batch call writes ONE entry (items = how many registrants, registration_id null, link and
event set); each registration row then shows its own state and last_error. One entry per call
keeps the log readable (2,000 registrants are 67 entries, not 2,000) while the per-attendee
view finds the calls through the link and event ids.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.sync.models import AuditEntry, Outcome
from zoombridge.zoom import DailyLimitReached, ZoomError


@dataclass
class Concerns:
    """The ids an audit entry is filed under."""

    connection_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    attendee_id: uuid.UUID | None = None
    registration_id: uuid.UUID | None = None
    link_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    email_id: uuid.UUID | None = None
    extra: dict[str, object] = field(default_factory=dict)


def outcome_of(error: ZoomError | None) -> Outcome:
    if error is None:
        return Outcome.OK
    if isinstance(error, DailyLimitReached):
        return Outcome.DEFERRED
    if error.retryable:
        return Outcome.RETRY
    return Outcome.FAILED


def record(
    session: AsyncSession,
    operation: str,
    concerns: Concerns,
    *,
    error: ZoomError | None = None,
    outcome: Outcome | None = None,
    message: str = "",
    items: int = 1,
    duration_ms: int | None = None,
    http_status: int | None = None,
) -> AuditEntry:
    """Add (not flush) the entry for one call; `error` fills outcome, status, code, message."""
    code = error.code if error is not None and isinstance(error.code, int) else None
    entry = AuditEntry(
        connection_id=concerns.connection_id,
        event_id=concerns.event_id,
        order_id=concerns.order_id,
        attendee_id=concerns.attendee_id,
        registration_id=concerns.registration_id,
        link_id=concerns.link_id,
        booking_id=concerns.booking_id,
        email_id=concerns.email_id,
        operation=(error.operation_id if error is not None and error.operation_id else operation)[
            :64
        ],
        outcome=outcome or outcome_of(error),
        http_status=error.status if error is not None else http_status,
        zoom_code=code,
        message=error.user_message if error is not None else message,
        items=items,
        duration_ms=duration_ms,
    )
    session.add(entry)
    return entry
