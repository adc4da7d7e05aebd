"""Expanding Zoom's `recurrence` object into occurrences, in the meeting's own time zone.

Occurrences keep their local wall-clock time across DST changes (a 10:00 weekly meeting in
Berlin is 09:00 UTC in winter, 08:00 UTC in summer), as Zoom does. Zoom allows at most 60.
"""

from __future__ import annotations

import calendar
import contextlib
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from zoombridge.simulator.clock import zoom_time
from zoombridge.simulator.request_models.meetings import Recurrence
from zoombridge.simulator.validation import Checker, parse_start_time

MAX_OCCURRENCES = 60
# The spec's description of `repeat_interval`: at most 99 days, 50 weeks or 10 months apart.
MAX_INTERVAL = {1: 99, 2: 50, 3: 10}


def check_recurrence(raw: Recurrence, checker: Checker, timezone: str) -> dict[str, Any] | None:
    """A normalised recurrence dict, or None after recording what is wrong.

    Types, enums and ranges were checked by the request model; these are the rules Zoom's
    descriptions add (a named spec gap: the schema cannot say them).
    """
    before = len(checker.errors)
    p = "recurrence."
    interval = raw.repeat_interval or 1
    if interval > MAX_INTERVAL[raw.type]:
        checker.fail(
            p + "repeat_interval", f"repeat_interval must be at most {MAX_INTERVAL[raw.type]}."
        )
    end_at = None
    if raw.end_date_time is not None:
        end_at = parse_start_time(raw.end_date_time, timezone)
        if end_at is None:
            checker.fail(p + "end_date_time", "end_date_time is out of range.")
    if raw.end_times is not None and raw.end_date_time is not None:
        checker.fail(p + "end_times", "Use either end_times or end_date_time, not both.")
    out: dict[str, Any] = {"type": raw.type, "repeat_interval": interval}
    if raw.type == 2 and raw.weekly_days is not None:
        out["weekly_days"] = ",".join(sorted(set(raw.weekly_days.split(","))))
    if raw.type == 3:
        if raw.monthly_day is not None:
            out["monthly_day"] = raw.monthly_day
        elif raw.monthly_week is not None or raw.monthly_week_day is not None:
            if raw.monthly_week is None or raw.monthly_week_day is None:
                checker.fail(p + "monthly_week", "monthly_week needs monthly_week_day, and back.")
            else:
                out["monthly_week"] = raw.monthly_week
                out["monthly_week_day"] = raw.monthly_week_day
    if end_at is not None:
        out["end_date_time"] = zoom_time(end_at)
    else:
        out["end_times"] = 1 if raw.end_times is None else raw.end_times
    return out if len(checker.errors) == before else None


def expand(recurrence: dict[str, Any], start: datetime, timezone: str) -> list[datetime]:
    """Occurrence start times (UTC) from `start` on, at most 60.

    Occurrences that would fall outside the years datetimes can hold (before 0001, after 9999)
    are not made: a series starting in 9999 simply ends with the year.
    """
    results: list[datetime] = []
    with contextlib.suppress(OverflowError, ValueError):
        _expand_into(results, recurrence, start, ZoneInfo(timezone))
    return results


def _expand_into(
    results: list[datetime], recurrence: dict[str, Any], start: datetime, zone: ZoneInfo
) -> None:
    local = start.astimezone(zone)
    wall = local.timetz().replace(tzinfo=None)
    end_at = None
    limit = MAX_OCCURRENCES
    if "end_date_time" in recurrence:
        end_at = datetime.fromisoformat(recurrence["end_date_time"].replace("Z", "+00:00"))
    elif recurrence.get("end_times"):
        limit = min(MAX_OCCURRENCES, int(recurrence["end_times"]))
    for day in _days(recurrence, local.date()):
        moment = datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)
        if moment < start:
            continue
        if end_at is not None and moment > end_at:
            break
        results.append(moment)
        if len(results) >= limit:
            break


def _days(recurrence: dict[str, Any], first: date) -> Any:
    kind = recurrence["type"]
    interval = int(recurrence.get("repeat_interval") or 1)
    # A hard stop so an end date years away cannot loop forever.
    for step in range(0, 2000):
        if kind == 1:
            yield first + timedelta(days=step * interval)
        elif kind == 2:
            # Zoom numbers days 1 = Sunday .. 7 = Saturday; weeks start on Sunday.
            default = str((first.isoweekday() % 7) + 1)
            wanted = sorted(int(d) for d in str(recurrence.get("weekly_days", default)).split(","))
            week_start = (
                first - timedelta(days=first.isoweekday() % 7) + timedelta(weeks=step * interval)
            )
            for zoom_day in wanted:
                yield week_start + timedelta(days=zoom_day - 1)
        else:
            month_index = first.month - 1 + step * interval
            year, month = first.year + month_index // 12, month_index % 12 + 1
            day = _monthly_day(recurrence, year, month, first.day)
            if day is not None:
                yield date(year, month, day)


def _monthly_day(recurrence: dict[str, Any], year: int, month: int, default: int) -> int | None:
    days_in_month = calendar.monthrange(year, month)[1]
    if "monthly_week" in recurrence:
        week = int(recurrence["monthly_week"])
        python_weekday = (int(recurrence["monthly_week_day"]) - 2) % 7  # Zoom 1=Sunday
        matches = [
            d
            for d in range(1, days_in_month + 1)
            if date(year, month, d).weekday() == python_weekday
        ]
        return matches[-1] if week == -1 else matches[week - 1]
    day = int(recurrence.get("monthly_day", default))
    return day if day <= days_in_month else None
