"""Order cost, small: the harness runs its four lines (baseline, empty event, event with existing
attendees, receivers apart) and every order is answered 201 (bench/order_cost.py runs it full
size; the figures are not asserted)."""

from __future__ import annotations

import pytest

from tests.bench_loader import load_bench
from zoombridge.orders.signals import orders_completed


@pytest.mark.timeout(180)
async def test_order_cost_runs_every_line(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench("order_cost")
    receivers = orders_completed.receivers
    assert await bench.main_async(50, 300) == 0
    # The bench watches the receivers for a while; the process goes on with them as they were
    # (wrappers left behind would send every later test's tickets twice).
    assert orders_completed.receivers == receivers
    printed = capsys.readouterr().out
    assert "statements per order: 8 for the order" in printed
    assert "existing attendees" in printed
