"""The events list (E-list): filters, search, one page at a time, each event's Zoom state and
its registration counts (those are the orders domain's, filled in through `events_listed`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.events.models import Event, EventStatus, LinkState, LinkWant, MeetingLink
from zoombridge.events.schemas import EventSummary, ZoomState
from zoombridge.events.service.views import attention, local_start
from zoombridge.events.signals import EventsListed, events_listed
from zoombridge.kit.pages import Page, paginate


@dataclass(frozen=True)
class EventFilters:
    """What the list is narrowed to; every field optional. Dates are whole UTC days, inclusive."""

    status: EventStatus | None = None
    q: str | None = None
    connection_id: uuid.UUID | None = None
    start_from: date | None = None
    start_to: date | None = None
    zoom_state: ZoomState | None = None
    # Not a filter the caller picks: a department admin's reach (None: every department).
    departments: frozenset[uuid.UUID] | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "q": self.q,
            "connection_id": self.connection_id,
            "start_from": self.start_from,
            "start_to": self.start_to,
            "zoom_state": self.zoom_state,
        }


def like_pattern(text: str) -> str:
    """`text` as a LIKE pattern matching it anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _zoom_state_clause(state: ZoomState) -> ColumnElement[bool]:
    present = and_(MeetingLink.event_id == Event.id, MeetingLink.want == LinkWant.PRESENT)
    any_link = exists().where(present)
    troubled = exists().where(
        present,
        or_(
            MeetingLink.state.in_([LinkState.DELETED, LinkState.FAILED]),
            and_(MeetingLink.drift.is_not(None), MeetingLink.drift != ""),
        ),
    )
    waiting = exists().where(present, MeetingLink.state == LinkState.PENDING)
    if state is ZoomState.NONE:
        return ~any_link
    if state is ZoomState.NEEDS_ATTENTION:
        return troubled
    if state is ZoomState.PENDING:
        return and_(~troubled, waiting)
    return and_(any_link, ~troubled, ~waiting)


def zoom_state(links: list[MeetingLink]) -> ZoomState:
    """The same reading as `_zoom_state_clause`, for links already loaded."""
    present = [link for link in links if link.want is LinkWant.PRESENT]
    if not present:
        return ZoomState.NONE
    if attention(present):
        return ZoomState.NEEDS_ATTENTION
    if any(link.state is LinkState.PENDING for link in present):
        return ZoomState.PENDING
    return ZoomState.SYNCED


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


async def list_events(
    session: AsyncSession,
    filters: EventFilters | None = None,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[EventSummary]:
    """Events, soonest first, narrowed by `filters`; one page of `limit` after `cursor`."""
    filters = filters or EventFilters()
    statement = select(Event)
    if filters.status is not None:
        statement = statement.where(Event.status == filters.status)
    if filters.q and filters.q.strip():
        statement = statement.where(Event.topic.ilike(like_pattern(filters.q.strip()), escape="\\"))
    if filters.connection_id is not None:
        statement = statement.where(Event.connection_id == filters.connection_id)
    if filters.start_from is not None:
        statement = statement.where(Event.start_at >= _day_start(filters.start_from))
    if filters.start_to is not None:
        statement = statement.where(Event.start_at < _day_start(filters.start_to + timedelta(1)))
    if filters.zoom_state is not None:
        statement = statement.where(_zoom_state_clause(filters.zoom_state))
    if filters.departments is not None:
        statement = statement.where(Event.department_id.in_(list(filters.departments)))
    rows, next_cursor, total = await paginate(
        session,
        statement,
        (Event.start_at, Event.topic, Event.id),
        cursor=cursor,
        limit=limit,
        filters=filters.as_dict(),
    )
    links: dict[uuid.UUID, list[MeetingLink]] = {}
    if rows:
        for link in await session.scalars(
            select(MeetingLink).where(MeetingLink.event_id.in_([e.id for e in rows]))
        ):
            if link.event_id is not None:
                links.setdefault(link.event_id, []).append(link)
    items = [
        EventSummary(
            id=e.id,
            kind=e.kind,
            topic=e.topic,
            start=local_start(e.start_at, e.timezone),
            timezone=e.timezone,
            duration_minutes=e.duration_minutes,
            status=e.status,
            connection_id=e.connection_id,
            attention=attention(links.get(e.id, [])),
            zoom_state=zoom_state(links.get(e.id, [])),
        )
        for e in rows
    ]
    await events_listed.send(session, EventsListed(items))
    return Page(items=items, next_cursor=next_cursor, total=total)
