"""The simulator's movable clock: real UTC time plus an offset that admin calls can change.

Daily limits, timestamps and workflow signatures read it; the rolling 10-second window does not
(it uses the real monotonic clock, so moving the calendar never refills or drains it).
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


def hubspot_time(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as HubSpot writes times."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_epoch_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)
