"""A small webhook storm through the ASGI app: 500 signed participant events (repeats, out of
order) from concurrent senders are all answered, stored once each, applied by the worker, and
give everyone the attendance that was sent (harness: bench/webhook_storm.py)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from tests.bench_loader import load_bench
from tests.fixtures.api import ApiHarness
from tests.sync.conftest import WorkerFactory, World
from zoombridge.connections.models import ZoomKind
from zoombridge.events.models import LinkMode


@pytest.mark.timeout(180)
async def test_small_storm_is_stored_once_and_attendance_is_right(
    api: ApiHarness, world: World, make_worker: WorkerFactory
) -> None:
    bench = load_bench("webhook_storm")
    connection = await world.connect(webhook_secret_token=SecretStr(bench.SECRET))
    event, _ = await world.event(
        ZoomKind.WEBINAR, mode=LinkMode.LINKED, zoom_meeting_id=bench.MEETING_ID
    )
    storm = bench.build_storm(500, 200, duplicates=0.1)
    assert len(storm.bodies) == 500
    assert storm.unique < 500  # some are sent twice

    sent = await bench.send_storm(
        api.anonymous, f"/webhooks/zoom/{connection.id}", storm.bodies, clients=8
    )
    assert sent.errors == 0
    assert sent.statuses["stored"] == storm.unique
    assert sent.statuses["duplicate"] == 500 - storm.unique
    assert await bench.stored_count(world.maker) == storm.unique

    applied, _ = await bench.apply_all(make_worker().context)
    assert applied == storm.unique
    assert await bench.check(world.maker, event.id, storm.expected) == []
    # Someone rejoined: the check covers merging, not only single visits.
    assert any(joins > 1 for _, joins in storm.expected.values())
