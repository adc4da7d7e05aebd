"""Expanding Zoom's `recurrence` object into occurrences, in the meeting's own time zone.

Occurrences keep their local wall-clock time across DST changes (a 10:00 weekly meeting in
Berlin is 09:00 UTC in winter, 08:00 UTC in summer), as Zoom does. Zoom allows at most 60.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from zoombridge.simulator.validation import Checker, parse_start_time

MAX_OCCURRENCES = 60
MAX_INTERVAL = {1: 90, 2: 12, 3: 3}  # Zoom: daily ≤ 90 days, weekly ≤ 12 weeks, monthly ≤ 3


def check_recurrence(raw: object, checker: Checker, timezone: str) -> dict[str, Any] | None:
    """A normalised recurrence dict, or None after recording what is wrong."""
    if not isinstance(raw, dict):
        checker.fail("recurrence", "recurrence must be an object.")
        return None
    before = len(checker.errors)
    p = "recurrence."
    kind = checker.integer(raw, "type", choices=(1, 2, 3), required=True, prefix=p)
    interval = checker.integer(raw, "repeat_interval", minimum=1, prefix=p)
    if kind is not None and interval is not None and interval > MAX_INTERVAL[kind]:
        checker.fail(
            p + "repeat_interval", f"repeat_interval must be at most {MAX_INTERVAL[kind]}."
        )
    end_times = checker.integer(raw, "end_times", minimum=0, maximum=MAX_OCCURRENCES, prefix=p)
    end_raw = checker.string(raw, "end_date_time", prefix=p)
    end_at = None
    if end_raw is not None:
        end_at = parse_start_time(end_raw, timezone)
        if end_at is None:
            checker.fail(p + "end_date_time", "end_date_time must be yyyy-MM-ddTHH:mm:ssZ.")
    if end_times is not None and end_raw is not None:
        checker.fail(p + "end_times", "Use either end_times or end_date_time, not both.")
    out: dict[str, Any] = {"type": kind, "repeat_interval": interval or 1}
    if kind == 2:
        days = raw.get("weekly_days")
        if days is not None:
            parts = str(days).split(",") if isinstance(days, str | int) else []
            if not parts or any(d.strip() not in "1234567" or not d.strip() for d in parts):
                checker.fail(p + "weekly_days", "weekly_days must be digits 1-7 (1 = Sunday).")
            else:
                out["weekly_days"] = ",".join(sorted({d.strip() for d in parts}))
    if kind == 3:
        day = checker.integer(raw, "monthly_day", minimum=1, maximum=31, prefix=p)
        week = checker.integer(raw, "monthly_week", choices=(-1, 1, 2, 3, 4), prefix=p)
        week_day = checker.integer(raw, "monthly_week_day", choices=(1, 2, 3, 4, 5, 6, 7), prefix=p)
        if day is not None:
            out["monthly_day"] = day
        elif week is not None or week_day is not None:
            if week is None or week_day is None:
                checker.fail(p + "monthly_week", "monthly_week needs monthly_week_day, and back.")
            else:
                out["monthly_week"] = week
                out["monthly_week_day"] = week_day
    if end_at is not None:
        out["end_date_time"] = end_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        out["end_times"] = 1 if end_times is None else end_times
    return out if len(checker.errors) == before else None


def expand(recurrence: dict[str, Any], start: datetime, timezone: str) -> list[datetime]:
    """Occurrence start times (UTC) from `start` on, at most 60."""
    zone = ZoneInfo(timezone)
    local = start.astimezone(zone)
    wall = local.timetz().replace(tzinfo=None)
    end_at = None
    limit = MAX_OCCURRENCES
    if "end_date_time" in recurrence:
        end_at = datetime.strptime(recurrence["end_date_time"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=UTC
        )
    elif recurrence.get("end_times"):
        limit = min(MAX_OCCURRENCES, int(recurrence["end_times"]))
    results: list[datetime] = []
    for day in _days(recurrence, local.date()):
        moment = datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)
        if moment < start:
            continue
        if end_at is not None and moment > end_at:
            break
        results.append(moment)
        if len(results) >= limit:
            break
    return results


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
