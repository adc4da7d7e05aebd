"""Results tables: completion rules, hand assignments of participants, overrides, the LRS
settings and the xAPI statements queue.

Results themselves are not stored: they are computed from the attendance marks when read (so a
late report or a new assignment simply shows), streamed one session at a time."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import SecretStr
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, validates

from zoombridge.db.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
)
from zoombridge.db.encryption import EncryptedString
from zoombridge.engine.work import WorkMixin


class SessionStatusResult(StrEnum):
    ATTENDED = "attended"
    PARTIAL = "partial"
    ABSENT = "absent"
    EXCUSED = "excused"
    PENDING = "pending"  # the session's report is not final yet: never "absent" before


class Completion(StrEnum):
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"
    PENDING = "pending"


class CourseRuleKind(StrEnum):
    SESSIONS = "sessions"  # at least K of the S sessions attended
    MINUTES = "minutes"  # at least X % of all the sessions' minutes


class CompletionRule(TimestampMixin, Base):
    """Per course event: when a session counts as attended, and when the course is completed."""

    __tablename__ = "completion_rules"
    __table_args__ = (enum_check("course_rule", CourseRuleKind),)

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("course_events.event_id", ondelete="CASCADE"), primary_key=True
    )
    min_percent: Mapped[int | None] = mapped_column(Integer(), doc="N: at least N % of a session")
    min_minutes: Mapped[int | None] = mapped_column(Integer(), doc="M: at least M minutes")
    both: Mapped[bool] = mapped_column(Boolean(), default=False, doc="N and M (else N or M)")
    course_rule: Mapped[CourseRuleKind] = mapped_column(
        text_enum(CourseRuleKind, 16), default=CourseRuleKind.SESSIONS
    )
    min_sessions: Mapped[int | None] = mapped_column(Integer(), doc="K; null = all sessions")
    min_total_percent: Mapped[int | None] = mapped_column(Integer(), doc="X")


class ParticipantAssignment(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A Zoom participant that matched no learner, assigned to one by hand; remembered for the
    course event's later sessions (by the participant's key, and for guests without an email
    by their exact display name)."""

    __tablename__ = "participant_assignments"
    __table_args__ = (UniqueConstraint("event_id", "person_key"),)

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("course_events.event_id", ondelete="CASCADE"), index=True
    )
    person_key: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    assigned_by: Mapped[str] = mapped_column(String(255), default="")


class ResultOverride(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A result set by hand with its reason (session null: the course completion)."""

    __tablename__ = "result_overrides"

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("course_events.event_id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text())
    by_email: Mapped[str] = mapped_column(String(255), default="")


class LrsSettings(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """Where xAPI statements go (one row). The secret is encrypted and never shown."""

    __tablename__ = "lrs_settings"

    endpoint: Mapped[str] = mapped_column(String(500), doc="e.g. https://lrs.example/xAPI/")
    key: Mapped[str] = mapped_column(String(255))
    secret: Mapped[SecretStr | None] = mapped_column(EncryptedString())
    enabled: Mapped[bool] = mapped_column(Boolean(), default=True)
    activity_base: Mapped[str] = mapped_column(String(255), default="urn:zoombridge:")

    @validates("secret")
    def _wrap(self, _key: str, value: SecretStr | str | None) -> SecretStr | None:
        return SecretStr(value) if isinstance(value, str) else value

    def __repr__(self) -> str:
        return f"LrsSettings(endpoint={self.endpoint!r}, key={self.key!r})"


class StatementState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class XapiStatement(UUIDPrimaryKeyMixin, TimestampMixin, WorkMixin, Base):
    """One xAPI statement to send (its id is the statement's id, so a resend is the same)."""

    __tablename__ = "xapi_statements"
    __table_args__ = (enum_check("state", StatementState),)

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("course_events.event_id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("learners.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    verb: Mapped[str] = mapped_column(String(32))
    # "attended:<learner>:<session>" / "completed:<learner>": each result sent once.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON())
    state: Mapped[StatementState] = mapped_column(
        text_enum(StatementState, 16), default=StatementState.PENDING, index=True
    )
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class XapiProgress(UUIDPrimaryKeyMixin, TimestampMixin, WorkMixin, Base):
    """A course event whose results are (to be) turned into statements. Planned again each
    few passes until every session is final; an override or assignment since plans it again."""

    __tablename__ = "xapi_progress"

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("course_events.event_id", ondelete="CASCADE"), unique=True
    )
    settled: Mapped[bool] = mapped_column(Boolean(), default=False)
