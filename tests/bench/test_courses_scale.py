"""Courses at scale, small: learners enrolled in one request through a `zoombridge serve`
process end registered on Zoom exactly once, through a `zoombridge worker` process, in the
fewest batch calls; results computed session by session give every cell, and their memory
does not grow with the number of sessions (bench/courses_scale.py runs both full size)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench_loader import load_bench


@pytest.mark.timeout(300)
async def test_learners_enrolled_in_one_request_are_registered_once(tmp_path: Path) -> None:
    bench = load_bench("courses_scale")
    result = await bench.run_enrolment(
        f"sqlite+aiosqlite:///{tmp_path / 'enrol.db'}", tmp_path, learners=90, sessions=2
    )
    print(result.report())
    assert result.correct, result.report()
    assert result.calls_needed == 6
    assert result.calls == result.calls_needed  # batches of 30, nothing sent twice
    assert result.received_429 == 0
    assert "efficiency" in result.report()


async def test_results_of_many_sessions_are_computed_one_session_at_a_time(
    database_url: str,
) -> None:
    bench = load_bench("courses_scale")
    few, many = await bench.run_results(database_url, learners=20, few=2, many=8)
    assert (few.cells, many.cells) == (40, 160)
    assert many.attended_minutes == 8 * 20 * 45
    print(bench.results_report([few, many]))
    # Four times the sessions and marks, yet no more memory at its peak than a little slack:
    # a computation holding every session at once would grow with them.
    assert many.peak_bytes < 2 * few.peak_bytes
