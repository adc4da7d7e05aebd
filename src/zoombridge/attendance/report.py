"""The attendance of an event as the organiser reads it: per session (meeting instance) who
attended, for how long, in which stretches, and who of them holds no ticket (unmatched: a guest
without an email, or someone who is not an attendee), with a chart and a CSV export."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.attendance.service import PersonAttendance, event_attendance
from zoombridge.events.models import Event, EventSession
from zoombridge.kit.zones import zone_or_utc
from zoombridge.orders.models import Attendee

CSV_COLUMNS = (
    "session",
    "instance_uuid",
    "name",
    "email",
    "ticket_code",
    "matched",
    "joins",
    "first_join",
    "last_leave",
    "minutes",
    "percent",
    "stretches",
)
# Buckets of the chart: how many people attended what share of the session.
BUCKETS = ((0, 25), (25, 50), (50, 75), (75, 101))


@dataclass
class SessionAttendance:
    label: str
    instance_uuid: str
    people: list[PersonAttendance] = field(default_factory=list)
    tickets: dict[str, str] = field(default_factory=dict)  # email -> ticket code

    @property
    def matched(self) -> list[PersonAttendance]:
        return [p for p in self.people if p.email and p.email in self.tickets]

    @property
    def unmatched(self) -> list[PersonAttendance]:
        return [p for p in self.people if not (p.email and p.email in self.tickets)]

    def histogram(self) -> list[tuple[str, int]]:
        counts = []
        for low, high in BUCKETS:
            label = f"{low}–{min(high, 100)} %"
            counts.append((label, sum(1 for p in self.people if low <= p.percent < high)))
        return counts


async def _tickets(session: AsyncSession, event_id: uuid.UUID) -> dict[str, str]:
    rows = await session.execute(
        select(Attendee.email, Attendee.ticket_code).where(
            Attendee.event_id == event_id, Attendee.cancelled_at.is_(None)
        )
    )
    return {email: code for email, code in rows}


def _label(event: Event, sessions: dict[uuid.UUID, EventSession], person: PersonAttendance) -> str:
    own = sessions.get(person.session_id) if person.session_id else None
    zone = zone_or_utc(event.timezone)
    if own is not None:
        return own.label or f"{own.start_at.astimezone(zone):%Y-%m-%d %H:%M} ({event.timezone})"
    return event.topic


async def sessions_of(
    session: AsyncSession, event: Event, now: datetime
) -> list[SessionAttendance]:
    """One entry per meeting instance, in time order, each with its people."""
    tickets = await _tickets(session, event.id)
    sessions = {s.id: s for s in event.sessions}
    found: dict[tuple[uuid.UUID, str], SessionAttendance] = {}
    async for person in event_attendance(session, event.id, now):
        key = (person.link_id, person.instance_uuid)
        if key not in found:
            found[key] = SessionAttendance(
                _label(event, sessions, person), person.instance_uuid, tickets=tickets
            )
        found[key].people.append(person)
    for item in found.values():
        item.people.sort(key=lambda p: (-p.attendance.attended_seconds, p.name.lower()))
    return list(found.values())


def _stretches(person: PersonAttendance, timezone: str) -> str:
    zone = zone_or_utc(timezone)
    return ", ".join(
        f"{start.astimezone(zone):%H:%M}–{end.astimezone(zone):%H:%M}"
        for start, end in person.attendance.spans
    )


def _cell(value: str) -> str:
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def attendance_csv(session: AsyncSession, event: Event, now: datetime) -> AsyncIterator[str]:
    """The CSV, a line at a time (UTF-8, one header row): one row per person and session."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v) for v in values])
        return buffer.getvalue()

    yield line(list(CSV_COLUMNS))
    zone = zone_or_utc(event.timezone)
    for item in await sessions_of(session, event, now):
        for p in item.people:
            a = p.attendance
            yield line(
                [
                    item.label,
                    item.instance_uuid,
                    p.name,
                    p.email,
                    item.tickets.get(p.email, ""),
                    "yes" if p.email in item.tickets else "no",
                    str(a.joins),
                    a.first_join.astimezone(zone).isoformat() if a.first_join else "",
                    a.last_leave.astimezone(zone).isoformat() if a.last_leave else "",
                    f"{a.attended_seconds / 60:.1f}",
                    f"{p.percent:.1f}",
                    _stretches(p, event.timezone),
                ]
            )
