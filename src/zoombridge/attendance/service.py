"""Reading attendance: per person and instance, merged from the stored marks.

For each (meeting link, instance) the report marks are used when Zoom's report was pulled (it
is Zoom's record after the end); until then the webhook marks (live). Marks are read in person
order and one person is merged at a time, so reading a 10,000-person webinar holds one
person's marks, not all of them.

Percent is of the scheduled duration (the session's, else the event's), capped at 100. An open
segment counts until now while the meeting runs, and until the instance's last mark (its end)
once it ended. A leave whose join never arrived counts from the instance's first mark.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.attendance.merge import Attendance, Mark, attendance_of
from zoombridge.attendance.models import AttendanceMark, AttendancePull, MarkSource
from zoombridge.errors import NotFoundError
from zoombridge.events.models import Event, EventSession, MeetingLink, SessionStatus


@dataclass(frozen=True)
class PersonAttendance:
    link_id: uuid.UUID
    session_id: uuid.UUID | None
    instance_uuid: str
    person_key: str
    email: str
    name: str
    source: MarkSource
    attendance: Attendance
    percent: float


@dataclass(frozen=True)
class _Instance:
    link: MeetingLink
    instance_uuid: str
    source: MarkSource
    first_at: datetime
    last_at: datetime
    ended: bool
    duration_seconds: int


async def _instances(session: AsyncSession, event: Event, now: datetime) -> list[_Instance]:
    links = list(await session.scalars(select(MeetingLink).where(MeetingLink.event_id == event.id)))
    if not links:
        return []
    sessions = {s.id: s for s in event.sessions}
    by_id = {link.id: link for link in links}
    spans = await session.execute(
        select(
            AttendanceMark.link_id,
            AttendanceMark.instance_uuid,
            AttendanceMark.source,
            func.min(AttendanceMark.at),
            func.max(AttendanceMark.at),
        )
        .where(AttendanceMark.link_id.in_(list(by_id)))
        .group_by(AttendanceMark.link_id, AttendanceMark.instance_uuid, AttendanceMark.source)
    )
    found: dict[tuple[uuid.UUID, str], tuple[MarkSource, datetime, datetime]] = {}
    for link_id, instance, source, first_at, last_at in spans:
        key = (link_id, instance)
        if key in found and found[key][0] is MarkSource.REPORT:
            continue  # Zoom's report wins over the live webhooks
        found[key] = (MarkSource(source), first_at, last_at)
    pulls = await session.execute(
        select(AttendancePull.link_id, AttendancePull.instance_uuid).where(
            AttendancePull.link_id.in_(list(by_id))
        )
    )
    pulled = {(link_id, instance) for link_id, instance in pulls}
    result = []
    for (link_id, instance), (source, first_at, last_at) in sorted(
        found.items(), key=lambda item: item[1][1]
    ):
        link = by_id[link_id]
        ev_session: EventSession | None = sessions.get(link.session_id) if link.session_id else None
        finished = (
            ev_session.status is SessionStatus.FINISHED
            if ev_session is not None
            else bool(event.sessions)
            and all(s.status is SessionStatus.FINISHED for s in event.sessions)
        )
        minutes = ev_session.duration_minutes if ev_session else event.duration_minutes
        result.append(
            _Instance(
                link=link,
                instance_uuid=instance,
                source=source,
                first_at=first_at,
                last_at=last_at,
                ended=source is MarkSource.REPORT or (link_id, instance) in pulled or finished,
                duration_seconds=minutes * 60,
            )
        )
    return result


async def _people(
    session: AsyncSession, instance: _Instance, now: datetime
) -> AsyncIterator[PersonAttendance]:
    query = (
        select(
            AttendanceMark.person_key,
            AttendanceMark.email,
            AttendanceMark.name,
            AttendanceMark.kind,
            AttendanceMark.at,
            AttendanceMark.connection,
        )
        .where(
            AttendanceMark.link_id == instance.link.id,
            AttendanceMark.instance_uuid == instance.instance_uuid,
            AttendanceMark.source == instance.source,
        )
        .order_by(AttendanceMark.person_key)
        .execution_options(yield_per=2000)
    )
    until = instance.last_at if instance.ended else max(now, instance.last_at)
    current: str | None = None
    email = name = ""
    marks: list[Mark] = []

    def done() -> PersonAttendance:
        assert current is not None
        result = attendance_of(marks, meeting_start=instance.first_at, until=until)
        return PersonAttendance(
            link_id=instance.link.id,
            session_id=instance.link.session_id,
            instance_uuid=instance.instance_uuid,
            person_key=current,
            email=email,
            name=name,
            source=instance.source,
            attendance=result,
            percent=result.percent_of(instance.duration_seconds),
        )

    async for key, row_email, row_name, kind, at, connection in await session.stream(query):
        if key != current:
            if current is not None:
                yield done()
            current, email, name, marks = key, "", "", []
        email = email or row_email
        name = name or row_name
        marks.append(Mark(kind, at, connection))
    if current is not None:
        yield done()


async def event_attendance(
    session: AsyncSession, event_id: uuid.UUID, now: datetime
) -> AsyncIterator[PersonAttendance]:
    """Every person of every instance of the event's meetings (instances oldest first)."""
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFoundError("No event has this id.")
    for instance in await _instances(session, event, now):
        async for person in _people(session, instance, now):
            yield person


@dataclass(frozen=True)
class PullState:
    """One participants-report pull of an event's meeting, as the worker left it."""

    link_id: uuid.UUID
    instance_uuid: str
    state: str  # "done", "pending" or "failed"
    rows: int
    attempts: int
    last_error: str | None


async def event_pulls(session: AsyncSession, event_id: uuid.UUID) -> list[PullState]:
    """The report pulls of the event's meetings, oldest first: a failed one says why."""
    pulls = await session.scalars(
        select(AttendancePull)
        .join(MeetingLink, MeetingLink.id == AttendancePull.link_id)
        .where(MeetingLink.event_id == event_id)
        .order_by(AttendancePull.created_at, AttendancePull.id)
    )
    return [
        PullState(
            link_id=p.link_id,
            instance_uuid=p.instance_uuid,
            state="done" if p.done_at is not None else "failed" if p.failed else "pending",
            rows=p.rows,
            attempts=p.attempts,
            last_error=p.last_error,
        )
        for p in pulls
    ]
