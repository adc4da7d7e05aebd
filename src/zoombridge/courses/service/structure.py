"""Organisations, groups and courses (the structure learners are picked by), and learners.

A department admin lists and changes only the rows of its departments; every request is
checked whole before anything is written (all problems named at once)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.permissions import Actor
from zoombridge.courses.models import (
    Course,
    CourseMember,
    GroupMember,
    Learner,
    LearnerGroup,
    Organisation,
)
from zoombridge.courses.schemas import (
    BatchOut,
    CourseIn,
    CourseOut,
    GroupIn,
    GroupOut,
    LearnerBatch,
    LearnerIn,
    LearnerOut,
    LearnerUpdate,
    OrganisationIn,
    OrganisationOut,
)
from zoombridge.courses.service.scope import Problems, check_department, get_visible, within
from zoombridge.errors import Conflict

Holder = type[Organisation] | type[LearnerGroup] | type[Course]
_WHAT: dict[Any, str] = {Organisation: "organisation", LearnerGroup: "group", Course: "course"}


async def _counts(session: AsyncSession, model: Holder) -> dict[uuid.UUID, int]:
    if model is Organisation:
        query = select(Learner.organisation_id, func.count()).group_by(Learner.organisation_id)
    elif model is LearnerGroup:
        query = select(GroupMember.group_id, func.count()).group_by(GroupMember.group_id)
    else:
        query = select(CourseMember.course_id, func.count()).group_by(CourseMember.course_id)
    return {row[0]: row[1] for row in await session.execute(query) if row[0] is not None}


async def list_holders(session: AsyncSession, actor: Actor, model: Holder) -> list[Any]:
    counts = await _counts(session, model)
    rows = await session.scalars(
        select(model).where(within(actor, model.department_id)).order_by(model.name)
    )
    return [_holder_out(row, counts.get(row.id, 0)) for row in rows]  # type: ignore[attr-defined]


def _holder_out(row: Any, learners: int) -> Any:
    if isinstance(row, Organisation):
        return OrganisationOut(
            id=row.id,
            name=row.name,
            tax_number=row.tax_number,
            department_id=row.department_id,
            learners=learners,
        )
    if isinstance(row, LearnerGroup):
        return GroupOut(
            id=row.id, name=row.name, department_id=row.department_id, learners=learners
        )
    return CourseOut(
        id=row.id, name=row.name, code=row.code, department_id=row.department_id, learners=learners
    )


async def holder_out(session: AsyncSession, row: Any) -> Any:
    return _holder_out(row, (await _counts(session, type(row))).get(row.id, 0))


async def save_holder(
    session: AsyncSession,
    actor: Actor,
    model: Holder,
    data: OrganisationIn | GroupIn | CourseIn,
    row_id: uuid.UUID | None = None,
) -> Any:
    """Create (no `row_id`) or replace the fields of an organisation, group or course."""
    row = await get_visible(session, actor, model, row_id, _WHAT[model]) if row_id else model()
    problems = Problems()
    await check_department(session, actor, data.department_id, problems)
    problems.raise_if_any()
    for field, value in data.model_dump().items():
        setattr(row, field, value)
    session.add(row)
    await session.flush()
    return row


async def delete_holder(
    session: AsyncSession, actor: Actor, model: Holder, row_id: uuid.UUID
) -> None:
    row = await get_visible(session, actor, model, row_id, _WHAT[model])
    if model is Organisation and await session.scalar(
        select(func.count()).select_from(Learner).where(Learner.organisation_id == row_id)
    ):
        raise Conflict("Learners belong to this organisation: move or remove them first.")
    await session.delete(row)
    await session.flush()


# --- learners --------------------------------------------------------------------------------


async def learner_out(session: AsyncSession, learner: Learner) -> LearnerOut:
    groups = await session.scalars(
        select(GroupMember.group_id).where(GroupMember.learner_id == learner.id)
    )
    courses = await session.scalars(
        select(CourseMember.course_id).where(CourseMember.learner_id == learner.id)
    )
    return _learner_out(learner, list(groups), list(courses))


def _learner_out(
    learner: Learner, groups: Sequence[uuid.UUID], courses: Sequence[uuid.UUID]
) -> LearnerOut:
    return LearnerOut(
        id=learner.id,
        email=learner.email,
        first_name=learner.first_name,
        last_name=learner.last_name,
        position=learner.position,
        organisation_id=learner.organisation_id,
        department_id=learner.department_id,
        group_ids=sorted(groups),
        course_ids=sorted(courses),
    )


async def learner_outs(session: AsyncSession, learners: Sequence[Learner]) -> list[LearnerOut]:
    """The learners with their groups and courses, read with two queries for all of them."""
    ids = [learner.id for learner in learners]
    groups: dict[uuid.UUID, list[uuid.UUID]] = {}
    courses: dict[uuid.UUID, list[uuid.UUID]] = {}
    if ids:
        for learner_id, group in await session.execute(
            select(GroupMember.learner_id, GroupMember.group_id).where(
                GroupMember.learner_id.in_(ids)
            )
        ):
            groups.setdefault(learner_id, []).append(group)
        for learner_id, course in await session.execute(
            select(CourseMember.learner_id, CourseMember.course_id).where(
                CourseMember.learner_id.in_(ids)
            )
        ):
            courses.setdefault(learner_id, []).append(course)
    return [
        _learner_out(learner, groups.get(learner.id, []), courses.get(learner.id, []))
        for learner in learners
    ]


async def get_learner(session: AsyncSession, actor: Actor, learner_id: uuid.UUID) -> Learner:
    learner: Learner = await get_visible(session, actor, Learner, learner_id, "learner")
    return learner


async def _check_links(
    session: AsyncSession,
    actor: Actor,
    data: LearnerIn | LearnerUpdate,
    problems: Problems,
    prefix: str = "",
) -> None:
    if data.organisation_id is not None:
        await get_visible(
            session,
            actor,
            Organisation,
            data.organisation_id,
            "organisation",
            problems,
            f"{prefix}organisation_id",
        )
    for name, model in (("group_ids", LearnerGroup), ("course_ids", Course)):
        for index, ref in enumerate(getattr(data, name) or []):
            await get_visible(
                session, actor, model, ref, _WHAT[model], problems, f"{prefix}{name}[{index}]"
            )


async def _set_members(
    session: AsyncSession,
    learner_id: uuid.UUID,
    group_ids: Sequence[uuid.UUID] | None,
    course_ids: Sequence[uuid.UUID] | None,
) -> None:
    if group_ids is not None:
        await session.execute(delete(GroupMember).where(GroupMember.learner_id == learner_id))
        session.add_all(GroupMember(group_id=g, learner_id=learner_id) for g in set(group_ids))
    if course_ids is not None:
        await session.execute(delete(CourseMember).where(CourseMember.learner_id == learner_id))
        session.add_all(CourseMember(course_id=c, learner_id=learner_id) for c in set(course_ids))


async def create_learner(session: AsyncSession, actor: Actor, data: LearnerIn) -> Learner:
    problems = Problems()
    email = data.email.lower()
    if await session.scalar(select(Learner.id).where(Learner.email == email)):
        problems.add("email", f"A learner with the email {email} exists already.")
    await check_department(session, actor, data.department_id, problems)
    await _check_links(session, actor, data, problems)
    problems.raise_if_any()
    learner = Learner(
        email=email,
        first_name=data.first_name,
        last_name=data.last_name,
        position=data.position,
        organisation_id=data.organisation_id,
        department_id=data.department_id,
    )
    session.add(learner)
    await session.flush()
    await _set_members(session, learner.id, data.group_ids, data.course_ids)
    await session.flush()
    return learner


async def update_learner(
    session: AsyncSession, actor: Actor, learner_id: uuid.UUID, data: LearnerUpdate
) -> tuple[Learner, str | None]:
    """Change the fields sent; (the learner, the previous email when it changed)."""
    learner = await get_learner(session, actor, learner_id)
    problems = Problems()
    sent = data.model_fields_set
    previous = None
    if data.email is not None and data.email.lower() != learner.email:
        email = data.email.lower()
        if await session.scalar(select(Learner.id).where(Learner.email == email)):
            problems.add("email", f"A learner with the email {email} exists already.")
        previous = learner.email
    if "department_id" in sent:
        await check_department(session, actor, data.department_id, problems)
    await _check_links(session, actor, data, problems)
    problems.raise_if_any()
    for field in ("first_name", "last_name", "position"):
        if getattr(data, field) is not None:
            setattr(learner, field, getattr(data, field))
    if previous is not None and data.email is not None:
        learner.email = data.email.lower()
    for field in ("organisation_id", "department_id"):
        if field in sent:
            setattr(learner, field, getattr(data, field))
    await _set_members(session, learner.id, data.group_ids, data.course_ids)
    await session.flush()
    return learner, previous


async def import_learners(session: AsyncSession, actor: Actor, data: LearnerBatch) -> BatchOut:
    """Add or update many learners (by email) in one request; all checked before any write."""
    problems = Problems()
    emails = [item.email.lower() for item in data.learners]
    seen: set[str] = set()
    for index, email in enumerate(emails):
        if email in seen:
            problems.add(f"learners[{index}].email", f"{email} appears twice in this request.")
        seen.add(email)
    existing: dict[str, Learner] = {}
    for start in range(0, len(emails), 500):
        for learner in await session.scalars(
            select(Learner).where(Learner.email.in_(emails[start : start + 500]))
        ):
            existing[learner.email] = learner
    checked: dict[tuple[str, object], bool] = {}
    for index, item in enumerate(data.learners):
        prefix = f"learners[{index}]."
        known = existing.get(item.email.lower())
        if known is not None and not actor.sees(known.department_id):
            problems.out_of_reach(f"{prefix}email", f"The learner {known.email}")
        department_key: tuple[str, object] = ("department", item.department_id)
        if department_key not in checked:
            before = len(problems.items) + len(problems.outside)
            await check_department(
                session, actor, item.department_id, problems, f"{prefix}department_id"
            )
            checked[department_key] = before == len(problems.items) + len(problems.outside)
        links_key: tuple[str, object] = (
            "links",
            (item.organisation_id, tuple(item.group_ids), tuple(item.course_ids)),
        )
        if links_key not in checked:
            await _check_links(session, actor, item, problems, prefix)
            checked[links_key] = True
    problems.raise_if_any()
    created = updated = 0
    for item in data.learners:
        found = existing.get(item.email.lower())
        if found is None:
            learner = Learner(email=item.email.lower())
            session.add(learner)
            created += 1
        else:
            learner = found
            updated += 1
        learner.first_name, learner.last_name = item.first_name, item.last_name
        learner.position = item.position
        learner.organisation_id, learner.department_id = item.organisation_id, item.department_id
    await session.flush()
    by_email = {learner.email: learner for learner in existing.values()}
    fresh = await _by_emails(session, [e for e in emails if e not in by_email])
    by_email.update(fresh)
    ids = [by_email[item.email.lower()].id for item in data.learners]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        await session.execute(delete(GroupMember).where(GroupMember.learner_id.in_(chunk)))
        await session.execute(delete(CourseMember).where(CourseMember.learner_id.in_(chunk)))
    for item, learner_id in zip(data.learners, ids, strict=True):
        session.add_all(GroupMember(group_id=g, learner_id=learner_id) for g in set(item.group_ids))
        session.add_all(
            CourseMember(course_id=c, learner_id=learner_id) for c in set(item.course_ids)
        )
    await session.flush()
    return BatchOut(created=created, updated=updated)


async def _by_emails(session: AsyncSession, emails: list[str]) -> dict[str, Learner]:
    found: dict[str, Learner] = {}
    for start in range(0, len(emails), 500):
        for learner in await session.scalars(
            select(Learner).where(Learner.email.in_(emails[start : start + 500]))
        ):
            found[learner.email] = learner
    return found


async def delete_learner(session: AsyncSession, actor: Actor, learner_id: uuid.UUID) -> str:
    """Remove a learner; their email (registrations on Zoom are cancelled by the caller)."""
    learner = await get_learner(session, actor, learner_id)
    email = learner.email
    await session.delete(learner)
    await session.flush()
    return email
