"""Helpers for the HubSpot client tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fixtures.hubspot_simulator import HubSpotAdmin


class SharedClock:
    """The client's clock kept in step with the simulator's movable one."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, admin: HubSpotAdmin, moment: datetime) -> None:
        admin.set_clock(moment)
        self.offset = moment - datetime.now(UTC)

    def advance(self, admin: HubSpotAdmin, seconds: float) -> None:
        admin.advance_clock(seconds)
        self.offset += timedelta(seconds=seconds)


def people(count: int, prefix: str = "p") -> list[str]:
    return [f"{prefix}{i}@example.com" for i in range(count)]
