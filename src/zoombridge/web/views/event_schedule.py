"""The event form's schedule: one time, several days, bookable slots or sessions (E7, E8, E10).

The form has a "schedule" choice and one text box with a line per day, slot or session:
`2030-05-01 09:00 90 Morning workshop` (date, time in the event's zone, minutes, an optional
label). Plain lines work in every browser without script and paste from a spreadsheet; each
line's problems are shown with its line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from zoombridge.errors import FieldProblem
from zoombridge.events.models import DayMode, SessionKind
from zoombridge.events.schemas import EventView
from zoombridge.kit.zones import zone_or_utc
from zoombridge.web.views.common import templates
from zoombridge.web.views.forms import FormProblem

FIELD = "schedule_lines"


@dataclass(frozen=True)
class Schedule:
    """A choice of the form's "schedule" select: what the lines are and how Zoom runs them."""

    label: str
    list_name: str | None  # days, slots or sessions; None: the event's own start and duration
    day_mode: DayMode = DayMode.SINGLE
    session_meetings: str = "shared"
    minutes_optional: bool = False  # slots may leave it to the slot length


SCHEDULES: dict[str, Schedule] = {
    "single": Schedule("One time (the start and duration above)", None),
    "recurring": Schedule("Several days: one recurring Zoom meeting", "days", DayMode.RECURRING),
    "per_day": Schedule("Several days: a Zoom meeting per day", "days", DayMode.PER_DAY),
    "slots": Schedule("Bookable slots, a meeting each", "slots", minutes_optional=True),
    "sessions": Schedule("Sessions sharing one meeting", "sessions"),
    "own_sessions": Schedule("Sessions, a meeting each", "sessions", session_meetings="own"),
}
LINE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{1,2}:\d{2})(?:\s+(?P<minutes>\d+))?"
    r"(?:\s+(?P<label>.*))?$"
)
POSITION = re.compile(r"^(days|slots|sessions)\[(\d+)\](?:\.(.+))?$")


def schedule_fields(form: dict[str, str], zone_name: str) -> dict[str, Any]:
    """The EventCreate/EventUpdate fields for the form's schedule; FieldProblems per line."""
    schedule = SCHEDULES.get(form.get("schedule", "single"))
    if schedule is None:
        raise _problem("schedule", "Choose one of the schedules offered.")
    if schedule.list_name is None:
        return {"day_mode": DayMode.SINGLE, "days": [], "slots": [], "sessions": []}
    zone = zone_or_utc(zone_name)
    items: list[dict[str, Any]] = []
    problems: list[FieldProblem] = []
    lines = [line.strip() for line in form.get(FIELD, "").splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        item = _item(line, number, zone, schedule, problems)
        if item is not None:
            items.append(item)
    if not lines:
        problems.append(FieldProblem(FIELD, "Give one line per day, slot or session."))
    if problems:
        raise FormProblem(problems)
    fields: dict[str, Any] = {
        "day_mode": schedule.day_mode,
        "session_meetings": schedule.session_meetings,
        "days": [],
        "slots": [],
        "sessions": [],
    }
    fields[schedule.list_name] = items
    if schedule.list_name == "slots":
        fields["slot_duration_minutes"] = _int(form.get("slot_duration_minutes", ""))
    return fields


def _item(
    line: str, number: int, zone: ZoneInfo, schedule: Schedule, problems: list[FieldProblem]
) -> dict[str, Any] | None:
    match = LINE.match(line)
    if match is None:
        problems.append(
            FieldProblem(
                FIELD,
                f"Line {number} ({line[:40]}): write date, time, minutes and a label, e.g. "
                "2030-05-01 09:00 90 Morning",
            )
        )
        return None
    try:
        start = datetime.fromisoformat(
            f"{match['date']}T{int(match['time'][:-3]):02d}:{match['time'][-2:]}"
        ).replace(tzinfo=zone)
    except ValueError:
        problems.append(
            FieldProblem(
                FIELD, f"Line {number}: {match['date']} {match['time']} is not a date and time."
            )
        )
        return None
    minutes = _int(match["minutes"] or "")
    if minutes is None and not schedule.minutes_optional:
        problems.append(FieldProblem(FIELD, f"Line {number}: give its length in minutes."))
        return None
    item: dict[str, Any] = {"start": start, "label": (match["label"] or "").strip()}
    if minutes is not None or not schedule.minutes_optional:
        item["duration_minutes"] = minutes
    return item


def _int(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() else None


def _problem(field: str, message: str) -> Exception:
    return FormProblem([FieldProblem(field, message)])


def line_errors(errors: dict[str, str]) -> dict[str, str]:
    """The service's `days[2].start` problems shown as line 3 of the schedule box."""
    shown: dict[str, str] = {}
    for field, message in errors.items():
        position = POSITION.match(field)
        if position is None:
            continue
        what = f" ({position[3].replace('_', ' ')})" if position[3] else ""
        line = int(position[2]) + 1
        shown[f"{field}"] = f"Line {line}{what}: {message}"
    return shown


def schedule_changed(form: dict[str, str], view: EventView) -> bool:
    """Whether the edit form changes the schedule (a form without one changes nothing)."""
    if "schedule" not in form:
        return False
    current = schedule_form(view)

    def lines(text: str) -> list[str]:
        return [" ".join(line.split()) for line in text.splitlines() if line.strip()]

    return (
        form["schedule"] != current["schedule"]
        or lines(form.get(FIELD, "")) != lines(current[FIELD])
        or form.get("slot_duration_minutes", "").strip() != current.get("slot_duration_minutes", "")
    )


def schedule_form(view: EventView) -> dict[str, str]:
    """The schedule choice and lines of an existing event, for the edit form."""
    zone = zone_or_utc(view.timezone)
    kinds = {s.kind for s in view.sessions}
    if view.day_mode is not DayMode.SINGLE:
        choice = view.day_mode.value
    elif SessionKind.SLOT in kinds:
        choice = "slots"
    elif view.session_meetings == "own":
        choice = "own_sessions"
    elif len(view.sessions) > 1 or any(s.label for s in view.sessions):
        choice = "sessions"
    else:
        return {"schedule": "single", FIELD: ""}
    lines = [
        " ".join(
            part
            for part in (
                s.start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                str(s.duration_minutes),
                s.label,
            )
            if part
        )
        for s in sorted(view.sessions, key=lambda s: s.start)
    ]
    form = {"schedule": choice, FIELD: "\n".join(lines)}
    if view.slot_duration_minutes is not None:
        form["slot_duration_minutes"] = str(view.slot_duration_minutes)
    return form


# The form's choices and the per-line messages, for `_event_fields.html`.
templates.env.globals["SCHEDULES"] = SCHEDULES
templates.env.filters["schedule_line_errors"] = line_errors
