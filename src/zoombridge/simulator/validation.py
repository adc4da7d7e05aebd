"""Input checks that answer Zoom's `300 Validation Failed.` with one entry per bad field."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoombridge.simulator.errors import ZoomError

EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)
PASSCODE = re.compile(r"^[A-Za-z0-9@\-_*]{1,10}$")
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

    def string(
        self,
        body: dict[str, Any],
        name: str,
        *,
        max_len: int | None = None,
        required: bool = False,
        prefix: str = "",
    ) -> str | None:
        field = prefix + name
        value = body.get(name)
        if value is None:
            if required:
                self.fail(field, f"{field} is required.")
            return None
        if not isinstance(value, str):
            self.fail(field, f"{field} must be a string.")
            return None
        if required and not value.strip():
            self.fail(field, f"{field} must not be empty.")
            return None
        if max_len is not None and len(value) > max_len:
            self.fail(field, f"{field} must be at most {max_len} characters.")
            return None
        return value

    def integer(
        self,
        body: dict[str, Any],
        name: str,
        *,
        choices: tuple[int, ...] | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = False,
        prefix: str = "",
    ) -> int | None:
        field = prefix + name
        value = body.get(name)
        if value is None:
            if required:
                self.fail(field, f"{field} is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"{field} must be an integer.")
            return None
        if choices is not None and value not in choices:
            allowed = ", ".join(str(c) for c in choices)
            self.fail(field, f"Invalid value {value} for {field}: expected one of {allowed}.")
            return None
        if minimum is not None and value < minimum:
            self.fail(field, f"{field} must be at least {minimum}.")
            return None
        if maximum is not None and value > maximum:
            self.fail(field, f"{field} must be at most {maximum}.")
            return None
        return value

    def boolean(self, body: dict[str, Any], name: str, *, prefix: str = "") -> bool | None:
        value = body.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(prefix + name, f"{prefix + name} must be true or false.")
            return None
        return value

    def email(
        self, body: dict[str, Any], name: str, *, required: bool = True, prefix: str = ""
    ) -> str | None:
        value = self.string(body, name, max_len=128, required=required, prefix=prefix)
        if value is not None and not EMAIL.match(value):
            self.fail(prefix + name, f"Invalid email: {value}.")
            return None
        return value

    def timezone(self, body: dict[str, Any], name: str = "timezone") -> str | None:
        value = self.string(body, name)
        if value is None:
            return None
        if not valid_timezone(value):
            self.fail(name, f"Invalid timezone: {value}.")
            return None
        return value

    def start_time(
        self, body: dict[str, Any], timezone: str, name: str = "start_time"
    ) -> datetime | None:
        value = self.string(body, name)
        if value is None:
            return None
        parsed = parse_start_time(value, timezone)
        if parsed is None:
            self.fail(
                name,
                f"Invalid {name} {value!r}: use yyyy-MM-ddTHH:mm:ssZ (UTC) or "
                "yyyy-MM-ddTHH:mm:ss (local time in `timezone`).",
            )
        return parsed


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_start_time(value: str, timezone: str) -> datetime | None:
    """Zoom's start_time: `...Z` is UTC, no suffix is wall time in the meeting's timezone."""
    match = START_TIME.match(value)
    if match is None:
        return None
    try:
        naive = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    if match.group(3) == "Z":
        return naive.replace(tzinfo=UTC)
    return naive.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def json_object(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ZoomError(
            400,
            300,
            "Validation Failed.",
            errors=[{"field": "body", "message": "The request body must be a JSON object."}],
        )
    return body


def page_size(query: dict[str, str], maximum: int = 300, default: int = 30) -> int:
    raw = query.get("page_size")
    if raw is None or raw == "":
        return default
    try:
        size = int(raw)
    except ValueError:
        size = -1
    if size < 1 or size > maximum:
        raise ZoomError(
            400,
            300,
            "Validation Failed.",
            errors=[
                {
                    "field": "page_size",
                    "message": f"page_size must be an integer from 1 to {maximum}.",
                }
            ],
        )
    return size
