"""The training centre's structure, its providers, course events and who is enrolled on them.

A course event is an `events.Event` (its sessions are `EventSession` rows of kind SESSION, each
with its own Zoom meeting) plus a `CourseEvent` row with what only courses know: the provider,
the course, the trainer and whether the participant list is locked. Enrolled learners are
registered on every session's meeting as `orders.Registration` rows the courses service writes.

Learners are people, not staff: they sign in with an emailed one-time link (`LearnerSignIn`,
stored hashed, expiring, single use) and get a token of their own (`LearnerToken`) that only the
learner routes accept.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import SecretStr
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from zoombridge.connections.models import ZoomKind
from zoombridge.db.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
)
from zoombridge.db.encryption import EncryptedString

_DEPARTMENT = "departments.id"


class Organisation(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A learners' employer (uchi.pro's counterparty), with its tax number."""

    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(255))
    tax_number: Mapped[str] = mapped_column(String(32), default="")
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(_DEPARTMENT, ondelete="RESTRICT"), index=True
    )


class LearnerGroup(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "learner_groups"

    name: Mapped[str] = mapped_column(String(255))
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(_DEPARTMENT, ondelete="RESTRICT"), index=True
    )


class Course(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A course learners study; its course events are its live sessions on Zoom."""

    __tablename__ = "courses"

    name: Mapped[str] = mapped_column(String(255))
    code: Mapped[str] = mapped_column(String(64), default="")
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(_DEPARTMENT, ondelete="RESTRICT"), index=True
    )


class Learner(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A person who learns; no staff account. The email (lower-cased) is the key on Zoom."""

    __tablename__ = "learners"

    email: Mapped[str] = mapped_column(String(128), unique=True)
    first_name: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(64))
    position: Mapped[str] = mapped_column(String(255), default="")
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(_DEPARTMENT, ondelete="RESTRICT"), index=True
    )

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class GroupMember(Base):
    __tablename__ = "learner_group_members"

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learner_groups.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CourseMember(Base):
    """A learner studying a course (enrol "by course" picks these)."""

    __tablename__ = "course_learners"

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ProviderService(StrEnum):
    """The conferencing service behind a provider; Zoom is the one implemented."""

    ZOOM = "zoom"


class Provider(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """L2: a named conferencing provider: a Zoom connection, a default host (a Zoom user), a
    default event type and whether that plan has webinars. Course events pick one."""

    __tablename__ = "providers"
    __table_args__ = (
        enum_check("service", ProviderService),
        enum_check("default_kind", ZoomKind),
    )

    name: Mapped[str] = mapped_column(String(255), unique=True)
    service: Mapped[ProviderService] = mapped_column(
        text_enum(ProviderService, 16), default=ProviderService.ZOOM
    )
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("zoom_connections.id", ondelete="RESTRICT"), index=True
    )
    host_email: Mapped[str] = mapped_column(String(255))
    default_kind: Mapped[ZoomKind] = mapped_column(text_enum(ZoomKind, 16))
    webinars_available: Mapped[bool] = mapped_column(Boolean(), default=False)


class CourseEvent(TimestampMixin, Base):
    """What courses adds to an `events.Event`: provider, course, trainer, locked list."""

    __tablename__ = "course_events"

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    # The trainer may be any person, with or without an account (iSpring).
    trainer_name: Mapped[str] = mapped_column(String(255), default="")
    trainer_email: Mapped[str] = mapped_column(String(255), default="")
    locked: Mapped[bool] = mapped_column(Boolean(), default=False)


class Enrolment(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("event_id", "learner_id"),)

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("course_events.event_id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LearnerSignIn(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """An emailed one-time sign-in link: its SHA-256 to look it up, and the token itself
    encrypted (only so the outbox can put it into the email when it is sent)."""

    __tablename__ = "learner_sign_ins"

    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token: Mapped[SecretStr | None] = mapped_column(EncryptedString())
    base_url: Mapped[str] = mapped_column(String(255), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @validates("token")
    def _wrap(self, _key: str, value: SecretStr | str | None) -> SecretStr | None:
        return SecretStr(value) if isinstance(value, str) else value


class LearnerToken(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A learner's bearer token for `/api/v1/me/events` (never a staff route); SHA-256 only."""

    __tablename__ = "learner_tokens"

    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
