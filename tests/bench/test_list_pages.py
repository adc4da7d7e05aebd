"""Paging to the end of a long list, small: every attendee and order is seen exactly once and
`total` counts them all (bench/list_pages.py runs it full size and prints the page times)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench_loader import load_bench


@pytest.mark.timeout(180)
async def test_walking_every_page_sees_every_row_once(tmp_path: Path) -> None:
    bench = load_bench("list_pages")
    walks = await bench.run(attendees=230, limit=50, workdir=tmp_path)
    for walk in walks:
        print(walk.report())  # shown with -s
        assert walk.total == 230
        assert walk.correct
        assert len(walk.pages_ms) == 5
