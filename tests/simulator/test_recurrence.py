"""Recurrence expansion (in the meeting's time zone, DST-correct), directly and through the API."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.simulator.helpers import ZoomApi
from zoombridge.simulator.recurrence import expand


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_weekly_keeps_local_time_across_dst() -> None:
    # Tuesdays and Thursdays 10:00 Berlin; DST starts on 2030-03-31.
    start = _utc("2030-03-26T09:00:00Z")  # Tue 10:00 CET
    got = expand(
        {"type": 2, "repeat_interval": 1, "weekly_days": "3,5", "end_times": 4},
        start,
        "Europe/Berlin",
    )
    assert [d.strftime("%Y-%m-%dT%H:%MZ") for d in got] == [
        "2030-03-26T09:00Z",
        "2030-03-28T09:00Z",
        "2030-04-02T08:00Z",  # 10:00 CEST
        "2030-04-04T08:00Z",
    ]


def test_weekly_starts_at_the_first_matching_day() -> None:
    start = _utc("2030-01-02T15:00:00Z")  # a Wednesday
    got = expand(
        {"type": 2, "repeat_interval": 2, "weekly_days": "2", "end_times": 2}, start, "UTC"
    )
    assert [d.date().isoformat() for d in got] == ["2030-01-14", "2030-01-28"]


def test_monthly_by_day_and_by_week() -> None:
    start = _utc("2030-01-31T12:00:00Z")
    by_day = expand(
        {"type": 3, "repeat_interval": 1, "monthly_day": 31, "end_times": 3}, start, "UTC"
    )
    # Months without a 31st are skipped.
    assert [d.date().isoformat() for d in by_day] == ["2030-01-31", "2030-03-31", "2030-05-31"]
    last_friday = expand(
        {
            "type": 3,
            "repeat_interval": 1,
            "monthly_week": -1,
            "monthly_week_day": 6,
            "end_times": 3,
        },
        _utc("2030-01-01T12:00:00Z"),
        "UTC",
    )
    assert [d.date().isoformat() for d in last_friday] == ["2030-01-25", "2030-02-22", "2030-03-29"]


def test_end_date_time_and_the_60_cap() -> None:
    start = _utc("2030-01-01T08:00:00Z")
    until = expand(
        {"type": 1, "repeat_interval": 2, "end_date_time": "2030-01-07T23:59:00Z"}, start, "UTC"
    )
    assert len(until) == 4
    capped = expand(
        {"type": 1, "repeat_interval": 1, "end_date_time": "2031-01-01T00:00:00Z"}, start, "UTC"
    )
    assert len(capped) == 60


def test_recurring_meeting_via_api(zoom: ZoomApi) -> None:
    meeting = zoom.create_meeting(
        type=8,
        start_time="2030-10-20T10:00:00",
        timezone="America/New_York",
        duration=45,
        recurrence={"type": 2, "weekly_days": "1", "end_times": 3},
    )
    occurrences = meeting["occurrences"]
    # Sundays 10:00 New York; DST ends on 2030-11-03.
    assert [o["start_time"] for o in occurrences] == [
        "2030-10-20T14:00:00Z",
        "2030-10-27T14:00:00Z",
        "2030-11-03T15:00:00Z",
    ]
    for occurrence in occurrences:
        stamp = int(occurrence["occurrence_id"])
        assert datetime.fromtimestamp(stamp / 1000, UTC) == _utc(occurrence["start_time"])
        assert occurrence["duration"] == 45
    assert meeting["recurrence"]["end_times"] == 3
    changed = zoom.patch(
        f"/meetings/{meeting['id']}", json={"recurrence": {"type": 1, "end_times": 5}}
    )
    assert changed.status_code == 204
    assert len(zoom.get(f"/meetings/{meeting['id']}").json()["occurrences"]) == 5
