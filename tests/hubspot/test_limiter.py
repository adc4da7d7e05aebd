"""The client's limit arithmetic on a fake clock: rolling window, pauses, local days,
Retry-After."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from zoombridge.hubspot import RetryPolicy, RollingWindowLimiter, Tier, limits_for
from zoombridge.hubspot.ratelimit import DailyCounter, next_local_midnight
from zoombridge.hubspot.retry import parse_retry_after


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sent: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


async def send_times(limiter: RollingWindowLimiter, clock: FakeTime, count: int) -> list[float]:
    times = []
    for _ in range(count):
        slot = await limiter.acquire()
        times.append(round(clock.now, 3))
        limiter.release(slot)  # answered at once
    return times


async def test_a_burst_goes_at_once_and_the_rest_waits_for_the_window() -> None:
    clock = FakeTime()
    limiter = RollingWindowLimiter(
        3, 10.0, margin_s=0.2, monotonic=clock.monotonic, sleep=clock.sleep
    )
    assert await send_times(limiter, clock, 7) == [0, 0, 0, 10.2, 10.2, 10.2, 20.4]


async def test_no_window_ever_holds_more_than_the_burst() -> None:
    clock = FakeTime()
    limiter = RollingWindowLimiter(100, 10.0, monotonic=clock.monotonic, sleep=clock.sleep)
    times = await send_times(limiter, clock, 350)
    for i, t in enumerate(times):
        inside = [u for u in times[i:] if u < t + 10.0]
        assert len(inside) <= 100


async def test_a_pause_delays_the_next_send() -> None:
    clock = FakeTime()
    limiter = RollingWindowLimiter(10, 10.0, monotonic=clock.monotonic, sleep=clock.sleep)
    limiter.release(await limiter.acquire())
    limiter.pause(2.5)
    await limiter.acquire()
    assert clock.now == 2.5


async def test_a_request_counts_in_the_window_from_its_answer() -> None:
    clock = FakeTime()
    limiter = RollingWindowLimiter(
        1, 10.0, margin_s=0.0, monotonic=clock.monotonic, sleep=clock.sleep
    )
    first = await limiter.acquire()
    clock.now = 3.0  # the request is answered only now: it may have arrived at 3.0
    limiter.release(first)
    await limiter.acquire()
    assert clock.now == 13.0


async def test_requests_in_flight_hold_their_place() -> None:
    clock = FakeTime()
    limiter = RollingWindowLimiter(
        1, 1.0, margin_s=0.0, monotonic=clock.monotonic, sleep=clock.sleep
    )
    slot = await limiter.acquire()

    async def answer_later() -> None:
        # Yield to the waiting caller until fake time reaches 5 s, then answer.
        for _ in range(10_000):
            if clock.now >= 5.0:
                break
            await asyncio.sleep(0)
        limiter.release(slot)

    waiter = asyncio.ensure_future(answer_later())
    await limiter.acquire()  # polls while the first is in flight, then waits a window
    await waiter
    assert 6.0 <= clock.now < 6.1


def test_tiers_have_hubspots_limits() -> None:
    assert (limits_for(Tier.FREE).burst, limits_for(Tier.FREE).daily) == (100, 250_000)
    assert limits_for(Tier.STARTER) == limits_for(Tier.FREE)
    assert (limits_for(Tier.PROFESSIONAL).burst, limits_for(Tier.PROFESSIONAL).daily) == (
        190,
        650_000,
    )
    pack = limits_for(Tier.ENTERPRISE, api_limit_pack=True)
    assert (pack.burst, pack.daily, pack.window_s) == (250, 2_000_000, 10.0)
    assert limits_for(Tier.FREE).search_per_second == 4


def test_the_day_ends_at_midnight_in_the_accounts_time_zone() -> None:
    zone = ZoneInfo("America/New_York")
    counter = DailyCounter(2, zone)
    evening = datetime(2030, 3, 9, 4, 50, tzinfo=UTC)  # 23:50 on March 8 in New York
    counter.take(evening)
    counter.take(evening)
    resume = counter.blocked_until(evening)
    assert resume == datetime(2030, 3, 9, 5, 0, tzinfo=UTC)
    assert counter.blocked_until(evening + timedelta(minutes=9)) is not None
    assert counter.blocked_until(evening + timedelta(minutes=11)) is None


def test_local_midnight_across_a_daylight_saving_change() -> None:
    zone = ZoneInfo("Europe/Helsinki")
    before_change = datetime(2030, 3, 30, 12, 0, tzinfo=UTC)  # clocks go forward on the 31st
    assert next_local_midnight(before_change, zone).utcoffset() == timedelta(hours=2)
    after = next_local_midnight(datetime(2030, 3, 31, 12, 0, tzinfo=UTC), zone)
    assert after.utcoffset() == timedelta(hours=3)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert parse_retry_after("3", now) == now + timedelta(seconds=3)
    assert parse_retry_after("Wed, 01 Jan 2030 00:00:10 GMT", now) == now + timedelta(seconds=10)
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_a_429_without_retry_after_backs_off_and_is_capped() -> None:
    policy = RetryPolicy(default_rate_limit_pause=1.0, max_rate_limit_pause=6.0)
    assert [policy.rate_limit_pause(n, None) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 6.0]
    assert policy.rate_limit_pause(5, 2.0) == 2.0
