"""Planned rate limits, Zoom's 429s, and daily caps, against the simulator."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fixtures.simulator import SimAdmin
from tests.zoom.conftest import ClientFactory
from tests.zoom.helpers import MovableClock, route_count, status_count
from tests.zoom.test_integration_operations import HOST, scheduled
from zoombridge.simulator import SimulatorConfig
from zoombridge.zoom import (
    BatchRegistrantBody,
    DailyLimitReached,
    LimiterRegistry,
    MeetingUpdate,
    Plan,
    RateLimited,
    RegistrantCreate,
    RegistrantRef,
    ZoomClient,
)


def next_midnight(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


async def test_concurrent_heavy_burst_gets_no_429(zoom: ZoomClient, admin: SimAdmin) -> None:
    meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
    # 15 Heavy batch calls at once (Pro: 10/s) and 30 Light gets at once (30/s).
    batches = [
        zoom.add_registrants_batch(
            "meeting",
            meeting.id,
            [BatchRegistrantBody(email=f"b{i}-{j}@example.com", first_name="B") for j in range(3)],
            auto_approve=True,
        )
        for i in range(15)
    ]
    gets = [zoom.get_meeting("meeting", meeting.id) for _ in range(30)]
    results = await asyncio.gather(*batches, *gets)
    assert len(results) == 45
    stats = admin.stats()
    assert status_count(stats, 429) == 0
    assert zoom.stats.rate_limited == 0
    assert route_count(stats, "batch") == 15


async def test_two_clients_of_one_account_share_the_limiter(
    make_client: ClientFactory, simulator: Any, admin: SimAdmin
) -> None:
    registry = LimiterRegistry()
    first = make_client(simulator, limiters=registry)
    second = make_client(simulator, limiters=registry)
    await asyncio.gather(*(c.get_user("me") for c in (first, second) for _ in range(25)))
    assert status_count(admin.stats(), 429) == 0


async def test_per_second_429_pauses_the_category_and_is_retried(
    make_client: ClientFactory, simulator: Any, admin: SimAdmin
) -> None:
    pauses: list[float] = []

    async def recording_sleep(seconds: float) -> None:
        pauses.append(seconds)
        await asyncio.sleep(seconds)

    zoom = make_client(simulator, limiters=LimiterRegistry(sleep=recording_sleep))
    meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
    admin.faults(rate_429=1.0)
    call = asyncio.create_task(zoom.get_meeting("meeting", meeting.id))
    for _ in range(200):
        if zoom.stats.rate_limited:
            break
        await asyncio.sleep(0.01)
    admin.faults(rate_429=0.0)
    fetched = await call
    assert fetched.id == meeting.id
    assert zoom.stats.rate_limited >= 1
    assert status_count(admin.stats(), 429) == zoom.stats.rate_limited
    # Retry-After (at least 1 s on the simulator) was obeyed by pausing the limiter.
    assert max(pauses) >= 0.9


async def test_persistent_per_second_429_gives_up_with_rate_limited(
    make_client: ClientFactory, simulator: Any, admin: SimAdmin
) -> None:
    from tests.zoom.helpers import fast_retry

    zoom = make_client(simulator, retry=fast_retry(max_rate_limited_attempts=2))
    await zoom.get_user("me")
    admin.faults(rate_429=1.0)
    with pytest.raises(RateLimited) as info:
        await zoom.get_user("me")
    assert not isinstance(info.value, DailyLimitReached)
    assert info.value.retryable
    assert zoom.stats.rate_limited == 2


async def test_registration_cap_refused_before_sending_and_reset_at_midnight(
    make_client: ClientFactory, simulator: Any, admin: SimAdmin
) -> None:
    clock = MovableClock(admin.now())
    zoom = make_client(simulator, clock=clock)
    meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
    person = RegistrantCreate(email="Thrice@Example.com", first_name="T")
    for _ in range(3):
        await zoom.add_registrant("meeting", meeting.id, person)
    sent = route_count(admin.stats(), "registrants")
    with pytest.raises(DailyLimitReached) as info:
        await zoom.add_registrant(
            "meeting", meeting.id, RegistrantCreate(email="thrice@example.com", first_name="T")
        )
    assert route_count(admin.stats(), "registrants") == sent  # nothing sent
    error = info.value
    assert error.resume_at == next_midnight(clock())
    assert error.capped_keys == ["thrice@example.com"]
    assert error.resume_at.strftime("%Y-%m-%d %H:%M") in error.user_message

    # Batch: the capped email is refused from the batch before sending.
    batch = [
        BatchRegistrantBody(email="thrice@example.com", first_name="T"),
        BatchRegistrantBody(email="fresh@example.com", first_name="F"),
    ]
    with pytest.raises(DailyLimitReached) as batch_info:
        await zoom.add_registrants_batch("meeting", meeting.id, batch)
    assert batch_info.value.capped_keys == ["thrice@example.com"]
    skipped = await zoom.add_registrants_batch("meeting", meeting.id, batch, on_capped="skip")
    assert [r.email for r in skipped.registrants] == ["fresh@example.com"]
    assert skipped.skipped_at_cap == ["thrice@example.com"]

    # After 00:00 UTC on both clocks the registrant may register again.
    step = (error.resume_at - clock()).total_seconds() + 5
    clock.advance(seconds=step)
    admin.advance_clock(step)
    again = await zoom.add_registrant("meeting", meeting.id, person)
    assert again.registrant_id


async def test_zoom_daily_429_becomes_daily_limit_reached(
    make_client: ClientFactory, simulator: Any, admin: SimAdmin
) -> None:
    # Another process (its own registry, so it counted nothing) hits Zoom's own per-registrant cap.
    first = make_client(simulator)
    meeting = await first.create_meeting("meeting", HOST, scheduled("meeting"))
    for _ in range(3):
        await first.add_registrant(
            "meeting", meeting.id, RegistrantCreate(email="busy@example.com", first_name="B")
        )
    other = make_client(simulator, limiters=LimiterRegistry())
    with pytest.raises(DailyLimitReached) as info:
        await other.add_registrant(
            "meeting", meeting.id, RegistrantCreate(email="busy@example.com", first_name="B")
        )
    sim_now = admin.now()
    assert info.value.status == 429
    assert info.value.resume_at == next_midnight(sim_now)
    assert other.stats.rate_limited == 1


async def test_status_change_cap(
    make_client: ClientFactory, simulator: Any, admin: SimAdmin
) -> None:
    zoom = make_client(simulator)
    meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting", approval=1))
    await zoom.add_registrant(
        "meeting", meeting.id, RegistrantCreate(email="flip@example.com", first_name="F")
    )
    ref = [RegistrantRef(email="flip@example.com")]
    for i in range(10):
        await zoom.update_registrant_status(
            "meeting", meeting.id, "approve" if i % 2 == 0 else "deny", ref
        )
    with pytest.raises(DailyLimitReached) as info:
        await zoom.update_registrant_status("meeting", meeting.id, "approve", ref)
    assert info.value.capped_keys == ["flip@example.com"]
    assert route_count(admin.stats(), "status") == 10


async def test_host_create_update_cap(simulator_factory: Any, make_client: ClientFactory) -> None:
    # Business plan: Light 80/s, so 100 updates take about 1.3 s.
    server = simulator_factory(SimulatorConfig(plan="business"))
    admin = SimAdmin(server)
    try:
        clock = MovableClock(admin.now())
        zoom = make_client(server, plan=Plan.BUSINESS, clock=clock)
        meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
        await asyncio.gather(
            *(
                zoom.update_meeting("meeting", meeting.id, MeetingUpdate(agenda=f"v{i}"))
                for i in range(99)
            )
        )
        with pytest.raises(DailyLimitReached) as info:
            await zoom.update_meeting("meeting", meeting.id, MeetingUpdate(agenda="one more"))
        with pytest.raises(DailyLimitReached):
            await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
        stats = admin.stats()
        assert status_count(stats, 429) == 0  # we stopped ourselves; Zoom never had to
        assert info.value.resume_at == next_midnight(clock())
        assert "host@example.com" in info.value.user_message
    finally:
        admin.close()
