"""Chaos, small: worker processes SIGKILLed mid-run against a faulty simulator, their access
tokens revoked and (on PostgreSQL) their database connections terminated mid-run, end with
Zoom's state equal to the desired state (the harness is bench/chaos.py; the bench runs it full
size)."""

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


ATTENDEES = 120


@pytest.mark.timeout(300)
async def test_killed_workers_and_a_faulty_zoom_end_in_the_desired_state(
    database_url: str, tmp_path: Path
) -> None:
    chaos = _harness()
    result = await chaos.run_chaos(
        database_url,
        attendees=ATTENDEES,
        orders=4,
        cancelled_orders=1,
        kills=2,  # the first gets its tokens revoked, the second its database connections cut
        # The longest wait for a worker's first progress (a loaded machine starts a process
        # slowly); a worker is killed soon after it, not at the end of the window.
        kill_window=(30.0, 30.0),
        fault_window=30.0,
        workdir=tmp_path,
        say=print,  # the timeline, shown with -s
    )
    print(result.summary())  # shown with -s
    assert result.ok, result.summary()
    # At least one worker died with work half done.
    assert any(0 < done < ATTENDEES for done in result.done_at_kills), result.summary()
    assert result.webinars == 1
    assert result.max_requests <= 3

    faults = {f.name: f for f in result.faults}
    revoked = faults[chaos.REVOKE]
    assert revoked.survived, result.summary()
    assert result.rejected_tokens >= 1, "the revoked token was never refused: no real fault"
    if database_url.startswith("postgresql"):
        cut = faults[chaos.DB_RESTART]
        assert cut.worker_alive, result.summary()
        assert cut.survived, result.summary()
        assert not cut.detail.startswith("0 "), result.summary()  # the worker's were among them
    else:
        assert chaos.DB_RESTART not in faults
        assert any("SQLite" in why for why in result.skipped_faults), result.summary()
