"""Registration throughput, small: orders entered through the REST API of a `zoombridge serve`
process end, through a `zoombridge worker` process and the simulator, with every attendee
registered on Zoom exactly once (bench/registration_throughput.py runs it full size)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench_loader import load_bench


@pytest.mark.timeout(300)
async def test_single_occurrence_webinar_every_attendee_registered_once(
    database_url: str, tmp_path: Path
) -> None:
    bench = load_bench("registration_throughput")
    scenario = bench.Scenario(attendees=120, plan="pro", clients=4, sample=3)
    result = await bench.run_scenario(database_url, scenario, workdir=tmp_path)
    print(result.report())  # shown with -s
    assert result.correct, result.report()
    assert result.orders == len(bench.order_plan(scenario))
    # Batches of up to 30: never more calls than one per order, at least the minimum.
    assert result.calls_needed == 4
    assert result.calls_needed <= result.registration_calls <= result.orders
    assert result.received_429 == 0
    assert result.baseline_errors == 0
    assert result.elapsed > 0
    assert "efficiency" in result.report()
    assert result.summary().startswith("summary: 120 single pro")


@pytest.mark.timeout(300)
async def test_recurring_webinar_one_call_per_attendee_on_every_occurrence(
    tmp_path: Path,
) -> None:
    bench = load_bench("registration_throughput")
    scenario = bench.Scenario(
        attendees=30, plan="business", recurring=True, occurrences=3, clients=4, sample=3
    )
    result = await bench.run_on("sqlite", scenario, tmp_path)
    print(result.report())
    assert result.correct, result.report()
    assert result.zoom_not_all_occurrences == 0
    assert result.registration_calls == result.calls_needed == 30
    assert result.category == "light"
    assert result.per_second == 80.0


@pytest.mark.timeout(300)
async def test_bulk_intake_registers_every_attendee_once(tmp_path: Path) -> None:
    bench = load_bench("registration_throughput")
    scenario = bench.Scenario(
        attendees=150, plan="pro", clients=2, sample=3, via="bulk", bulk_size=20
    )
    result = await bench.run_on("sqlite", scenario, tmp_path)
    print(result.report())
    assert result.correct, result.report()
    assert result.order_errors == []
    assert result.calls_needed <= result.registration_calls
    assert result.summary().startswith("summary: 150 single pro via bulk/20")
