"""Checks beyond the request models, answered like the models' with Zoom's `300 Validation
Failed.` and one entry per bad field: rules Zoom's descriptions state and its schemas cannot
(a passcode's characters, a time zone's name, what a recurring type needs).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoombridge.simulator.errors import ZoomError

# "Letters, digits and special characters such as !, @, #" (the passcode's description): any
# printable ASCII but the space, 1 to 10 of them.
PASSCODE = re.compile(r"^[!-~]{1,10}$")
START_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,6})?(Z?)$")


class Checker:
    """Collects field errors so one answer names every bad field, as Zoom does."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def fail(self, field: str, message: str) -> None:
        self.errors.append({"field": field, "message": message})

    def done(self) -> None:
        if self.errors:
            raise ZoomError(400, 300, "Validation Failed.", errors=self.errors)

    def timezone(self, value: str | None, name: str = "timezone") -> str | None:
        if value is not None and not valid_timezone(value):
            self.fail(name, f"Invalid timezone: {value}.")
            return None
        return value

    def start_time(self, value: str | None, timezone: str) -> datetime | None:
        if value is None:
            return None
        parsed = parse_start_time(value, timezone)
        if parsed is None:
            self.fail("start_time", f"start_time {value!r} is out of range in {timezone}.")
        return parsed

    def passcode(self, value: str | None) -> str | None:
        if value is not None and not PASSCODE.match(value):
            self.fail(
                "password",
                "Passcode may only hold 1 to 10 letters, digits and special characters.",
            )
            return None
        return value


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_start_time(value: str, timezone: str) -> datetime | None:
    """Zoom's start_time: `...Z` is UTC, no suffix is wall time in the meeting's timezone.

    None when it is not one of those forms, or when the wall time in that zone would fall
    outside the years a datetime holds (0001-01-01 in a zone east of UTC).
    """
    match = START_TIME.match(value)
    if match is None:
        return None
    try:
        naive = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
        if match.group(3) == "Z":
            return naive.replace(tzinfo=UTC)
        return naive.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
