"""Attendance at scale, small: 3 webinars x 50 people with rejoins pulled from the simulator's
reports by the worker and merged; every person's time right (harness: bench/attendance_scale.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.bench_loader import load_bench
from zoombridge.simulator import SimulatorServer


@pytest.mark.timeout(120)
async def test_three_webinars_pulled_and_merged_right(
    db_sessionmaker: async_sessionmaker[AsyncSession], simulator: SimulatorServer, tmp_path: Path
) -> None:
    bench = load_bench("attendance_scale")
    result = await bench.run_scale(
        db_sessionmaker, simulator, webinars=3, participants=50, first=1, workdir=tmp_path
    )
    assert result.wrong == []
    assert result.people_checked == 150
    assert [p.webinars for p in result.phases] == [1, 2]
    assert result.rows >= 150  # every segment of every person, rejoins included
    # Each webinar's report fits one page: one report call per webinar, none repeated.
    assert result.report_calls == 3
    assert "all correct" in bench.report(result, "pro")
