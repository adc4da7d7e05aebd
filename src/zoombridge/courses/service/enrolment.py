"""Enrolment (L3): learners picked by person, organisation, group or course (duplicates
removed) are enrolled on a course event, and registered on every session's Zoom meeting.

The registrations are `orders.Registration` rows (meeting link × email, wanted registered or
cancelled) that the registrations step of the worker sends in batches within Zoom's limits, as
for orders; orders leave a course event's registrations alone (`Event.registrations_from`).
`refresh_registrations` is the one place that derives them: wanted registered while the learner
is enrolled, else cancelled; a row whose want does not change is not touched."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.permissions import Actor
from zoombridge.connections.models import ZoomKind
from zoombridge.courses.models import (
    Course,
    CourseMember,
    Enrolment,
    GroupMember,
    Learner,
    LearnerGroup,
    Organisation,
)
from zoombridge.courses.schemas import EnrolIn, EnrolmentOut, EnrolOut, RegistrationState
from zoombridge.courses.service.course_events import enrolled_count, get_course_event
from zoombridge.courses.service.scope import Problems, get_visible
from zoombridge.db.base import utc_now
from zoombridge.errors import CapacityExceeded, Conflict, FieldProblem
from zoombridge.events.models import Event, EventStatus, LinkWant, MeetingLink, RegistrationSource
from zoombridge.orders.models import Registration, RegistrationWant
from zoombridge.orders.models import RegistrationState as RowState

ZOOM_MEETING_REGISTRANT_LIMIT = 4_999  # Zoom's registrants per meeting (webinars: the add-on)
_CHUNK = 500


def _chunks(items: list[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


async def _learners_of(session: AsyncSession, column: object, value: uuid.UUID) -> list[Learner]:
    if column is Learner.organisation_id:
        query = select(Learner).where(Learner.organisation_id == value)
    elif column is GroupMember.group_id:
        query = (
            select(Learner)
            .join(GroupMember, GroupMember.learner_id == Learner.id)
            .where(GroupMember.group_id == value)
        )
    else:
        query = (
            select(Learner)
            .join(CourseMember, CourseMember.learner_id == Learner.id)
            .where(CourseMember.course_id == value)
        )
    return list(await session.scalars(query))


async def resolve(
    session: AsyncSession, actor: Actor, data: EnrolIn, problems: Problems
) -> set[uuid.UUID]:
    """The distinct learners `data` names; problems for unknown ones and, for a department
    admin, for any outside its departments."""
    picked: set[uuid.UUID] = set()
    wanted = list(dict.fromkeys(data.learner_ids))
    found: dict[uuid.UUID, Learner] = {}
    for chunk in _chunks(wanted):
        for learner in await session.scalars(select(Learner).where(Learner.id.in_(chunk))):
            found[learner.id] = learner
    for index, learner_id in enumerate(data.learner_ids):
        one = found.get(learner_id)
        if one is None:
            problems.add(f"learner_ids[{index}]", f"There is no learner with id {learner_id}.")
        elif not actor.sees(one.department_id):
            problems.out_of_reach(f"learner_ids[{index}]", f"The learner {one.email}")
        else:
            picked.add(one.id)
    sources = (
        ("organisation_ids", Organisation, "organisation", Learner.organisation_id),
        ("group_ids", LearnerGroup, "group", GroupMember.group_id),
        ("course_ids", Course, "course", CourseMember.course_id),
    )
    for field, model, what, column in sources:
        for index, ref in enumerate(getattr(data, field)):
            holder = await get_visible(
                session, actor, model, ref, what, problems, f"{field}[{index}]"
            )
            if holder is None:
                continue
            members = await _learners_of(session, column, ref)
            outside = [m for m in members if not actor.sees(m.department_id)]
            if outside:
                problems.out_of_reach(
                    f"{field}[{index}]",
                    f"{len(outside)} learner(s) of the {what} {holder.name}",
                )
            picked.update(m.id for m in members)
    return picked


async def enrol(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID, data: EnrolIn
) -> EnrolOut:
    course_event, event = await get_course_event(session, actor, event_id)
    if event.status is EventStatus.CANCELLED:
        raise Conflict("This course event is cancelled; nobody can be enrolled on it.")
    if course_event.locked:
        raise Conflict("The participant list of this course event is locked; unlock it first.")
    problems = Problems()
    picked = await resolve(session, actor, data, problems)
    if not picked and not problems.items and not problems.outside:
        problems.add("learner_ids", "Pick at least one learner, organisation, group or course.")
    problems.raise_if_any("Nobody was enrolled")
    existing = set(
        await session.scalars(select(Enrolment.learner_id).where(Enrolment.event_id == event_id))
    )
    new = sorted(picked - existing)
    total = len(existing) + len(new)
    _check_capacity(event, total, len(existing))
    now = utc_now()
    if new:
        await session.execute(
            insert(Enrolment),
            [
                {"id": uuid.uuid4(), "event_id": event_id, "learner_id": i, "enrolled_at": now}
                for i in new
            ],
        )
        await refresh_registrations(
            session, event_id, learner_ids=None if len(new) > _CHUNK else new
        )
    return EnrolOut(
        picked=len(picked), added=len(new), already=len(picked) - len(new), enrolled=total
    )


def _check_capacity(event: Event, total: int, existing: int) -> None:
    limits = []
    if event.capacity is not None:
        limits.append((event.capacity, f"the event's capacity of {event.capacity:,}"))
    if event.kind is ZoomKind.MEETING:
        limits.append(
            (
                ZOOM_MEETING_REGISTRANT_LIMIT,
                f"Zoom's limit of {ZOOM_MEETING_REGISTRANT_LIMIT:,} registrants per meeting",
            )
        )
    for limit, reason in sorted(limits):
        if total > limit:
            message = (
                f"Not enough places: {max(limit - existing, 0):,} left (limited by {reason}) and "
                f"this enrols {total - existing:,} more. Nobody was enrolled."
            )
            raise CapacityExceeded(message, field_errors=[FieldProblem("learner_ids", message)])


async def unenrol(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID, learner_id: uuid.UUID
) -> None:
    """Remove a learner; their registrations are cancelled on Zoom by the worker."""
    course_event, _ = await get_course_event(session, actor, event_id)
    if course_event.locked:
        raise Conflict("The participant list of this course event is locked; unlock it first.")
    learner = await get_visible(session, actor, Learner, learner_id, "learner")
    await session.execute(
        delete(Enrolment).where(Enrolment.event_id == event_id, Enrolment.learner_id == learner.id)
    )
    await refresh_registrations(session, event_id, emails={learner.email})


async def set_locked(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID, locked: bool
) -> None:
    course_event, _ = await get_course_event(session, actor, event_id)
    course_event.locked = locked
    await session.flush()


async def refresh_registrations(
    session: AsyncSession,
    event_id: uuid.UUID,
    *,
    learner_ids: list[uuid.UUID] | None = None,
    emails: set[str] | None = None,
) -> None:
    """Make the registrations of the event's meetings match its enrolments (all of them, or
    only those of `learner_ids` / `emails`). A few queries, whatever the number of learners."""
    event = await session.get(Event, event_id)
    if event is None or event.registrations_from is not RegistrationSource.ENROLMENT:
        return
    link_ids = list(
        await session.scalars(
            select(MeetingLink.id).where(
                MeetingLink.event_id == event_id, MeetingLink.want == LinkWant.PRESENT
            )
        )
    )
    if not link_ids:
        return
    query = (
        select(Learner.email, Learner.first_name, Learner.last_name)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.event_id == event_id)
    )
    if learner_ids is not None:
        rows = []
        for chunk in _chunks(learner_ids):
            rows += list(await session.execute(query.where(Learner.id.in_(chunk))))
        emails = {row[0] for row in rows} | (emails or set())
    else:
        if emails is not None:
            query = query.where(Learner.email.in_(list(emails)))
        rows = list(await session.execute(query))
    wanted = {email: (first[:64], last[:64]) for email, first, last in rows}
    existing_query = select(Registration).where(Registration.link_id.in_(link_ids))
    if emails is not None:
        existing_query = existing_query.where(Registration.email.in_(list(emails)))
    existing = {(r.link_id, r.email): r for r in await session.scalars(existing_query)}
    for row in existing.values():
        names = wanted.get(row.email)
        want = RegistrationWant.REGISTERED if names is not None else RegistrationWant.CANCELLED
        if row.want is not want:
            if names is not None:
                row.first_name, row.last_name = names
            row.want = want
            row.state = RowState.PENDING
            row.not_before = None
            row.attempts = 0
            row.last_error = None
    fresh = [
        {
            "id": uuid.uuid4(),
            "link_id": link_id,
            "email": email,
            "first_name": first,
            "last_name": last,
            "want": RegistrationWant.REGISTERED,
            "state": RowState.PENDING,
            "attempts": 0,
            "zoom_requests": 0,
        }
        for link_id in link_ids
        for email, (first, last) in wanted.items()
        if (link_id, email) not in existing
    ]
    if fresh:
        await session.execute(insert(Registration), fresh)
    await session.flush()


async def learner_events(session: AsyncSession, learner_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        await session.scalars(select(Enrolment.event_id).where(Enrolment.learner_id == learner_id))
    )


async def list_enrolments(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID
) -> list[EnrolmentOut]:
    _, event = await get_course_event(session, actor, event_id)
    links = {
        link.id: link
        for link in await session.scalars(
            select(MeetingLink).where(
                MeetingLink.event_id == event_id, MeetingLink.want == LinkWant.PRESENT
            )
        )
    }
    order = {s.id: s.start_at for s in event.sessions}
    registrations: dict[str, list[Registration]] = {}
    if links:
        for row in await session.scalars(
            select(Registration).where(Registration.link_id.in_(list(links)))
        ):
            registrations.setdefault(row.email, []).append(row)
    rows = await session.execute(
        select(Enrolment, Learner)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .where(Enrolment.event_id == event_id)
        .order_by(Learner.last_name, Learner.first_name)
    )
    out = []
    for enrolment, learner in rows:
        regs = sorted(
            registrations.get(learner.email, []),
            key=lambda r: str(order.get(links[r.link_id].session_id or uuid.UUID(int=0), "")),
        )
        out.append(
            EnrolmentOut(
                learner_id=learner.id,
                email=learner.email,
                name=learner.name,
                organisation_id=learner.organisation_id,
                enrolled_at=enrolment.enrolled_at,
                registrations=[
                    RegistrationState(
                        session_id=links[r.link_id].session_id,
                        state=r.state.value,
                        join_url=r.join_url,
                        last_error=r.last_error,
                    )
                    for r in regs
                ],
            )
        )
    return out


async def count(session: AsyncSession, event_id: uuid.UUID) -> int:
    return await enrolled_count(session, event_id)
