"""Scale-out, small: two `zoombridge worker` processes on one PostgreSQL database share the Zoom
account's limits through the database: every registration sent once, no 429s
(bench/scale_out.py runs it full size with 1, 2 and 4 workers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench_loader import load_bench
from tests.fixtures.database import PostgresServer

# A worker claims up to 600 registrations a round: 1,200 keeps both processes sending at once.
REGISTRATIONS = 1_200


@pytest.mark.postgres
@pytest.mark.timeout(300)
async def test_two_worker_processes_register_everyone_once_without_429s(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    bench = load_bench("scale_out")
    result = await bench.run_workers(
        postgres_server.url,
        workers=2,
        registrations=REGISTRATIONS,
        workdir=tmp_path,
        # Small claims, so that one worker cannot take the whole small queue in two rounds.
        claim_size=120,
    )
    print(bench.table([result]))  # shown with -s
    assert result.correct, bench.table([result])
    assert result.registered_rows == REGISTRATIONS
    assert result.zoom_registrants == REGISTRATIONS
    assert result.done_twice == 0
    assert result.missing == 0
    assert result.received_429 == 0
    # Both processes held claimed work while the queue drained (so both were sending).
    assert len(result.owners_seen) == 2, result.owners_seen
    # Batches of 30: the minimum number of batch calls, whichever worker sent them.
    assert result.batch_calls == result.batch_calls_needed == 40
