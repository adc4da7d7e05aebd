"""Chaos on the HubSpot side while a webinar is pushed: 5xx, 429s and dropped connections from
the simulator, and a worker killed mid-push whose lease another worker takes over. Every
contact and every participation arrives exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.fixtures.hubspot_simulator import HubSpotAdmin
from tests.hubspot_sync.conftest import WorkerFactory
from tests.hubspot_sync.helpers import CrmWorld, settle
from zoombridge.hubspot_sync.models import HubSpotParticipation, HubSpotWebinarPush

REGISTERED = [f"person{n:03d}@example.com" for n in range(260)]
ATTENDED = {email: 10 + n % 50 for n, email in enumerate(REGISTERED[:170])}
CANCELLED = REGISTERED[200:230]


async def test_every_contact_and_participation_arrives_exactly_once(
    crm: CrmWorld, hubspot_worker: WorkerFactory, hubspot_admin: HubSpotAdmin
) -> None:
    hub = crm.sim.config.hub_id
    await crm.connect_hubspot()
    # Connected and the properties made before the webinar is synced and the faults start.
    first = hubspot_worker(worker_id="first")
    await settle(first)
    webinar = await crm.webinar()
    await crm.people(webinar, REGISTERED, attended=ATTENDED, cancelled=CANCELLED)
    hubspot_admin.faults(error_rate=0.12, rate_429=0.1, drop_rate=0.1)

    # The first worker is killed mid-push (its lease stays behind, as after a SIGKILL).
    calls_before = hubspot_admin.stats()["calls"]

    async def keep_going() -> None:
        while True:
            await first.run_once()

    running = asyncio.create_task(keep_going())
    for _ in range(400):
        await asyncio.sleep(0.02)
        if hubspot_admin.stats()["calls"] >= calls_before + 6 or running.done():
            break
    killed_mid_push = not running.done()
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)

    # Another worker, its clock past the dead one's lease, finishes the push.
    later = hubspot_worker(
        worker_id="second", clock=lambda: datetime.now(UTC) + timedelta(minutes=5)
    )
    await settle(later, passes=400)
    hubspot_admin.faults(error_rate=0.0, rate_429=0.0, drop_rate=0.0)
    await settle(later)

    [push] = await crm.all(select(HubSpotWebinarPush))
    assert push.push_due is False, push.last_error
    contacts = Counter(c["email"] for c in hubspot_admin.contacts(hub, include_archived=True))
    assert set(contacts) == set(REGISTERED)
    assert set(contacts.values()) == {1}
    [event] = hubspot_admin.events(hub)
    seen = Counter((p["email"], p["state"]) for p in event["participations"])
    expected = Counter(
        [(e, "REGISTERED") for e in REGISTERED]
        + [(e, "ATTENDED") for e in ATTENDED]
        + [(e, "CANCELLED") for e in CANCELLED]
    )
    assert seen == expected
    rows = await crm.all(select(HubSpotParticipation))
    assert len(rows) == len(expected)
    assert all(r.sent_at is not None for r in rows)
    # The faults really happened, and the first worker died with work left.
    assert killed_mid_push
    stats = hubspot_admin.stats()
    assert sum(stats["dropped"].values()) > 0
    assert sum(stats["rate_limited"].values()) > 0
