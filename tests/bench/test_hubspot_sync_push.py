"""HubSpot sync push, small: a synced webinar pushed by the worker in the fewest calls, no 429,
and "sync now" of the unchanged webinar makes no call (bench/hubspot_sync_push.py runs it full
size)."""

from __future__ import annotations

import pytest

from tests.bench_loader import load_bench


@pytest.mark.timeout(180)
async def test_a_webinar_pushed_in_the_fewest_calls_and_nothing_twice(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench = load_bench("hubspot_sync_push")
    assert await bench.run(250, "free", (0.0, 0.0), fresh_window=False)
    out = capsys.readouterr().out
    assert "HubSpot calls             17 (minimum 17)" in out
    assert "429s received             0" in out
    assert "sync now, unchanged       0 calls" in out
    assert bench.ceiling_seconds(502, 100, 10.0) == 50.0
