"""What an event (or one of its days or slots) looks like as a Zoom meeting or webinar.

One function builds the body for both the preview the organiser sees before auto-create (E3) and
the calls the worker makes, so what is previewed is what is sent.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from zoombridge.connections.models import ZoomKind
from zoombridge.events.models import DayMode, Event, EventSession, SessionKind
from zoombridge.zoom.requests import MeetingCreate, MeetingUpdate, RecurrenceBody, SettingsBody

ZOOM_TOPIC_MAX = 200  # zoombridge allows 255 (E1); Zoom's own limit applies when sent
ZOOM_AGENDA_MAX = 2000
ELLIPSIS = "…"

# Zoom's meeting/webinar types.
SCHEDULED = {ZoomKind.MEETING: 2, ZoomKind.WEBINAR: 5}
RECURRING_FIXED = {ZoomKind.MEETING: 8, ZoomKind.WEBINAR: 9}


class NotExpressibleAsRecurrence(ValueError):
    """The days cannot be one recurring Zoom meeting (Zoom repeats at a fixed interval)."""


@dataclass(frozen=True)
class Recurrence:
    every_days: int
    times: int


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def days_as_recurrence(starts: list[datetime], durations: list[int]) -> Recurrence:
    """Days that start at the same time and duration, a fixed number of days apart.

    Zoom's daily recurrence repeats every N days (1–15 in the spec's range) up to 60 times.
    """
    if len(starts) < 2:
        raise NotExpressibleAsRecurrence("a recurring meeting needs at least two days")
    if len(starts) > 60:
        raise NotExpressibleAsRecurrence("Zoom repeats a meeting at most 60 times")
    gaps = {b - a for a, b in itertools.pairwise(starts)}
    if len(gaps) != 1 or len(set(durations)) != 1:
        raise NotExpressibleAsRecurrence(
            "the days are not evenly spaced at the same time and length; "
            "use one meeting per day instead"
        )
    gap = gaps.pop()
    if gap % timedelta(days=1) or not 1 <= gap.days <= 15:
        raise NotExpressibleAsRecurrence(
            "the days are not a whole number of days apart (1 to 15); use one meeting per day"
        )
    return Recurrence(every_days=gap.days, times=len(starts))


def _settings(event: Event, recurring: bool) -> SettingsBody:
    return SettingsBody(
        # E4: registrants are approved automatically; no registration when it is off (O9).
        approval_type=0 if event.registration_enabled else 2,
        # Register once, attend every occurrence (E9).
        registration_type=1 if recurring and event.registration_enabled else None,
        # O5, meetings only: webinars take it from their own settings.
        registrants_confirmation_email=(
            event.zoom_confirmation_email if event.kind is ZoomKind.MEETING else None
        ),
    )


def _days(event: Event) -> list[EventSession]:
    return [s for s in event.sessions if s.kind is SessionKind.DAY]


def meeting_body(event: Event, session: EventSession | None = None) -> MeetingCreate:
    """The create body for the event's meeting, or for one day or slot's own meeting."""
    agenda = fit(event.agenda, ZOOM_AGENDA_MAX) or None
    if session is not None:
        label = session.label or session.start_at.strftime("%Y-%m-%d %H:%M")
        # A topic changed in Zoom and taken over (events with topic_from_zoom) is kept.
        topic = session.zoom_topic or f"{event.topic} — {label}"
        return MeetingCreate(
            topic=fit(topic, ZOOM_TOPIC_MAX),
            type=SCHEDULED[event.kind],
            start_time=session.start_at,
            duration=session.duration_minutes,
            timezone=event.timezone,
            agenda=agenda,
            settings=_settings(event, recurring=False),
        )
    days = _days(event)
    if event.day_mode is DayMode.RECURRING and days:
        recurrence = days_as_recurrence(
            [d.start_at for d in days], [d.duration_minutes for d in days]
        )
        return MeetingCreate(
            topic=fit(event.topic, ZOOM_TOPIC_MAX),
            type=RECURRING_FIXED[event.kind],
            start_time=days[0].start_at,
            duration=days[0].duration_minutes,
            timezone=event.timezone,
            agenda=agenda,
            recurrence=RecurrenceBody(
                type=1, repeat_interval=recurrence.every_days, end_times=recurrence.times
            ),
            settings=_settings(event, recurring=True),
        )
    return MeetingCreate(
        topic=fit(event.topic, ZOOM_TOPIC_MAX),
        type=SCHEDULED[event.kind],
        start_time=event.start_at,
        duration=event.duration_minutes,
        timezone=event.timezone,
        agenda=agenda,
        settings=_settings(event, recurring=False),
    )


def meeting_update(
    event: Event, session: EventSession | None = None, *, created: bool = True
) -> MeetingUpdate:
    """The PATCH that brings an existing meeting in line with the event (E6), with its
    registration settings (registration on or off, O9; Zoom's confirmation email, O5) when
    zoombridge created it.

    For a meeting zoombridge did not create (linked), only name, date and time are sent: the
    organiser's own settings on it are theirs.
    """
    body = meeting_body(event, session)
    return MeetingUpdate(
        topic=body.topic,
        start_time=body.start_time,
        duration=body.duration,
        timezone=body.timezone,
        recurrence=body.recurrence,
        settings=body.settings if created else None,
    )
