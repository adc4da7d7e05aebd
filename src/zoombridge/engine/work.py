"""Columns every row the worker reconciles carries: when it is due, who holds it, what failed.

Rows are the queue (as pretix's OrderSyncQueue): a row is due when `not_before` has passed and no
live lease holds it. A worker takes a lease (`lease_owner`, `lease_expires_at`) before calling
Zoom; a crashed worker's lease simply expires and another worker picks the row up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zoombridge.db.base import UTCDateTime


class WorkMixin:
    not_before: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), index=True, doc="not due before this time (backoff, daily caps)"
    )
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    last_error: Mapped[str | None] = mapped_column(Text(), doc="a sentence a person can act on")
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
