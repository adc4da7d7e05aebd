"""HubSpot calls in the engine's audit log: one entry per call, with its outcome."""

from __future__ import annotations

import time
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.engine import audit
from zoombridge.engine.models import Outcome
from zoombridge.hubspot import DailyLimitReached, HubSpotError

__all__ = ["Outcome", "outcome_of", "record"]


def outcome_of(error: HubSpotError | None) -> Outcome:
    if error is None:
        return Outcome.OK
    if isinstance(error, DailyLimitReached):
        return Outcome.DEFERRED
    return Outcome.RETRY if error.retryable else Outcome.FAILED


def record(
    session: AsyncSession,
    operation: str,
    subjects: dict[str, uuid.UUID | None],
    *,
    error: HubSpotError | None = None,
    message: str = "",
    items: int = 1,
    started: float | None = None,
    outcome: Outcome | None = None,
) -> None:
    """One audit entry for one HubSpot call (operation as `hubspot:<client operation>`)."""
    audit.record(
        session,
        f"hubspot:{operation}",
        subjects,
        outcome=outcome or outcome_of(error),
        message=error.user_message if error is not None else message,
        items=items,
        duration_ms=int((time.monotonic() - started) * 1000) if started is not None else None,
        http_status=error.status if error is not None else None,
    )
