"""Day caps, small: with both clocks at 23:00 UTC, meetings past the host's 100 a day and a
registrant's 4th registration of the day wait for 00:00 UTC (never fail, never draw a daily 429
from Zoom), and complete once both clocks pass midnight (the harness is bench/day_caps.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.bench_loader import load_bench
from zoombridge.orders.models import RegistrationState

EVENTS = 104  # just past the host's 100 a day: 4 must wait


@pytest.mark.timeout(240)
async def test_work_over_a_daily_cap_waits_for_midnight_and_then_completes(
    database_url: str,
) -> None:
    caps = load_bench("day_caps")
    result = await caps.run_day_caps(database_url, events=EVENTS, say=print)
    midnight = datetime(2031, 3, 2, 0, 0, tzinfo=UTC)
    assert result.midnight == midnight
    print(result.summary().splitlines()[-1])  # shown with -s (the steps were printed already)

    # (a) day 1: 100 created, the rest waiting for midnight with the reason shown; none failed.
    day_one = result.day_one
    assert (day_one.synced, day_one.waiting, day_one.failed, day_one.other) == (100, 4, 0, 0)
    assert day_one.not_before == {midnight}
    assert day_one.errors_mentioning_429 == 0
    assert result.host_count_day_one == 100  # Zoom saw exactly the cap, not one more
    # (b) three registrations (cancelled in between), the fourth deferred, not failed.
    assert result.cycles == [
        "registered",
        "cancelled",
        "registered",
        "cancelled",
        "registered",
        "cancelled",
        "deferred",
    ]
    assert result.registrant_requests_day_one == 3
    assert result.registrant_not_before == midnight
    assert "00:00 UTC" in result.registrant_message
    # No daily 429 from Zoom: our counts stopped the work before it was sent.
    assert not any(result.zoom_429s.get(kind) for kind in caps.DAILY_429_KINDS), result.zoom_429s

    # After 00:00 UTC on both clocks: everything done.
    assert result.resumed_at is not None
    assert result.resumed_at >= midnight
    assert (result.day_two.synced, result.day_two.waiting, result.day_two.failed) == (EVENTS, 0, 0)
    assert result.registrant_after_midnight is RegistrationState.REGISTERED
    assert result.registrant_status_after == "approved"
    assert result.ok, result.summary()
