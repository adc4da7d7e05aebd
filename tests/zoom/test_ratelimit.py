"""Limiter math with a fake clock: even pacing, FIFO fairness, no oversleeping, pauses."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from zoombridge.zoom import Category, LimiterRegistry, Plan, RateLimiter


class FakeTime:
    """A monotonic clock that only moves when someone sleeps; records every send time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_sequential_calls_are_spaced_one_interval_apart() -> None:
    clock = FakeTime()
    limiter = RateLimiter(10.0, monotonic=clock.monotonic, sleep=clock.sleep)
    sent = []
    for _ in range(334):
        await limiter.acquire()
        sent.append(clock.now)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert gaps == pytest.approx([0.1] * 333)
    # 334 calls at 10/s: the last goes at 33.3 s, never later (no sleeping beyond the slot).
    assert sent[-1] == pytest.approx(33.3)


async def test_idle_time_is_not_saved_up_into_a_burst() -> None:
    clock = FakeTime()
    limiter = RateLimiter(2.0, monotonic=clock.monotonic, sleep=clock.sleep)
    await limiter.acquire()
    clock.now += 100.0  # a long idle spell
    sent = []
    for _ in range(3):
        await limiter.acquire()
        sent.append(clock.now)
    assert sent == pytest.approx([100.0, 100.5, 101.0])


async def test_concurrent_callers_get_consecutive_slots_in_arrival_order() -> None:
    # Time stands still while the callers queue: each must be told to wait exactly its slot.
    waits: dict[int, float] = {}

    async def record_sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    limiter = RateLimiter(20.0, monotonic=lambda: 5.0, sleep=record_sleep)

    async def caller(index: int) -> None:
        _slot, delay = limiter._reserve()
        waits[index] = delay
        await record_sleep(delay)

    await asyncio.gather(*(caller(i) for i in range(50)))
    assert [waits[i] for i in range(50)] == pytest.approx([i * 0.05 for i in range(50)])


async def test_many_waiters_through_acquire_finish_in_n_over_rate() -> None:
    loop_clock = FakeTime()
    order: list[int] = []

    # A cooperative fake sleep: tasks wake in the order of their wake-up time.
    wakeups: list[tuple[float, int, asyncio.Future[None]]] = []

    async def sleep(seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        wakeups.append((loop_clock.now + seconds, len(wakeups), fut))
        await fut

    limiter = RateLimiter(10.0, monotonic=loop_clock.monotonic, sleep=sleep)

    async def caller(index: int) -> None:
        await limiter.acquire()
        order.append(index)

    tasks = [asyncio.create_task(caller(i)) for i in range(30)]
    await asyncio.sleep(0)
    while wakeups:
        wakeups.sort()
        when, _, fut = wakeups.pop(0)
        loop_clock.now = when
        fut.set_result(None)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert order == list(range(30))
    assert loop_clock.now == pytest.approx(2.9)


async def test_pause_delays_every_later_call() -> None:
    clock = FakeTime()
    limiter = RateLimiter(10.0, monotonic=clock.monotonic, sleep=clock.sleep)
    await limiter.acquire()
    limiter.pause(2.0)
    await limiter.acquire()
    assert clock.now == pytest.approx(2.0)
    await limiter.acquire()
    assert clock.now == pytest.approx(2.1)


async def test_a_cancelled_waiter_gives_its_slot_back() -> None:
    clock = FakeTime()

    async def never(seconds: float) -> None:
        await asyncio.Event().wait()

    limiter = RateLimiter(1.0, monotonic=clock.monotonic, sleep=never)
    await limiter.acquire()  # slot 0, no sleep needed
    task = asyncio.create_task(limiter.acquire())  # slot 1.0
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    _, delay = limiter._reserve()
    assert delay == pytest.approx(1.0)  # slot 1.0 reused, not 2.0


def test_registry_shares_one_limiter_per_account_and_category_with_plan_rates() -> None:
    registry = LimiterRegistry()
    registry.register("acct-a", Plan.PRO)
    registry.register("acct-b", Plan.BUSINESS)
    heavy_a = registry.limiter("acct-a", Category.HEAVY)
    assert registry.limiter("acct-a", Category.HEAVY) is heavy_a
    assert heavy_a.rate == pytest.approx(10.0)
    assert registry.limiter("acct-b", Category.HEAVY).rate == pytest.approx(40.0)
    assert registry.limiter("acct-a", Category.LIGHT).rate == pytest.approx(30.0)
    assert registry.limiter("acct-a", Category.RESOURCE_INTENSIVE).rate == pytest.approx(10 / 60)
    registry.register("acct-c", Plan.FREE)
    assert registry.limiter("acct-c", Category.MEDIUM).rate == pytest.approx(2.0)
    # A plan change (e.g. an upgrade) re-rates the existing limiter.
    registry.register("acct-a", Plan.BUSINESS)
    assert heavy_a.rate == pytest.approx(40.0)
