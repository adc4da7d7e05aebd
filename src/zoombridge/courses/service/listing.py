"""The learners list: narrowed to an organisation, group or course, searched by name or email,
by last name, a page at a time (see `zoombridge.kit.pages`)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.permissions import Actor
from zoombridge.courses.models import CourseMember, GroupMember, Learner
from zoombridge.courses.schemas import LearnerOut
from zoombridge.courses.service.scope import within
from zoombridge.courses.service.structure import learner_outs
from zoombridge.kit.filtering import matches, search_words
from zoombridge.kit.pages import Page, paginate


@dataclass(frozen=True)
class LearnerFilters:
    organisation_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    course_id: uuid.UUID | None = None
    q: str | None = None  # name or email

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


async def list_learners(
    session: AsyncSession,
    actor: Actor,
    filters: LearnerFilters | None = None,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[LearnerOut]:
    """The learners the actor may see, by last name, first name and email."""
    filters = filters or LearnerFilters()
    statement = select(Learner).where(within(actor, Learner.department_id))
    if filters.organisation_id is not None:
        statement = statement.where(Learner.organisation_id == filters.organisation_id)
    if filters.group_id is not None:
        members = select(GroupMember.learner_id).where(GroupMember.group_id == filters.group_id)
        statement = statement.where(Learner.id.in_(members))
    if filters.course_id is not None:
        members = select(CourseMember.learner_id).where(CourseMember.course_id == filters.course_id)
        statement = statement.where(Learner.id.in_(members))
    if text := search_words(filters.q):
        statement = statement.where(
            matches(text, Learner.email, Learner.first_name + " " + Learner.last_name)
        )
    rows, next_cursor, total = await paginate(
        session,
        statement,
        (Learner.last_name, Learner.first_name, Learner.email, Learner.id),
        cursor=cursor,
        limit=limit,
        filters=filters.as_dict(),
    )
    return Page(items=await learner_outs(session, rows), next_cursor=next_cursor, total=total)
