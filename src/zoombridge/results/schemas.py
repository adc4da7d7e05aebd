"""What the results API accepts and answers: the matrix, unmatched participants, rules,
overrides, LRS settings and statements."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr, StringConstraints

from zoombridge.kit.text import MultiLine, OneLine
from zoombridge.results.models import Completion, CourseRuleKind, SessionStatusResult


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


Percent = Annotated[int, Field(ge=0, le=100)]


class RuleIn(_In):
    """Per session: attended with at least N % and/or M minutes; per course: K of S sessions,
    or X % of all minutes."""

    min_percent: Percent | None = Field(default=80, description="N, 0-100")
    min_minutes: Annotated[int, Field(ge=0, le=1439)] | None = Field(default=None, description="M")
    both: bool = Field(default=False, description="true: N and M; false: N or M")
    course_rule: CourseRuleKind = CourseRuleKind.SESSIONS
    min_sessions: Annotated[int, Field(ge=0, le=500)] | None = Field(
        default=None, description="K; null: every session"
    )
    min_total_percent: Percent | None = Field(default=None, description="X, 0-100")


class RuleOut(RuleIn):
    event_id: uuid.UUID


class CellOut(BaseModel):
    session_id: uuid.UUID
    minutes: float
    percent: float
    status: SessionStatusResult
    override_reason: str | None


class LearnerRow(BaseModel):
    learner_id: uuid.UUID
    email: str
    name: str
    cells: list[CellOut]
    total_minutes: float
    total_percent: float = Field(description="of all the sessions' scheduled minutes")
    sessions_attended: int
    completion: Completion
    completion_reason: str | None


class SessionColumn(BaseModel):
    id: uuid.UUID
    label: str
    start: datetime
    duration_minutes: int
    status: str
    final: bool = Field(description="finished and Zoom's report pulled: statuses are final")
    attended: int
    partial: int
    absent: int
    pending: int
    minutes: float = Field(description="all learners' minutes in this session")


class UnmatchedOut(BaseModel):
    person_key: str
    name: str
    email: str
    minutes: dict[uuid.UUID, float] = Field(description="per session")


class ResultsOut(BaseModel):
    event_id: uuid.UUID
    topic: str
    rule: RuleIn
    sessions: list[SessionColumn]
    learners: list[LearnerRow]
    unmatched: list[UnmatchedOut]


class AssignIn(_In):
    person_key: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    learner_id: uuid.UUID


class OverrideIn(_In):
    learner_id: uuid.UUID
    session_id: uuid.UUID | None = Field(
        default=None, description="null: the course completion itself"
    )
    status: (
        Literal["attended", "partial", "absent", "excused", "completed", "not_completed"] | None
    ) = Field(description="null removes the override")
    reason: Annotated[MultiLine, StringConstraints(max_length=2000)] = ""


class LrsIn(_In):
    endpoint: AnyHttpUrl = Field(description="the LRS's xAPI base, e.g. https://lrs.example/xAPI/")
    key: Annotated[OneLine, StringConstraints(min_length=1, max_length=255)]
    secret: SecretStr | None = Field(default=None, description="write-only; null keeps it")
    enabled: bool = True
    activity_base: Annotated[OneLine, StringConstraints(min_length=4, max_length=255)] = (
        "urn:zoombridge:"
    )


class LrsOut(BaseModel):
    endpoint: str
    key: str
    has_secret: bool
    enabled: bool
    activity_base: str


class StatementOut(BaseModel):
    id: uuid.UUID
    learner_id: uuid.UUID | None
    session_id: uuid.UUID | None
    verb: str
    state: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None
