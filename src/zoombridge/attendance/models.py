"""Attendance tables: join/leave marks per person and instance, and the report pulls to do.

`AttendanceMark` holds one join or one leave as Zoom told it (a webhook, or one side of a report
row). The unique key (link, instance, person, source, kind, time, connection) makes a repeated
delivery, a replayed webhook or a report pulled twice collapse into the row already there, so
storing is an idempotent insert. Per-person attendance is computed from the marks on reading
(`attendance.merge`), so a late or out-of-order event simply lands and the figures follow.

`AttendancePull` is one ended instance whose participants report is (to be) pulled: the worker
claims it like other work (lease, retries, daily caps) and pulls it once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zoombridge.attendance.merge import MarkKind
from zoombridge.db.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
    utc_now,
)
from zoombridge.engine.work import WorkMixin


class MarkSource(StrEnum):
    WEBHOOK = "webhook"  # participant_joined / _left, live
    REPORT = "report"  # the participants report, after the end (Zoom's record; preferred)


class AttendanceMark(UUIDPrimaryKeyMixin, Base):
    __tablename__ = "attendance_marks"
    __table_args__ = (
        enum_check("kind", MarkKind),
        enum_check("source", MarkSource),
        UniqueConstraint(
            "link_id",
            "instance_uuid",
            "person_key",
            "source",
            "kind",
            "at",
            "connection",
            name="uq_attendance_marks_identity",
        ),
        Index("ix_attendance_marks_link_person", "link_id", "instance_uuid", "person_key"),
    )

    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting_links.id", ondelete="CASCADE"))
    # Zoom's instance UUID ("" when Zoom gave none): a recurring meeting's days stay apart.
    instance_uuid: Mapped[str] = mapped_column(String(64), default="")
    # Lower-cased email; else "id:" + Zoom user id or participant uuid; else "name:" + name.
    person_key: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    source: Mapped[MarkSource] = mapped_column(text_enum(MarkSource, 16))
    kind: Mapped[MarkKind] = mapped_column(text_enum(MarkKind, 8))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    connection: Mapped[str] = mapped_column(String(64), default="", doc="Zoom's per-join id")
    # The Zoom registrant who joined through their own link ("" when Zoom gave none): results
    # match people to learners by it first, then by email.
    registrant_id: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class AttendancePull(UUIDPrimaryKeyMixin, TimestampMixin, WorkMixin, Base):
    """The participants report of one ended instance ("" = the latest ended one), pulled once."""

    __tablename__ = "attendance_pulls"
    __table_args__ = (
        UniqueConstraint("link_id", "instance_uuid", name="uq_attendance_pulls_instance"),
    )

    link_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting_links.id", ondelete="CASCADE"), index=True
    )
    instance_uuid: Mapped[str] = mapped_column(String(64), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    failed: Mapped[bool] = mapped_column(default=False)
    rows: Mapped[int] = mapped_column(Integer(), default=0, doc="report rows read")
