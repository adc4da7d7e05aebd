"""The audit log: one AuditEntry per outside call the worker makes, filed under what it concerns.

What an entry concerns is given as subjects, `{"event": id, "link": id, ...}`: the kinds are
the domains' own words; the engine stores them without knowing what they mean. A batch call
writes ONE entry (items = how many registrants) filed under its meeting link and event; each
registration row then shows its own state and last_error. One entry per call keeps the log
readable (2,000 registrants are 67 entries, not 2,000) while the per-attendee view finds the
calls through the link and event.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.engine.models import AuditEntry, AuditSubject, Outcome
from zoombridge.zoom import DailyLimitReached, ZoomError

Subjects = Mapping[str, uuid.UUID | None]


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
    subjects: Subjects,
    *,
    error: ZoomError | None = None,
    outcome: Outcome | None = None,
    message: str = "",
    items: int = 1,
    duration_ms: int | None = None,
    http_status: int | None = None,
) -> AuditEntry:
    """Add (not flush) the entry for one call; `error` fills outcome, status, code, message.
    Subjects whose id is None are left out."""
    code = error.code if error is not None and isinstance(error.code, int) else None
    entry = AuditEntry(
        operation=(error.operation_id if error is not None and error.operation_id else operation)[
            :64
        ],
        outcome=outcome or outcome_of(error),
        http_status=error.status if error is not None else http_status,
        zoom_code=code,
        message=error.user_message if error is not None else message,
        items=items,
        duration_ms=duration_ms,
        subjects=[
            AuditSubject(kind=kind, subject_id=subject_id)
            for kind, subject_id in subjects.items()
            if subject_id is not None
        ],
    )
    session.add(entry)
    return entry


def about(kind: str, subject_id: uuid.UUID) -> ColumnElement[bool]:
    """A WHERE clause for entries filed under `kind` `subject_id` (e.g. "event", an event id)."""
    return AuditEntry.id.in_(
        select(AuditSubject.entry_id).where(
            AuditSubject.kind == kind, AuditSubject.subject_id == subject_id
        )
    )


def about_any(kind_ids: Mapping[str, Collection[uuid.UUID]]) -> ColumnElement[bool]:
    """A WHERE clause for entries filed under any of these subjects (kind → ids); matches
    nothing when no id is given (a filter that names nothing must not widen to everything)."""
    wanted = [
        and_(AuditSubject.kind == kind, AuditSubject.subject_id.in_(list(ids)))
        for kind, ids in kind_ids.items()
        if ids
    ]
    if not wanted:
        return false()
    return AuditEntry.id.in_(select(AuditSubject.entry_id).where(or_(*wanted)))
