""" "Add to calendar" (O7): an iCalendar file per ticket, built with the `icalendar` library.

One VEVENT per meeting, and per day of a recurring meeting, so every calendar shows each day.
Times come from the event itself (a calendar needs them before Zoom has confirmed anything); the
join link, meeting ID and passcode are added once the worker confirmed them. Each VEVENT's UID
is stable per (attendee, meeting[, day]) and SEQUENCE is the event's version, which the events
service bumps on every change of name, date or time: a calendar that imports the file again
updates the entry instead of adding a second one.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import icalendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge import __version__
from zoombridge.db.base import utc_now
from zoombridge.events.models import DayMode, Event, LinkWant, MeetingLink, SessionKind
from zoombridge.orders.schemas import TicketMeeting, TicketOut
from zoombridge.orders.tickets import ticket_view

UID_DOMAIN = "zoombridge"
# Reminders before each start (O7).
ALARMS: tuple[tuple[timedelta, str], ...] = (
    (timedelta(weeks=1), "in one week"),
    (timedelta(days=1), "tomorrow"),
    (timedelta(hours=1), "in one hour"),
)


def _description(event: Event, meeting: TicketMeeting | None) -> str:
    lines: list[str] = []
    if meeting is not None:
        if meeting.join_url:
            lines.append(f"Join: {meeting.join_url}")
        if meeting.meeting_id:
            lines.append(f"Meeting ID: {meeting.meeting_id}")
        if meeting.passcode:
            lines.append(f"Passcode: {meeting.passcode}")
        if not meeting.join_url:
            lines.append("Your join link will be on your ticket once Zoom has confirmed it.")
    if event.agenda:
        lines.extend(["", event.agenda])
    return "\n".join(lines)


def _vevent(
    *,
    uid: str,
    summary: str,
    start: datetime,
    minutes: int,
    event: Event,
    ticket: TicketOut,
    meeting: TicketMeeting | None,
    stamp: datetime,
    cancelled: bool = False,
) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", uid)
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", start)
    vevent.add("dtend", start + timedelta(minutes=minutes))
    vevent.add("summary", summary)
    # A cancellation must carry a higher SEQUENCE than the entry it removes.
    vevent.add("sequence", event.version + (1 if cancelled else 0))
    vevent.add("status", "CANCELLED" if cancelled or not ticket.valid else "CONFIRMED")
    join_url = meeting.join_url if meeting else None
    if join_url:
        vevent.add("url", join_url)
    vevent.add("location", join_url or event.location)
    vevent.add("description", _description(event, meeting))
    for before, when in ALARMS:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -before)
        alarm.add("description", f"{summary} starts {when}")
        vevent.add_component(alarm)
    return vevent


async def ticket_ics(
    session: AsyncSession, attendee_id: uuid.UUID, *, cancel: bool = False
) -> bytes:
    """The ticket as an .ics file (UTF-8 bytes); `cancel`: METHOD:CANCEL, so a calendar
    removes the entries it added from this ticket."""
    ticket = await ticket_view(session, attendee_id)
    event = await session.get(Event, ticket.event_id)
    if event is None:  # pragma: no cover - ticket_view found it
        raise LookupError(attendee_id)
    links = list(
        await session.scalars(
            select(MeetingLink)
            .where(MeetingLink.event_id == event.id, MeetingLink.want == LinkWant.PRESENT)
            .order_by(MeetingLink.created_at, MeetingLink.id)
        )
    )
    meetings = {m.link_id: m for m in ticket.meetings}
    sessions = {s.id: s for s in event.sessions}
    days = [s for s in event.sessions if s.kind is SessionKind.DAY]
    stamp = utc_now()

    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//zoombridge//{__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "PUBLISH")

    def add(
        uid: str, summary: str, start: datetime, minutes: int, meeting: TicketMeeting | None
    ) -> None:
        calendar.add_component(
            _vevent(
                uid=f"{uid}@{UID_DOMAIN}",
                summary=summary,
                start=start,
                minutes=minutes,
                event=event,
                ticket=ticket,
                meeting=meeting,
                stamp=stamp,
                cancelled=cancel,
            )
        )

    for link in links:
        meeting = meetings.get(link.id)
        uid = f"{attendee_id}-{link.id}"
        own = sessions.get(link.session_id) if link.session_id else None
        if own is not None:  # a day or slot with its own meeting
            label = meeting.label if meeting else own.label
            add(uid, f"{event.topic} — {label}", own.start_at, own.duration_minutes, meeting)
        elif event.day_mode is DayMode.RECURRING and days:
            # One recurring meeting whose occurrences are the days: one entry per day.
            for day in days:
                add(f"{uid}-{day.id}", event.topic, day.start_at, day.duration_minutes, meeting)
        else:
            add(uid, event.topic, event.start_at, event.duration_minutes, meeting)
    if not links:  # an event not (or no longer) on Zoom still goes in the calendar
        add(f"{attendee_id}-event", event.topic, event.start_at, event.duration_minutes, None)
    ical: bytes = calendar.to_ical()
    return ical
