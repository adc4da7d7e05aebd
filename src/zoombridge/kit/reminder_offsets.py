"""Reminder offsets (L4): the names a person picks ("1w" … "1h") and how long before a start each
is. Events, bookings and courses check them where they are entered; notifications plans and
sends the reminders."""

from __future__ import annotations

from collections.abc import Sequence

from zoombridge.errors import FieldProblem, InvalidInput

REMINDER_OFFSETS: dict[str, int] = {
    "1w": 7 * 24 * 60,
    "4d": 4 * 24 * 60,
    "3d": 3 * 24 * 60,
    "2d": 2 * 24 * 60,
    "1d": 24 * 60,
    "1h": 60,
}


def check_offsets(offsets: Sequence[str], field: str = "reminder_offsets") -> list[str]:
    """The offsets, de-duplicated in the canonical order; InvalidInput naming unknown ones."""
    unknown = [o for o in offsets if o not in REMINDER_OFFSETS]
    if unknown:
        valid = ", ".join(REMINDER_OFFSETS)
        message = f"Unknown reminder {', '.join(map(repr, unknown))}; choose from {valid}."
        raise InvalidInput(message, field_errors=[FieldProblem(field, message)])
    return [o for o in REMINDER_OFFSETS if o in set(offsets)]
