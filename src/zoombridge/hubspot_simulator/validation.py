"""Checks shared by handlers: emails and times as HubSpot accepts them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from zoombridge.hubspot_simulator.clock import epoch_ms
from zoombridge.hubspot_simulator.errors import validation_error

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


def valid_email(email: str) -> bool:
    return bool(_EMAIL.match(email.strip()))


def iso_time(body: dict[str, Any], name: str) -> str | None:
    """An optional ISO 8601 date-time field, checked and kept as sent (None when absent)."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise validation_error(f"{name} must be an ISO 8601 date-time string.", field=name)
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise validation_error(
            f"{name} {value!r} is not an ISO 8601 date-time.", field=name
        ) from None
    return value


def time_ms(value: Any) -> int | None:
    """Epoch milliseconds from a participation property (a digit string or ISO 8601)."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    if text.isdigit():
        return int(text)
    try:
        return epoch_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None
