"""The emails zoombridge sends: each template's key, audience, shortcodes and built-in text.

A template customised through the API or UI is stored as an `EmailTemplate` row with the same
key; without one, the text here is used.
"""

from __future__ import annotations

from dataclasses import dataclass

from zoombridge.bookings.values import BOOKING_FIELDS
from zoombridge.kit.shortcodes import Placeholders
from zoombridge.notifications.models import Audience

EVENT_FIELDS: tuple[str, ...] = (
    "attendee_name",
    "attendee_first_name",
    "attendee_last_name",
    "attendee_email",
    "ticket_code",
    "event_topic",
    "event_start",
    "event_end",
    "event_duration",
    "event_timezone",
    "event_recurrence",
)

# What the meeting gives an email; the host link only ever to staff (B5).
MEETING_FIELDS: tuple[str, ...] = (
    "zoom_meeting_url",
    "zoom_meeting_password",
    "zoom_meeting_id",
)
HOST_LINK = "zoom_meeting_url_host"

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
        "event_changed",
        "Event changed (attendee)",
        Audience.CUSTOMER,
        EVENT_ATTENDEE,
        "Changed: {event_topic} now starts {event_start}",
        "Hello {attendee_first_name},\n\n{event_topic} has changed. It is now:\n\n"
        "Starts: {event_start} ({event_timezone})\nEnds: {event_end}\n"
        "Duration: {event_duration} minutes\n{event_recurrence}\n\n"
        + _CUSTOMER_JOIN
        + "\nThe attached calendar file updates the entry in your calendar.\n",
    ),
    TemplateKind(
        "event_cancelled",
        "Event cancelled (attendee)",
        Audience.CUSTOMER,
        EVENT_ATTENDEE,
        "Cancelled: {event_topic} on {event_start}",
        "Hello {attendee_first_name},\n\n{event_topic} on {event_start} ({event_timezone}) "
        "is cancelled and will not take place. Your ticket {ticket_code} is no longer valid."
        "\n\nThe attached calendar file removes it from your calendar.\n",
    ),
    TemplateKind(
        "ticket_cancelled",
        "Ticket cancelled (attendee)",
        Audience.CUSTOMER,
        EVENT_ATTENDEE,
        "Your ticket for {event_topic} is cancelled",
        "Hello {attendee_first_name},\n\nyour ticket {ticket_code} for {event_topic} on "
        "{event_start} ({event_timezone}) is cancelled: its join link no longer lets you in."
        "\n\nThe attached calendar file removes it from your calendar.\n",
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
# Emails about a ticket that is no longer valid: rendered all the same, with a cancelling ICS.
CANCELLATIONS = frozenset({"event_cancelled", "ticket_cancelled"})
# Emails that carry the attendee's calendar file.
WITH_TICKET_ICS = frozenset({"event_ticket", "event_changed"}) | CANCELLATIONS


def register_kind(kind: TemplateKind) -> None:
    """A template a higher domain sends (see `notifications.hooks`); registering the same key
    again replaces it."""
    BY_KEY[kind.key] = kind


def all_kinds() -> list[TemplateKind]:
    """The built-in templates, then those registered by other domains."""
    return list(BY_KEY.values())
