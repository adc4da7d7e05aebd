"""Order cost, small: the harness runs its four lines (baseline, empty event, event with existing
attendees, receivers apart) and every order is answered 201 (bench/order_cost.py runs it full
size; the figures are not asserted)."""

from __future__ import annotations

import pytest

from tests.bench_loader import load_bench


@pytest.mark.timeout(180)
async def test_order_cost_runs_every_line(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench("order_cost")
    assert await bench.main_async(50, 300) == 0
    printed = capsys.readouterr().out
    assert "statements per order: 8 for the order" in printed
    assert "existing attendees" in printed
