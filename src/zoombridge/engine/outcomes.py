"""How a failed Zoom call changes a work row: retry later, wait for a daily cap, or stop."""

from __future__ import annotations

from datetime import datetime

from zoombridge.engine.backoff import Backoff
from zoombridge.engine.work import WorkMixin
from zoombridge.zoom import DailyLimitReached, OutcomeUnknown, ZoomError


class Verdict:
    RETRY = "retry"
    DEFERRED = "deferred"
    FAILED = "failed"


def classify(error: ZoomError) -> str:
    if isinstance(error, DailyLimitReached):
        return Verdict.DEFERRED
    # A create whose outcome is unknown is tried again: the next attempt first looks for the
    # meeting in the host's list, so it never makes a second one.
    if error.retryable or isinstance(error, OutcomeUnknown):
        return Verdict.RETRY
    return Verdict.FAILED


def schedule_retry(row: WorkMixin, error: ZoomError, now: datetime, backoff: Backoff) -> None:
    row.attempts = (row.attempts or 0) + 1
    row.not_before = backoff.next_try(now, row.attempts)
    row.last_error = (
        f"{error.user_message} Attempt {row.attempts} failed; trying again after "
        f"{row.not_before:%Y-%m-%d %H:%M:%S} UTC."
    )


def defer(row: WorkMixin, error: DailyLimitReached) -> None:
    row.not_before = error.resume_at
    row.last_error = (
        f"Waiting for Zoom's daily limit ({error.capped}) to reset: resumes at "
        f"{error.resume_at:%Y-%m-%d %H:%M} UTC."
    )


def fail(row: WorkMixin, message: str) -> None:
    row.attempts = (row.attempts or 0) + 1
    row.not_before = None
    row.last_error = message


def succeed(row: WorkMixin) -> None:
    row.attempts = 0
    row.not_before = None
    row.last_error = None
