"""Chaos, small: worker processes SIGKILLed mid-run against a faulty simulator end with Zoom's
state equal to the desired state (the harness is bench/chaos.py; the bench runs it full size)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "chaos.py"


def _harness() -> ModuleType:
    # The bench imports its sibling `_setup` the way it does when run as a script.
    if str(BENCH.parent) not in sys.path:
        sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("zoombridge_bench_chaos", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(300)
async def test_killed_workers_and_a_faulty_zoom_end_in_the_desired_state(
    database_url: str, tmp_path: Path
) -> None:
    chaos = _harness()
    result = await chaos.run_chaos(
        database_url,
        attendees=200,
        orders=5,
        cancelled_orders=1,
        kills=3,
        kill_window=(5.0, 10.0),  # the longest wait for progress before a kill
        workdir=tmp_path,
    )
    print(result.summary())  # shown with -s
    assert result.ok, result.summary()
    # At least one worker died with work half done.
    assert any(0 < done < 200 for done in result.done_at_kills), result.summary()
    assert result.webinars == 1
    assert result.max_requests <= 3
