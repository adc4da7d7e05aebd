"""Making Zoom's registrants agree with the Registration rows.

Per link: registrations wanted REGISTERED go in batches of at most 30 on single-occurrence
meetings and webinars, one by one with every occurrence id on recurring ones (E9); cancellations
go through the registrant status call, at most 30 at a time.

Zoom allows 3 registration requests per registrant, meeting and UTC day and counts requests
whose answer was lost too. So each row's count (`zoom_requests` for `zoom_requests_day`) is
raised and COMMITTED before the call; a crash mid-call leaves it counted. A row at 3 is never
sent: it waits (DEFERRED) until the next 00:00 UTC. The count is conservative: a request that
failed before Zoom counted it still counts here."""

from __future__ import annotations

from zoombridge.orders.tasks.registrations.calls import MAX_BATCH, PER_REGISTRANT_PER_DAY
from zoombridge.orders.tasks.registrations.step import (
    claim_registrations,
    sync_due_registrations,
    sync_registrations,
)

__all__ = [
    "MAX_BATCH",
    "PER_REGISTRANT_PER_DAY",
    "claim_registrations",
    "sync_due_registrations",
    "sync_registrations",
]
