"""Segments (H6): conditions on contacts combined with all/any, counted, listed, exported.

Each condition is one SQL predicate on `contacts`: webinar conditions are `contact id IN
(subquery)` on the registrations, attendance and recordings (uncorrelated: the database runs
each once, through the indexes by webinar), properties are (indexed) columns of the contact.
A query without a `state` condition lists contacts that are not deleted. Saved segments keep
the conditions as the API gave them.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.contacts import exclusions
from zoombridge.contacts.models import (
    Contact,
    ContactAttendance,
    ContactEmail,
    ContactRecording,
    ContactRegistration,
    ContactSegment,
    ContactSource,
    ContactWebinar,
    MatchMode,
    RecordingStatus,
    RegistrationStatus,
)
from zoombridge.contacts.schemas import (
    AttendedCondition,
    Condition,
    PropertyCondition,
    RecordingCondition,
    RegisteredCondition,
    SegmentIn,
    SegmentQuery,
    SourceCondition,
    StateCondition,
)
from zoombridge.db.engine import sqlite_read_only
from zoombridge.errors import Conflict, FieldProblem, InvalidInput, NotFoundError

ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.PENDING)
_NUMBERS = {"avg_attendance_percent", "total_registrations", "total_webinars_attended"}
_NUMBERS |= {"no_show_count"}
_TIMES = {"first_attended_at", "last_attended_at"}
EXPORT_PAGE = 1000


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    return func.lower(column).like(_like(text), escape="\\")


def _webinar_filters(condition: RegisteredCondition | AttendedCondition) -> list[Any]:
    found: list[Any] = []
    if condition.webinar_id is not None:
        found.append(ContactWebinar.zoom_webinar_id == condition.webinar_id)
    if condition.webinar_name is not None:
        found.append(_contains(ContactWebinar.topic, condition.webinar_name))
    return found


def _registered(condition: RegisteredCondition) -> ColumnElement[bool]:
    query = select(ContactRegistration.contact_id).where(ContactRegistration.status.in_(ACTIVE))
    filters = _webinar_filters(condition)
    if filters:
        query = query.join(ContactWebinar, ContactWebinar.id == ContactRegistration.webinar_id)
        query = query.where(*filters)
    return Contact.id.in_(query)


def _attended(condition: AttendedCondition) -> ColumnElement[bool]:
    query = select(ContactAttendance.contact_id).where(ContactAttendance.attended_seconds > 0)
    if condition.min_minutes is not None:
        query = query.where(ContactAttendance.attended_seconds >= condition.min_minutes * 60)
    if condition.max_minutes is not None:
        query = query.where(ContactAttendance.attended_seconds <= condition.max_minutes * 60)
    if condition.min_percent is not None:
        query = query.where(ContactAttendance.percent >= condition.min_percent)
    if condition.max_percent is not None:
        query = query.where(ContactAttendance.percent <= condition.max_percent)
    filters = _webinar_filters(condition)
    if filters:
        query = query.join(ContactWebinar, ContactWebinar.id == ContactAttendance.webinar_id)
        query = query.where(*filters)
    return Contact.id.in_(query)


def _recording(condition: RecordingCondition) -> ColumnElement[bool]:
    """A recording is available of a webinar the contact registered for or attended."""
    recorded = select(ContactRecording.webinar_id).where(
        ContactRecording.status == RecordingStatus.AVAILABLE
    )
    if condition.topic is not None:
        recorded = recorded.where(_contains(ContactRecording.topic, condition.topic))
    if condition.url is not None:
        recorded = recorded.where(_contains(ContactRecording.url, condition.url))
    if condition.start_after is not None:
        recorded = recorded.where(ContactRecording.start_at >= condition.start_after)
    if condition.start_before is not None:
        recorded = recorded.where(ContactRecording.start_at <= condition.start_before)
    registered = select(ContactRegistration.contact_id).where(
        ContactRegistration.status.in_(ACTIVE), ContactRegistration.webinar_id.in_(recorded)
    )
    attended = select(ContactAttendance.contact_id).where(
        ContactAttendance.webinar_id.in_(recorded)
    )
    return or_(Contact.id.in_(registered), Contact.id.in_(attended))


def _problem(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, field_errors=[FieldProblem(field, message)])


def _property(condition: PropertyCondition, where: str) -> ColumnElement[bool]:
    column = getattr(Contact, condition.property)
    op, value = condition.op, condition.value
    if op == "empty":
        return column.is_(None)  # type: ignore[no-any-return]
    if op == "not_empty":
        return column.is_not(None)  # type: ignore[no-any-return]
    if value is None:
        raise _problem(f"{where}.value", f"The operator {op} needs a value.")
    compared: Any = value
    if condition.property in _NUMBERS:
        if op == "contains":
            raise _problem(f"{where}.op", f"{condition.property} is a number: no 'contains'.")
        try:
            compared = float(value)
        except ValueError:
            raise _problem(f"{where}.value", f"{condition.property} is a number.") from None
    elif condition.property in _TIMES:
        if op == "contains":
            raise _problem(f"{where}.op", f"{condition.property} is a time: no 'contains'.")
        try:
            compared = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise _problem(
                f"{where}.value", "Give an ISO time, e.g. 2031-03-04T15:00:00Z."
            ) from None
        if compared.tzinfo is None:
            raise _problem(f"{where}.value", "Give the time with its zone, e.g. ...Z.")
    else:
        compared = str(value)
        if op == "contains":
            return _contains(column, compared)
    comparisons = {
        "eq": column == compared,
        "ne": column != compared,
        "gt": column > compared,
        "gte": column >= compared,
        "lt": column < compared,
        "lte": column <= compared,
    }
    if op not in comparisons:
        raise _problem(f"{where}.op", f"The operator {op} does not apply to text.")
    return comparisons[op]  # type: ignore[no-any-return]


def _state(condition: StateCondition, excluded: exclusions.Exclusions) -> ColumnElement[bool]:
    if condition.state == "deleted":
        return Contact.deleted_at.is_not(None)
    if condition.state == "active":
        return Contact.deleted_at.is_(None)
    matches: list[ColumnElement[bool]] = []
    listed = sorted(set(excluded.platform_users) | set(excluded.zoom_users))
    if listed:
        matches.append(Contact.email.in_(listed))
    for domain in excluded.domains:
        matches.append(Contact.email.like(f"%@{domain}"))
        matches.append(Contact.email.like(f"%.{domain}"))
    return or_(*matches) if matches else false()


def _source(condition: SourceCondition) -> ColumnElement[bool]:
    return Contact.id.in_(
        select(ContactSource.contact_id).where(ContactSource.kind == condition.source)
    )


def _text(q: str) -> ColumnElement[bool]:
    pattern = _like(q)
    return or_(
        func.lower(Contact.email).like(pattern, escape="\\"),
        func.lower(Contact.first_name + " " + Contact.last_name).like(pattern, escape="\\"),
        exists().where(
            ContactEmail.contact_id == Contact.id, ContactEmail.email.like(pattern, escape="\\")
        ),
    )


def predicate(
    condition: Condition, where: str, excluded: exclusions.Exclusions
) -> ColumnElement[bool]:
    if isinstance(condition, RegisteredCondition):
        return _registered(condition)
    if isinstance(condition, AttendedCondition):
        return _attended(condition)
    if isinstance(condition, RecordingCondition):
        return _recording(condition)
    if isinstance(condition, PropertyCondition):
        return _property(condition, where)
    if isinstance(condition, StateCondition):
        return _state(condition, excluded)
    return _source(condition)


async def where_clause(session: AsyncSession, query: SegmentQuery) -> ColumnElement[bool]:
    wanted = any(isinstance(c, StateCondition) and c.state == "excluded" for c in query.conditions)
    excluded = await exclusions.load(session) if wanted else exclusions.Exclusions()
    parts = [predicate(c, f"conditions[{i}]", excluded) for i, c in enumerate(query.conditions)]
    combined: ColumnElement[bool]
    if not parts:
        combined = true()
    elif query.match is MatchMode.ALL:
        combined = and_(*parts)
    else:
        combined = or_(*parts)
    if not any(isinstance(c, StateCondition) for c in query.conditions):
        combined = and_(Contact.deleted_at.is_(None), combined)
    if query.q:
        combined = and_(combined, _text(query.q))
    return combined


async def count_and_page(
    session: AsyncSession, query: SegmentQuery, *, limit: int, offset: int
) -> tuple[int, list[Contact]]:
    """How many contacts match, and one page of them (by email): what a list shows."""
    where = await where_clause(session, query)
    total = await session.scalar(select(func.count()).select_from(Contact).where(where))
    rows = await session.scalars(
        select(Contact).where(where).order_by(Contact.email).limit(limit).offset(offset)
    )
    return int(total or 0), list(rows)


async def count(session: AsyncSession, query: SegmentQuery) -> int:
    where = await where_clause(session, query)
    return int(await session.scalar(select(func.count()).select_from(Contact).where(where)) or 0)


async def page(
    session: AsyncSession, query: SegmentQuery, *, limit: int, offset: int
) -> list[Contact]:
    where = await where_clause(session, query)
    rows = await session.scalars(
        select(Contact).where(where).order_by(Contact.email).limit(limit).offset(offset)
    )
    return list(rows)


CSV_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "secondary_emails",
    "avg_attendance_percent",
    "total_registrations",
    "total_webinars_attended",
    "no_show_count",
    "first_attended_at",
    "last_attended_at",
    "last_registered_webinar_url",
    "deleted",
)


def _cell(value: object) -> str:
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    # A cell a spreadsheet would run as a formula is written as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def export_csv(
    maker: async_sessionmaker[AsyncSession], query: SegmentQuery
) -> AsyncIterator[str]:
    """The segment as CSV, a page of contacts at a time (by email, so memory stays small), in
    a read-only transaction of its own: the answer streams after the request's transaction
    ended, and on SQLite it never holds the write lock while a client downloads."""
    async with maker() as session:
        with sqlite_read_only():
            where = await where_clause(session, query)  # the transaction begins here
        async for chunk in _rows(session, where):
            yield chunk


async def _rows(session: AsyncSession, where: ColumnElement[bool]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    after = ""
    while True:
        contacts = list(
            await session.scalars(
                select(Contact)
                .where(where, Contact.email > after)
                .order_by(Contact.email)
                .limit(EXPORT_PAGE)
            )
        )
        if not contacts:
            return
        ids = [c.id for c in contacts]
        secondary: dict[uuid.UUID, list[str]] = {}
        for contact_id, email in await session.execute(
            select(ContactEmail.contact_id, ContactEmail.email)
            .where(ContactEmail.contact_id.in_(ids))
            .order_by(ContactEmail.email)
        ):
            secondary.setdefault(contact_id, []).append(email)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for c in contacts:
            values = [getattr(c, name, None) for name in CSV_COLUMNS]
            values[3] = " ".join(secondary.get(c.id, []))
            values[-1] = "yes" if c.deleted_at is not None else ""
            writer.writerow([_cell(v) for v in values])
        yield buffer.getvalue()
        after = contacts[-1].email


# --- saved segments --------------------------------------------------------------------------

_CONDITIONS: TypeAdapter[list[Condition]] = TypeAdapter(list[Condition])


def query_of(segment: ContactSegment) -> SegmentQuery:
    try:
        conditions = _CONDITIONS.validate_python(segment.conditions)
    except ValidationError as exc:  # stored by an older version: say so, do not guess
        raise Conflict(
            f"The segment {segment.name} holds conditions this version cannot read: "
            f"{exc.error_count()} problem(s); save it again."
        ) from None
    return SegmentQuery(match=segment.match, conditions=conditions)


async def get_segment(session: AsyncSession, segment_id: uuid.UUID) -> ContactSegment:
    segment = await session.get(ContactSegment, segment_id)
    if segment is None:
        raise NotFoundError("No segment has this id.")
    return segment


async def list_segments(session: AsyncSession) -> list[ContactSegment]:
    return list(await session.scalars(select(ContactSegment).order_by(ContactSegment.name)))


async def _check(session: AsyncSession, data: SegmentIn, segment_id: uuid.UUID | None) -> None:
    same = await session.scalar(select(ContactSegment.id).where(ContactSegment.name == data.name))
    if same is not None and same != segment_id:
        raise _problem("name", f"A segment is already called {data.name}.")
    await where_clause(session, SegmentQuery(match=data.match, conditions=data.conditions))


def _stored(data: SegmentIn) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json", exclude_none=True) for c in data.conditions]


async def create_segment(session: AsyncSession, data: SegmentIn) -> ContactSegment:
    await _check(session, data, None)
    segment = ContactSegment(name=data.name, match=data.match, conditions=_stored(data))
    session.add(segment)
    await session.flush()
    return segment


async def update_segment(
    session: AsyncSession, segment_id: uuid.UUID, data: SegmentIn
) -> ContactSegment:
    segment = await get_segment(session, segment_id)
    await _check(session, data, segment.id)
    segment.name, segment.match, segment.conditions = data.name, data.match, _stored(data)
    await session.flush()
    return segment


async def delete_segment(session: AsyncSession, segment_id: uuid.UUID) -> None:
    await session.delete(await get_segment(session, segment_id))
    await session.flush()
