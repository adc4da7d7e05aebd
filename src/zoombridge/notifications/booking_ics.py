"""A booking's calendar file, attached to its emails: one VEVENT whose UID is the booking's and
whose SEQUENCE is its version (every reschedule bumps it), so a calendar that receives the
change updates its entry; a cancellation removes it (METHOD:CANCEL)."""

from __future__ import annotations

from datetime import datetime

import icalendar

from zoombridge import __version__
from zoombridge.bookings.models import Booking, Employee, Service

UID_DOMAIN = "zoombridge"


def booking_ics(
    booking: Booking, service: Service, employee: Employee, *, cancel: bool, now: datetime
) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//zoombridge//{__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "PUBLISH")
    vevent = icalendar.Event()
    vevent.add("uid", f"booking-{booking.id}@{UID_DOMAIN}")
    vevent.add("dtstamp", now)
    vevent.add("dtstart", booking.start_at)
    vevent.add("dtend", booking.end_at)
    vevent.add("summary", f"{service.name} with {employee.name}")
    # A cancellation must carry a higher SEQUENCE than the entry it removes.
    vevent.add("sequence", booking.version + (1 if cancel else 0))
    vevent.add("status", "CANCELLED" if cancel else "CONFIRMED")
    lines: list[str] = []
    if booking.join_url and not cancel:
        vevent.add("url", booking.join_url)
        vevent.add("location", booking.join_url)
        lines.append(f"Join: {booking.join_url}")
        if booking.zoom_meeting_id:
            lines.append(f"Meeting ID: {booking.zoom_meeting_id}")
        if booking.passcode:
            lines.append(f"Passcode: {booking.passcode}")
    vevent.add("description", "\n".join(lines))
    calendar.add_component(vevent)
    ical: bytes = calendar.to_ical()
    return ical
