"""The booking shortcodes' values (BOOKING_FIELDS): what `{booking_start}` and friends become.

One function serves the meeting topic and description the worker sends to Zoom and the emails
the outbox renders, so a booking reads the same everywhere. Times are shown in the booking's
own timezone (the customer's wall clock), with English names written out here rather than by
`strftime`, whose day and month names follow the process locale.
"""

from __future__ import annotations

from datetime import datetime

from zoombridge.bookings.models import Booking, Employee, Service
from zoombridge.kit.shortcodes import Placeholders
from zoombridge.kit.zones import zone_or_utc

# The shortcodes a booking fills, in meeting topics and descriptions (B3) and in emails (B5).
BOOKING_FIELDS: tuple[str, ...] = (
    "booking_id",
    "booking_date",
    "booking_time",
    "booking_start",
    "booking_end",
    "booking_duration",
    "booking_timezone",
    "booking_notes",
    "customer_name",
    "customer_first_name",
    "customer_last_name",
    "customer_email",
    "customer_phone",
    "service_name",
    "service_duration",
    "employee_name",
    "employee_email",
)
# Meeting topic and description of a booking: known before the meeting exists.
BOOKING_MEETING = Placeholders(BOOKING_FIELDS)

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def spoken_time(moment: datetime, timezone: str) -> str:
    """'Tuesday 4 March 2031, 17:00 (Europe/Helsinki)': `moment` on the wall clock of `timezone`."""
    local = moment.astimezone(zone_or_utc(timezone))
    return (
        f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}, "
        f"{local:%H:%M} ({timezone})"
    )


def booking_values(booking: Booking, service: Service, employee: Employee) -> dict[str, str]:
    """Every BOOKING_FIELDS shortcode of `booking`, rendered as text."""
    local_start = booking.start_at.astimezone(zone_or_utc(booking.timezone))
    return {
        "booking_id": str(booking.id),
        "booking_date": f"{local_start:%Y-%m-%d}",
        "booking_time": f"{local_start:%H:%M}",
        "booking_start": spoken_time(booking.start_at, booking.timezone),
        "booking_end": spoken_time(booking.end_at, booking.timezone),
        "booking_duration": str(booking.duration_minutes),
        "booking_timezone": booking.timezone,
        "booking_notes": booking.notes or "",
        "customer_name": booking.customer_name,
        "customer_first_name": booking.customer_first_name,
        "customer_last_name": booking.customer_last_name or "",
        "customer_email": booking.customer_email,
        "customer_phone": booking.customer_phone or "",
        "service_name": service.name,
        "service_duration": str(service.duration_minutes),
        "employee_name": employee.name,
        "employee_email": employee.email,
    }
