"""API under load, small: concurrent clients creating orders and reading tickets get no error,
every order is stored with its attendees and every ticket is the attendee's own
(bench/api_load.py runs it full size, on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench_loader import load_bench


@pytest.mark.timeout(180)
async def test_orders_and_tickets_under_concurrent_clients(tmp_path: Path) -> None:
    bench = load_bench("api_load")
    result = await bench.run_on("sqlite", clients=4, seconds=3.0, workdir=tmp_path)
    print(result.report())  # shown with -s
    assert result.load.errors == []
    assert result.baseline.errors == []
    assert result.orders_reported > 0
    assert result.orders_stored == result.orders_reported
    assert result.attendees_stored == 2 * result.orders_reported
    assert result.wrong_tickets == 0
    # Each order is followed by its two ticket reads (the last loop may stop after the order).
    counts = {kind: len(result.load.latencies[kind]) for kind in bench.KINDS}
    assert counts["order"] == result.orders_reported
    assert result.orders_reported - 4 <= counts["ics"] <= counts["ticket"] <= counts["order"]
    assert result.baseline.requests > 0
    assert result.correct
    assert result.summary().startswith("summary: sqlite 4 clients")
