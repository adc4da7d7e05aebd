"""Rendering an outbox email at send time: fresh values, the effective template, the MIME message.

Values are read when the email leaves (the booking and its meeting, the event, the attendee's
own join link), then the email's `context` (values fixed when it was enqueued) is laid on top.
The host start link is never part of these values: the sender fetches it from Zoom right
before sending and passes it in, and only a STAFF email can receive it — a customer email is
rendered with it absent even if a template containing it slipped past the checks.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Booking, Employee, Service
from zoombridge.bookings.values import booking_values as values_of_booking
from zoombridge.db.base import utc_now
from zoombridge.events.models import Event, LinkWant, MeetingLink
from zoombridge.kit.shortcodes import names_in, render
from zoombridge.kit.text import one_line
from zoombridge.notifications.booking_ics import booking_ics
from zoombridge.notifications.defaults import CANCELLATIONS, HOST_LINK, WITH_TICKET_ICS
from zoombridge.notifications.hooks import value_source
from zoombridge.notifications.models import Audience, OutboundEmail
from zoombridge.notifications.templates import effective
from zoombridge.orders.ics import ticket_ics
from zoombridge.orders.tickets import ticket_view

# What the stored copy of a sent email shows instead of the host start link (never stored).
HOST_LINK_STAND_IN = "[host start link]"
# What it shows instead of a value another domain marked hidden (a one-time sign-in link).
HIDDEN_STAND_IN = "[not kept: sent only in the email itself]"
MESSAGE_ID_DOMAIN = "zoombridge"


@dataclass(frozen=True)
class Attachment:
    filename: str
    maintype: str
    subtype: str
    content: bytes


@dataclass
class Draft:
    """An email ready to render: templates and values read now (inside a transaction)."""

    subject_template: str
    body_template: str
    values: dict[str, str]
    attachments: list[Attachment] = field(default_factory=list)
    hidden: frozenset[str] = frozenset()  # in the email sent, never in the copy kept

    @property
    def uses_host_link(self) -> bool:
        return HOST_LINK in _names(self.subject_template) or HOST_LINK in _names(self.body_template)


def _names(template: str) -> set[str]:
    try:
        return set(names_in(template))
    except ValueError:
        return set()


def message_id(email_id: uuid.UUID) -> str:
    """Stable per email, so a retry after a crash mid-send is recognisable as the same mail."""
    return f"<{email_id}@{MESSAGE_ID_DOMAIN}>"


# --- values ---------------------------------------------------------------------------------


def _local(moment: datetime, timezone: str) -> datetime:
    try:
        return moment.astimezone(ZoneInfo(timezone))
    except (KeyError, ValueError):
        return moment


async def booking_values(session: AsyncSession, booking: Booking) -> dict[str, str]:
    service = await session.get(Service, booking.service_id)
    employee = await session.get(Employee, booking.employee_id)
    if service is None or employee is None:  # pragma: no cover - foreign keys
        raise LookupError(booking.id)
    # The same shortcodes give the same text in meeting topics and in emails.
    values = dict(values_of_booking(booking, service, employee))
    values["zoom_meeting_url"] = booking.join_url or ""
    values["zoom_meeting_password"] = booking.passcode or ""
    values["zoom_meeting_id"] = str(booking.zoom_meeting_id) if booking.zoom_meeting_id else ""
    return values


def _day_line(start: datetime, end: datetime, timezone: str) -> str:
    local = _local(start, timezone)
    return f"{local:%Y-%m-%d %H:%M}–{_local(end, timezone):%H:%M}"


async def event_values(
    session: AsyncSession, attendee_id: uuid.UUID, *, cancelled_too: bool = False
) -> dict[str, str] | None:
    """EVENT_FIELDS and the meeting fields for one attendee; None when the ticket is no longer
    valid (attendee or order cancelled, event cancelled), unless `cancelled_too` (an email
    telling them so)."""
    ticket = await ticket_view(session, attendee_id)
    event = await session.get(Event, ticket.event_id)
    if event is None or not (ticket.valid or cancelled_too):
        return None
    tz = event.timezone
    start = _local(event.start_at, tz)
    end = start + timedelta(minutes=event.duration_minutes)
    links = {
        link.id: link
        for link in await session.scalars(
            select(MeetingLink).where(
                MeetingLink.event_id == event.id, MeetingLink.want == LinkWant.PRESENT
            )
        )
    }
    recurrence: list[str] = []
    join_url = password = meeting_id = ""
    for index, meeting in enumerate(ticket.meetings):
        link = links.get(meeting.link_id)
        # The attendee's own join link; the meeting's own link when there is none (yet).
        url = meeting.join_url or (link.join_url if link is not None else None) or ""
        if index == 0:
            join_url = url
            password = meeting.passcode or ""
            meeting_id = str(meeting.meeting_id) if meeting.meeting_id else ""
        if meeting.recurrence:
            recurrence.append("Days:")
            recurrence.extend(f"- {_day_line(d.start, d.end, tz)}" for d in meeting.recurrence)
        if len(ticket.meetings) > 1:
            detail = f"{meeting.label}: {url or 'join link to follow'}"
            if meeting.meeting_id:
                detail += f" (meeting ID {meeting.meeting_id}"
                detail += f", passcode {meeting.passcode})" if meeting.passcode else ")"
            recurrence.append(detail)
    return {
        "attendee_name": f"{ticket.first_name} {ticket.last_name}".strip(),
        "attendee_first_name": ticket.first_name,
        "attendee_last_name": ticket.last_name,
        "attendee_email": ticket.email,
        "ticket_code": ticket.ticket_code,
        "event_topic": event.topic,
        "event_start": f"{start:%Y-%m-%d %H:%M}",
        "event_end": f"{end:%Y-%m-%d %H:%M}",
        "event_duration": str(event.duration_minutes),
        "event_timezone": tz,
        "event_recurrence": "\n".join(recurrence),
        "zoom_meeting_url": join_url,
        "zoom_meeting_password": password,
        "zoom_meeting_id": meeting_id,
    }


async def draft(session: AsyncSession, email: OutboundEmail) -> Draft | None:
    """The email's templates and values as of now; None when what it announces is gone (a
    ticket no longer valid, a booking or attendee that no longer exists)."""
    values: dict[str, str] = {}
    attachments: list[Attachment] = []
    hidden: frozenset[str] = frozenset()
    source = value_source(email.template_key)
    if source is not None:
        found = await source(session, email)
        if found is None:
            return None
        values.update(found.values)
        hidden = found.hidden
    if email.booking_id is not None:
        booking = await session.get(Booking, email.booking_id)
        if booking is None:
            return None
        values.update(await booking_values(session, booking))
        service = await session.get(Service, booking.service_id)
        employee = await session.get(Employee, booking.employee_id)
        if service is not None and employee is not None:
            ics = booking_ics(
                booking,
                service,
                employee,
                cancel=email.template_key.startswith("booking_cancelled"),
                now=utc_now(),
            )
            attachments.append(Attachment("booking.ics", "text", "calendar", ics))
    if email.attendee_id is not None:
        cancelling = email.template_key in CANCELLATIONS
        attendee_values = await event_values(session, email.attendee_id, cancelled_too=cancelling)
        if attendee_values is None:
            return None
        values.update(attendee_values)
        if email.template_key in WITH_TICKET_ICS:
            ics = await ticket_ics(session, email.attendee_id, cancel=cancelling)
            attachments.append(Attachment("ticket.ics", "text", "calendar", ics))
    values.update({key: "" if v is None else str(v) for key, v in (email.context or {}).items()})
    # Never from stored values or context: only the sender puts a freshly fetched link in.
    values.pop(HOST_LINK, None)
    subject, body = await effective(session, email.template_key)
    return Draft(subject, body, values, attachments, hidden)


# --- the message ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    subject: str  # as sent
    body: str
    stored_subject: str  # as kept in the outbox: the host link replaced by a stand-in
    stored_body: str


def render_text(draft: Draft, audience: Audience, host_link: str | None) -> Rendered:
    values: dict[str, Any] = dict(draft.values)
    stored: dict[str, Any] = dict(draft.values)
    if audience is Audience.STAFF and host_link:
        values[HOST_LINK] = host_link
        stored[HOST_LINK] = HOST_LINK_STAND_IN
    for key in draft.hidden:
        stored[key] = HIDDEN_STAND_IN
    # A customer email never gets it: the key stays absent, so it renders empty.
    stored_subject = _one_line(render(draft.subject_template, stored))
    stored_body = render(draft.body_template, stored)
    if host_link:  # defence in depth: whatever path it took, it is never kept
        stored_subject = stored_subject.replace(host_link, HOST_LINK_STAND_IN)
        stored_body = stored_body.replace(host_link, HOST_LINK_STAND_IN)
    for key in draft.hidden:
        secret = draft.values.get(key)
        if secret:
            stored_subject = stored_subject.replace(secret, HIDDEN_STAND_IN)
            stored_body = stored_body.replace(secret, HIDDEN_STAND_IN)
    return Rendered(
        subject=_one_line(render(draft.subject_template, values)),
        body=render(draft.body_template, values),
        stored_subject=stored_subject,
        stored_body=stored_body,
    )


def _ics_method(content: bytes) -> str:
    return "CANCEL" if b"METHOD:CANCEL" in content else "PUBLISH"


def _one_line(text: str) -> str:
    # A header cannot hold a line break (a value such as booking notes could bring one).
    return " ".join(text.split())


def build_message(
    *,
    email_id: uuid.UUID,
    from_address: str,
    from_name: str,
    to_address: str,
    to_name: str,
    subject: str,
    body: str,
    attachments: list[Attachment],
    now: datetime,
) -> EmailMessage:
    # Names and the subject are header text: folded onto one line, so a name stored with a line
    # break (before such values were refused at entry) is sent as a name, never as a header of
    # its own. An address that cannot be written into a header raises: that email fails alone.
    to_name = one_line(to_name)
    message = EmailMessage()
    message["From"] = Address(display_name=one_line(from_name), addr_spec=from_address)
    message["To"] = Address(display_name=to_name, addr_spec=to_address) if to_name else to_address
    message["Subject"] = one_line(subject)
    message["Message-ID"] = message_id(email_id)
    message["Date"] = format_datetime(now)
    message.set_content(body)
    for attachment in attachments:
        params: Mapping[str, str] = (
            {"method": _ics_method(attachment.content)} if attachment.subtype == "calendar" else {}
        )
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
            params=dict(params),
        )
    return message
