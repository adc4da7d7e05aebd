"""The engine's tables: the audit log, inbound webhook events awaiting the worker, and the rate
slots and daily usage shared by worker processes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zoombridge.db.base import (
    Base,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
    utc_now,
)


class Outcome(StrEnum):
    OK = "ok"
    RETRY = "retry"  # failed, will be tried again (not_before)
    DEFERRED = "deferred"  # a daily cap: resumes at 00:00 UTC
    FAILED = "failed"  # stopped; a person must act (message says how)


class AuditEntry(UUIDPrimaryKeyMixin, Base):
    """One outside call (or a worker decision) and its outcome, filed under what it concerns.

    What it concerns are `AuditSubject` rows (kind + id: "event", "order", "booking", "email" …,
    whatever the domain that made the call names), so a domain added later files its own
    subjects without a new column here. Plain ids, not foreign keys: the trail must outlive what
    it describes (an event deleted is exactly when one wants to see what was deleted on Zoom).
    """

    __tablename__ = "audit_log"
    __table_args__ = (enum_check("outcome", Outcome),)

    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, index=True)
    operation: Mapped[str] = mapped_column(String(64), doc="Zoom operationId, or a worker step")
    outcome: Mapped[Outcome] = mapped_column(text_enum(Outcome, 16))
    http_status: Mapped[int | None] = mapped_column(Integer())
    zoom_code: Mapped[int | None] = mapped_column(Integer())
    message: Mapped[str] = mapped_column(Text(), default="")
    items: Mapped[int] = mapped_column(Integer(), default=1, doc="registrants in a batch call")
    duration_ms: Mapped[int | None] = mapped_column(Integer())
    subjects: Mapped[list[AuditSubject]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", lazy="selectin"
    )

    def subject(self, kind: str) -> uuid.UUID | None:
        """The id of what this entry concerns of `kind` ("event", "order" …), if any."""
        for row in self.subjects:
            if row.kind == kind:
                return row.subject_id
        return None


class AuditSubject(Base):
    """One thing an audit entry concerns: its kind (a domain's word) and id."""

    __tablename__ = "audit_subjects"
    __table_args__ = (Index("ix_audit_subjects_kind_subject", "kind", "subject_id"),)

    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("audit_log.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid())
    entry: Mapped[AuditEntry] = relationship(back_populates="subjects")


class InboundWebhook(UUIDPrimaryKeyMixin, Base):
    """A Zoom webhook event, stored once (dedupe_key) and answered at once; applied later."""

    __tablename__ = "inbound_webhooks"

    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid(), index=True)
    event: Mapped[str] = mapped_column(String(100))
    event_ts: Mapped[int] = mapped_column(BigInteger())
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    error: Mapped[str | None] = mapped_column(Text())


class RateSlot(Base):
    """The next free send time of one Zoom account's rate category, shared by every worker
    process on the database (PostgreSQL scale-out): each call takes the next slot with one
    atomic UPDATE, so N workers together never exceed the account's per-second limit."""

    __tablename__ = "rate_slots"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DailyUsage(Base):
    """Calls counted against one of Zoom's daily caps (per account or per user), per UTC day,
    shared by every worker process."""

    __tablename__ = "daily_usage"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    cap_key: Mapped[str] = mapped_column(String(160), primary_key=True, doc="which cap, whose")
    day: Mapped[str] = mapped_column(String(10), primary_key=True, doc="UTC date, ISO")
    used: Mapped[int] = mapped_column(Integer(), default=0)
