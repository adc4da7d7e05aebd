"""The simulator's movable clock: real UTC time plus an offset that admin calls can change.

Token expiry, daily rate-limit windows and meeting status read it; per-second buckets do not
(they use the real monotonic clock so moving the calendar never refills or drains them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> datetime:
        self._offset += timedelta(seconds=seconds)
        return self.now()

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        self._offset = moment - datetime.now(UTC)
        return self.now()

    @property
    def offset_seconds(self) -> float:
        return self._offset.total_seconds()


def zoom_time(moment: datetime) -> str:
    """Zoom's `yyyy-MM-ddTHH:mm:ssZ` in UTC, always with a four-digit year (`0051-...`).

    `strftime("%Y")` would write the year 51 as `51`, which is no date-time at all.
    """
    utc = moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return utc.isoformat(timespec="seconds") + "Z"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def next_utc_midnight(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1)
