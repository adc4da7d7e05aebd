"""What a domain above courses plugs in (connected by `zoombridge.wiring`): a learner's results
on a course event, shown in "my events" (the results domain computes them)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class SessionResult:
    minutes: float
    percent: float
    status: str  # attended, partial, absent, excused or pending


@dataclass(frozen=True)
class LearnerResults:
    sessions: dict[uuid.UUID, SessionResult] = field(default_factory=dict)
    completion: str | None = None  # completed, not_completed or pending


LearnerResultsSource = Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[LearnerResults]]

_sources: list[LearnerResultsSource] = []


def set_learner_results(source: LearnerResultsSource) -> None:
    _sources[:] = [source]


async def learner_results(
    session: AsyncSession, event_id: uuid.UUID, learner_id: uuid.UUID
) -> LearnerResults | None:
    if not _sources:
        return None
    return await _sources[0](session, event_id, learner_id)
