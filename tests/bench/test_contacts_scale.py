"""Contacts at scale, small (bench/contacts_scale.py runs it full size): a three-condition
segment finds the same contacts as the hand-written SQL query, and full re-syncs of two
webinars write every person right, in the fewest Zoom calls, without a 429."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.bench_loader import load_bench
from zoombridge.simulator import SimulatorServer


@pytest.mark.timeout(180)
async def test_segments_and_full_resyncs_small(
    db_sessionmaker: async_sessionmaker[AsyncSession], simulator: SimulatorServer, tmp_path: Path
) -> None:
    bench = load_bench("contacts_scale")
    async with db_sessionmaker() as session:
        await bench.add_simulated_connection(session, simulator, name="segments")
        await session.commit()
    segment = await bench.run_segments(db_sessionmaker, contacts=600, webinar_count=12)
    assert segment.same_set
    assert segment.matched > 0
    assert segment.registrations >= 2 * 600

    resyncs = await bench.run_resync(db_sessionmaker, simulator, [30, 330], tmp_path)
    for resync in resyncs:
        assert resync.wrong == [], resync.wrong
        assert resync.received_429 == 0
        assert resync.calls == resync.minimum
        assert (resync.contacts, resync.registrations, resync.attendance_rows) == (
            resync.attendees,
        ) * 3
    # 330 people: two pages of registrants, and report rows over 300 (rejoins, two devices).
    assert resyncs[1].minimum == 3 + 2 + 2 + 1 + 2 + 1
    text = bench.report(segment, resyncs)
    assert "same contacts: True" in text
    assert "memory ratio 330/30" in text
