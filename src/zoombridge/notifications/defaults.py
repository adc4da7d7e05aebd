"""The emails zoombridge sends: each template's key, audience, shortcodes and built-in text.

A template customised through the API or UI is stored as an `EmailTemplate` row with the same
key; without one, the text here is used.
"""

from __future__ import annotations

from dataclasses import dataclass

from zoombridge.notifications.models import Audience
from zoombridge.notifications.shortcodes import (
    BOOKING_FIELDS,
    EVENT_FIELDS,
    HOST_LINK,
    MEETING_FIELDS,
    Placeholders,
)

CUSTOMER_NO_HOST_LINK = (
    "{zoom_meeting_url_host} is the host's start link: it lets whoever has it start the meeting "
    "as the host, so it can only be used in staff emails."
)

BOOKING_CUSTOMER = Placeholders(
    BOOKING_FIELDS + MEETING_FIELDS, forbidden={HOST_LINK: CUSTOMER_NO_HOST_LINK}
)
BOOKING_STAFF = Placeholders(BOOKING_FIELDS + MEETING_FIELDS + (HOST_LINK,))
EVENT_ATTENDEE = Placeholders(
    EVENT_FIELDS + MEETING_FIELDS, forbidden={HOST_LINK: CUSTOMER_NO_HOST_LINK}
)
# Meeting topic and description of a booking: known before the meeting exists.
BOOKING_MEETING = Placeholders(BOOKING_FIELDS)


@dataclass(frozen=True)
class TemplateKind:
    key: str
    title: str  # what the UI calls it
    audience: Audience
    placeholders: Placeholders
    subject: str
    body: str


_CUSTOMER_JOIN = (
    "Join the meeting: {zoom_meeting_url}\nMeeting ID: {zoom_meeting_id}\n"
    "Passcode: {zoom_meeting_password}\n"
)
_STAFF_JOIN = (
    "Start the meeting as host: {zoom_meeting_url_host}\n"
    "(Fetched from Zoom as this email was sent; Zoom lets it work for two hours. Later, "
    "start the meeting from your Zoom account or app.)\n"
    "Customer's join link: {zoom_meeting_url}\nPasscode: {zoom_meeting_password}\n"
)
_BOOKING_LINES = "Service: {service_name}\nWhen: {booking_start} ({booking_duration} minutes)\n"

KINDS: tuple[TemplateKind, ...] = (
    TemplateKind(
        "booking_confirmed_customer",
        "Booking confirmed (customer)",
        Audience.CUSTOMER,
        BOOKING_CUSTOMER,
        "Your booking: {service_name} on {booking_date} at {booking_time}",
        "Hello {customer_first_name},\n\nyour booking with {employee_name} is confirmed.\n\n"
        + _BOOKING_LINES
        + "\n"
        + _CUSTOMER_JOIN,
    ),
    TemplateKind(
        "booking_confirmed_staff",
        "Booking confirmed (staff)",
        Audience.STAFF,
        BOOKING_STAFF,
        "New booking: {service_name} with {customer_name} on {booking_date} at {booking_time}",
        "Hello {employee_name},\n\n{customer_name} ({customer_email}) booked you.\n\n"
        + _BOOKING_LINES
        + "Notes: {booking_notes}\n\n"
        + _STAFF_JOIN,
    ),
    TemplateKind(
        "booking_rescheduled_customer",
        "Booking changed (customer)",
        Audience.CUSTOMER,
        BOOKING_CUSTOMER,
        "Your booking has changed: {service_name} on {booking_date} at {booking_time}",
        "Hello {customer_first_name},\n\nyour booking has changed. It is now:\n\n"
        + _BOOKING_LINES
        + "With: {employee_name}\n\n"
        + _CUSTOMER_JOIN,
    ),
    TemplateKind(
        "booking_rescheduled_staff",
        "Booking changed (staff)",
        Audience.STAFF,
        BOOKING_STAFF,
        "Booking changed: {service_name} with {customer_name} on {booking_date} at {booking_time}",
        "Hello {employee_name},\n\nthe booking of {customer_name} has changed. It is now:\n\n"
        + _BOOKING_LINES
        + "\n"
        + _STAFF_JOIN,
    ),
    TemplateKind(
        "booking_cancelled_customer",
        "Booking cancelled (customer)",
        Audience.CUSTOMER,
        BOOKING_CUSTOMER,
        "Cancelled: {service_name} on {booking_date} at {booking_time}",
        "Hello {customer_first_name},\n\nyour booking of {service_name} with {employee_name} "
        "on {booking_start} is cancelled. Its Zoom meeting no longer takes place.\n",
    ),
    TemplateKind(
        "booking_cancelled_staff",
        "Booking cancelled (staff)",
        Audience.STAFF,
        BOOKING_STAFF,
        "Cancelled: {service_name} with {customer_name} on {booking_date} at {booking_time}",
        "Hello {employee_name},\n\nthe booking of {customer_name} for {service_name} on "
        "{booking_start} is cancelled, or no longer yours. Its Zoom meeting has been removed "
        "from your Zoom account.\n",
    ),
    TemplateKind(
        "booking_reminder_customer",
        "Booking reminder (customer)",
        Audience.CUSTOMER,
        BOOKING_CUSTOMER,
        "Reminder: {service_name} on {booking_date} at {booking_time}",
        "Hello {customer_first_name},\n\na reminder of your booking with {employee_name}.\n\n"
        + _BOOKING_LINES
        + "\n"
        + _CUSTOMER_JOIN,
    ),
    TemplateKind(
        "event_ticket",
        "Event ticket (attendee)",
        Audience.CUSTOMER,
        EVENT_ATTENDEE,
        "Your ticket: {event_topic}",
        "Hello {attendee_first_name},\n\nhere is your ticket {ticket_code} for {event_topic}.\n\n"
        "Starts: {event_start} ({event_timezone})\nEnds: {event_end}\n"
        "Duration: {event_duration} minutes\n{event_recurrence}\n\n"
        + _CUSTOMER_JOIN
        + "\nThe attached calendar file adds it to your calendar with reminders.\n",
    ),
    TemplateKind(
        "event_reminder",
        "Event reminder (attendee)",
        Audience.CUSTOMER,
        EVENT_ATTENDEE,
        "Reminder: {event_topic} on {event_start}",
        "Hello {attendee_first_name},\n\na reminder: {event_topic} starts {event_start} "
        "({event_timezone}).\n\n" + _CUSTOMER_JOIN,
    ),
)

BY_KEY: dict[str, TemplateKind] = {kind.key: kind for kind in KINDS}

# Reminder offsets (L4) and how long before the start each is.
REMINDER_OFFSETS: dict[str, int] = {
    "1w": 7 * 24 * 60,
    "4d": 4 * 24 * 60,
    "3d": 3 * 24 * 60,
    "2d": 2 * 24 * 60,
    "1d": 24 * 60,
    "1h": 60,
}
