"""HubSpot push, small: a webinar's attendees become contacts with a registration and an
attendance each, in the fewest calls and with no 429 (bench/hubspot_push.py runs it full size)."""

from __future__ import annotations

import pytest

from tests.bench_loader import load_bench


@pytest.mark.timeout(120)
async def test_attendees_pushed_in_the_fewest_calls_without_a_429() -> None:
    bench = load_bench("hubspot_push")
    result = await bench.run_scenario(
        bench.Scenario(attendees=250, latency_min_ms=0, latency_max_ms=0, sample=2)
    )
    print(result.report())  # shown with -s
    assert result.correct, result.report()
    assert result.calls == result.calls_needed == 1 + 3 * 3
    assert (result.contacts, result.registered, result.attended) == (250, 250, 250)
    assert result.received_429 == 0
    assert result.efficiency is None  # ten calls fit in Free's first window
    assert result.baseline > 0
    assert result.summary().startswith("summary: 250 attendees free")
    assert bench.ceiling_seconds(301, 100, 10.0) == 30.0
