"""Time zones by name, for showing stored times: a name this system does not know (stored by
another program, or dropped from a newer tzdata) shows the time in UTC instead of failing the
page, email or ticket. Names are checked where they enter (events.schemas.TimeZoneName)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_ZONE = ZoneInfo("UTC")


def zone_or_utc(name: str | None) -> ZoneInfo:
    if not name:
        return UTC_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE
