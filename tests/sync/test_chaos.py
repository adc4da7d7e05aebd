"""Chaos, small: worker processes SIGKILLed mid-run against a faulty simulator, their access
tokens revoked and (on PostgreSQL) their database connections terminated mid-run, end with
Zoom's state equal to the desired state (the harness is bench/chaos.py; the bench runs it full
size)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench_loader import load_bench

ATTENDEES = 120


@pytest.mark.timeout(300)
async def test_killed_workers_and_a_faulty_zoom_end_in_the_desired_state(
    database_url: str, tmp_path: Path
) -> None:
    chaos = load_bench("chaos")
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
