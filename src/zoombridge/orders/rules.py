"""The orders rules that need no database: seat limits, names Zoom needs, ticket codes, the
events that take orders, and what an answer warns about."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from zoombridge.connections.models import ZoomKind
from zoombridge.errors import Conflict, FieldProblem, InvalidInput
from zoombridge.events.models import Event, MeetingLink, RegistrationSource
from zoombridge.orders.schemas import AttendeeIn
from zoombridge.orders.tickets import REGISTRATION_OFF_WARNING

# Zoom allows at most 4,999 registrants on a meeting (FACTS: single add).
ZOOM_MEETING_REGISTRANT_LIMIT = 4_999
TICKET_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely
TICKET_CODE_LENGTH = 12
assert len(TICKET_CODE_ALPHABET) == 32  # new_ticket_code draws 5 bits a character


def refuse_enrolment_event(event: Event) -> None:
    """A course event registers its enrolled learners: it takes no orders (they would fight
    over the same registrations)."""
    if event.registrations_from is not RegistrationSource.ORDERS:
        raise Conflict(
            "This is a course event: its participants are the learners enrolled on it, so it "
            "takes no orders. Enrol learners on the course event instead."
        )


def registration_warnings(event: Event) -> list[str]:
    """O9: what an order or event answer should warn about."""
    return [] if event.registration_enabled else [REGISTRATION_OFF_WARNING]


def seat_limit(
    event: Event, links: Sequence[MeetingLink], webinar_seats: int | None = None
) -> tuple[int | None, str]:
    """The number of distinct people the event can take, and what sets that number: the
    lowest of the event's capacity and Zoom's registrant limit (for webinars the connection's
    add-on size, when known)."""
    limits: list[tuple[int, str]] = []
    if event.capacity is not None:
        limits.append((event.capacity, f"the event's capacity of {event.capacity:,}"))
    # Zoom's registrant limit applies only when attendees are registered on Zoom.
    on_zoom = bool(links) and event.registration_enabled
    if on_zoom and event.kind is ZoomKind.MEETING:
        limits.append(
            (
                ZOOM_MEETING_REGISTRANT_LIMIT,
                f"Zoom's limit of {ZOOM_MEETING_REGISTRANT_LIMIT:,} registrants per meeting",
            )
        )
    if on_zoom and event.kind is ZoomKind.WEBINAR and webinar_seats is not None:
        limits.append((webinar_seats, f"the Zoom webinar add-on's {webinar_seats:,} seats"))
    if not limits:
        return None, "unlimited"
    return min(limits)


def new_ticket_code() -> str:
    # 32 letters: the low 5 bits of each random byte pick one uniformly (256 is a multiple of
    # 32), in one call to the system's generator instead of one a character.
    return "".join(TICKET_CODE_ALPHABET[b & 31] for b in secrets.token_bytes(TICKET_CODE_LENGTH))


def check_names(attendees: Sequence[AttendeeIn], links: Sequence[MeetingLink]) -> None:
    """E5: Zoom registration needs first and last name, so a Zoom-linked event requires them."""
    if not links:
        return
    problems: list[FieldProblem] = []
    for index, attendee in enumerate(attendees):
        for field, value in (
            ("first_name", attendee.first_name),
            ("last_name", attendee.last_name),
        ):
            if not value:
                problems.append(
                    FieldProblem(
                        f"attendees[{index}].{field}",
                        f"{field.replace('_', ' ').capitalize()} is required: this event is on "
                        "Zoom, which registers attendees by first name, last name and email.",
                    )
                )
    if problems:
        raise InvalidInput(
            "Some attendees lack names that Zoom registration needs.", field_errors=problems
        )
