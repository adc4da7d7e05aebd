"""Account-wide daily caps (Free plan pools, Zoom's daily 429) counted on our side.

The answers are canned: what is tested is our own bookkeeping, which must refuse before sending.
Per-host and per-registrant caps are tested against the simulator (test_integration_limits).
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.zoom.helpers import MovableClock, canned_client
from zoombridge.zoom import DailyLimitReached, LimiterRegistry, Plan
from zoombridge.zoom.daily_caps import DailyCaps, next_utc_midnight

START = datetime(2026, 6, 1, 22, 0, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def empty_report(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"participants": [], "next_page_token": ""})


async def test_free_plan_heavy_pool_refused_before_sending_until_midnight() -> None:
    clock = MovableClock(START)
    fake = FakeMonotonic()
    zoom = canned_client(
        empty_report,
        plan=Plan.FREE,
        clock=clock,
        limiters=LimiterRegistry(monotonic=fake, sleep=fake.sleep),
    )
    async with zoom:
        for _ in range(1000):
            _ = [p async for p in zoom.list_report_participants("meeting", 1)]
        assert zoom.stats.calls == 1000
        assert fake.now == pytest.approx(999.0)  # Free Heavy: 1 per second
        with pytest.raises(DailyLimitReached) as info:
            _ = [p async for p in zoom.list_report_participants("meeting", 1)]
        assert zoom.stats.calls == 1000
        assert info.value.resume_at == datetime(2026, 6, 2, tzinfo=UTC)
        assert zoom.stats.refused_before_sending == 1
        clock.advance(hours=2, seconds=1)
        _ = [p async for p in zoom.list_report_participants("meeting", 1)]
        assert zoom.stats.calls == 1001


async def test_zoom_daily_429_blocks_the_category_until_retry_after() -> None:
    clock = MovableClock(START)
    answers = [
        httpx.Response(
            429,
            headers={
                "X-RateLimit-Type": "Daily-limit",
                "X-RateLimit-Category": "Light",
                "Retry-After": "Tue, 02 Jun 2026 00:00:00 GMT",
            },
            json={
                "code": 429,
                "message": "You have reached the maximum daily rate limit for this API.",
            },
        )
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else httpx.Response(200, json={"id": 5, "topic": "t"})

    async with canned_client(handler, clock=clock) as zoom:
        with pytest.raises(DailyLimitReached) as info:
            await zoom.get_meeting("meeting", 5)
        error = info.value
        assert error.resume_at == datetime(2026, 6, 2, tzinfo=UTC)
        assert error.status == 429
        assert "2026-06-02 00:00" in error.user_message
        with pytest.raises(DailyLimitReached):
            await zoom.get_meeting("meeting", 5)  # refused before sending
        assert zoom.stats.calls == 1
        clock.advance(hours=2)
        assert (await zoom.get_meeting("meeting", 5)).id == 5


def test_counts_roll_over_at_utc_midnight_and_aliases_merge() -> None:
    caps = DailyCaps()
    key = ("host", "h@example.com")
    caps.take([key, key], START)
    caps.take([("host", "abc123")], START)
    caps.merge(("host", "abc123"), key, START)
    assert caps.used(key, START) == 3
    assert caps.at_cap([key], 3, START) == [key]
    assert caps.used(key, next_utc_midnight(START)) == 0
