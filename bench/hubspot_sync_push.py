"""One synced webinar pushed to HubSpot by the worker, end to end, against the HubSpot simulator.

N contacts registered for and attended one ended webinar (rows as the contacts domain leaves
them, on a SQLite file). The worker's HubSpot steps push it on the account's real limits (Free:
100 requests per rolling 10 s), with 100-200 ms answers like HubSpot's from afar: the marketing
event, the contacts read before create (live, then deleted ones) and upserted, the register and
attend participations, the event completed; every call audited, every confirmation committed.

    calls      = 2 + 5 x ceil(N / 100)        (10,000 people: 502 calls; 3 for contacts, 2 for
                                               participations per 100, the event and complete)
    ceiling    = (ceil(calls / burst) - 1) x window      (the fastest the window allows)
    efficiency = ceiling / elapsed                       (target >= 0.9, and no 429 at all)

The baseline, one call per contact (read, read deleted, upsert) and per participation, is
bounded by the same limits: 5 x N + 2 calls, projected with the same ceiling. A second push of
the unchanged webinar ("sync now") must make no call at all.

    ./dev bench hubspot_sync_push                    # 10,000 people, Free tier, 100-200 ms
    ./dev bench hubspot_sync_push --people 2000 --tier professional
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.connections.models import ZoomConnection, ZoomPlan
from zoombridge.contacts.models import (
    Contact,
    ContactAttendance,
    ContactRegistration,
    ContactWebinar,
    RegistrationHow,
    RegistrationStatus,
)
from zoombridge.contacts.service.properties import recompute
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.migrate import upgrade_async
from zoombridge.db.session import create_sessionmaker
from zoombridge.hubspot import LimiterRegistry, Tier, limits_for
from zoombridge.hubspot_simulator import FaultConfig, HubSpotSimulatorConfig, HubSpotSimulatorServer
from zoombridge.hubspot_sync import service
from zoombridge.hubspot_sync import tasks as hubspot_tasks
from zoombridge.hubspot_sync.models import HubSpotConnection, HubSpotWebinarPush
from zoombridge.hubspot_sync.tasks import access
from zoombridge.settings import Settings
from zoombridge.worker import Worker

TARGET_EFFICIENCY = 0.9
START = datetime(2030, 5, 6, 14, 0, tzinfo=UTC)


def ceiling_seconds(calls: int, burst: int, window_s: float) -> float:
    return (math.ceil(calls / burst) - 1) * window_s


async def seed(maker: async_sessionmaker[AsyncSession], people: int) -> uuid.UUID:
    async with maker() as session:
        zoom = ZoomConnection(
            name="Zoom",
            account_id="acct",
            client_id="cid",
            client_secret=SecretStr("secret"),
            plan=ZoomPlan.PRO,
            webinar_addon=True,
        )
        session.add(zoom)
        await session.flush()
        webinar = ContactWebinar(
            connection_id=zoom.id,
            zoom_webinar_id=81234567890,
            topic="Benchmark webinar",
            start_at=START,
            duration_minutes=60,
            registration_url="https://zoom.example/webinar/register/81234567890",
            host_email="host@example.com",
            ended=True,
            synced_at=datetime.now(UTC),
        )
        session.add(webinar)
        await session.flush()
        ids = [uuid.uuid4() for _ in range(people)]
        await session.execute(
            insert(Contact),
            [
                {
                    "id": i,
                    "email": f"guest{n}@example.com",
                    "first_name": "Guest",
                    "last_name": str(n),
                }
                for n, i in enumerate(ids)
            ],
        )
        await session.execute(
            insert(ContactRegistration),
            [
                {
                    "id": uuid.uuid4(),
                    "webinar_id": webinar.id,
                    "contact_id": i,
                    "email": f"guest{n}@example.com",
                    "status": RegistrationStatus.REGISTERED,
                    "how": RegistrationHow.ZOOM_FORM,
                    "registered_at": START - timedelta(days=2),
                }
                for n, i in enumerate(ids)
            ],
        )
        await session.execute(
            insert(ContactAttendance),
            [
                {
                    "id": uuid.uuid4(),
                    "webinar_id": webinar.id,
                    "instance_uuid": "inst",
                    "person_key": f"guest{n}@example.com",
                    "contact_id": i,
                    "email": f"guest{n}@example.com",
                    "joins": 1,
                    "first_join": START + timedelta(seconds=n % 300),
                    "last_leave": START + timedelta(minutes=45),
                    "attended_seconds": 2400,
                    "percent": 66.7,
                }
                for n, i in enumerate(ids)
            ],
        )
        await recompute(session, ids)
        await session.commit()
        return webinar.id


async def run(
    people: int, tier: str, latency: tuple[float, float], *, fresh_window: bool = True
) -> bool:
    limits = limits_for(Tier(tier))
    faults = FaultConfig(latency_ms_min=latency[0], latency_ms_max=latency[1])
    config = HubSpotSimulatorConfig(tier=tier, faults=faults, seed=7)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder, HubSpotSimulatorServer(config) as sim:
        engine = create_engine(
            f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", secret_box=SecretBox.generate()
        )
        await upgrade_async(engine)
        maker = create_sessionmaker(engine)
        print(f"seeding {people:,} contacts…", file=sys.stderr)
        webinar_id = await seed(maker, people)
        async with maker() as session:
            row = HubSpotConnection(
                name="bench",
                hub_id=str(config.hub_id),
                access_token=SecretStr(config.token),
                tier=Tier(tier),
                api_url=sim.url,
                missing_scopes={},
                setup_requested_at=datetime.now(UTC),
            )
            session.add(row)
            await session.commit()
            connection_id = row.id
        pool = hubspot_tasks.HubSpotPool(limiters=LimiterRegistry())
        worker = Worker(
            maker,
            Settings(data_dir=Path(folder)),
            hubspot=pool,
            steps=hubspot_tasks.steps(pool),
            lease=timedelta(minutes=5),
        )
        # The property set-up first (its calls are not the push's), then a fresh window.
        await access.run_requests(worker.context, pool)
        async with httpx.AsyncClient(base_url=sim.admin_url) as admin:
            await admin.post("/stats/reset")
            if fresh_window:  # the set-up's calls out of the client's window too
                await asyncio.sleep(limits.window_s)
            await admin.post("/ratelimits/reset")
            print(f"pushing {people:,} people, {tier} tier…", file=sys.stderr)
            began = time.perf_counter()
            while True:
                await worker.run_once()
                async with maker() as session:
                    push = await session.scalar(select(HubSpotWebinarPush))
                if push is not None and not push.push_due:
                    break
            elapsed = time.perf_counter() - began
            stats = (await admin.get("/stats")).json()
            events = (await admin.get(f"/accounts/{config.hub_id}/events")).json()["events"]
            account = (await admin.get(f"/accounts/{config.hub_id}")).json()
            # Sync now with nothing changed.
            async with maker() as session:
                await service.request_push(session, connection_id, webinar_id)
                await session.commit()
            await worker.run_once()
            again = (await admin.get("/stats")).json()["calls"] - stats["calls"]
        await pool.aclose()
        await engine.dispose()
    calls = int(stats["calls"])
    limited = sum(stats["rate_limited"].values())
    needed = 2 + 5 * math.ceil(people / 100)
    ceiling = ceiling_seconds(calls, limits.burst, limits.window_s)
    efficiency = ceiling / elapsed if ceiling > 0 else None
    baseline_calls = 5 * people + 2
    baseline = ceiling_seconds(baseline_calls, limits.burst, limits.window_s)
    states = {p["state"] for p in events[0]["participations"]} if events else set()
    participations = len(events[0]["participations"]) if events else 0
    correct = (
        limited == 0
        and calls == needed
        and int(account["contacts"]) == people
        and participations == 2 * people
        and again == 0
    )
    eff = f"{efficiency:.3f} (target >= {TARGET_EFFICIENCY})" if efficiency else "n/a"
    print(
        "\n".join(
            [
                f"people pushed             {people:,} ({tier} tier, {latency[0]:.0f}-"
                f"{latency[1]:.0f} ms answers)",
                f"contacts / participations in HubSpot  {account['contacts']:,} / "
                f"{participations:,} ({', '.join(sorted(states))})",
                f"elapsed                   {elapsed:.1f} s",
                f"HubSpot calls             {calls} (minimum {needed})",
                f"429s received             {limited}",
                f"rate-limit ceiling        {ceiling:.1f} s ({limits.burst} calls per "
                f"{limits.window_s:g} s rolling window)",
                f"efficiency                {eff}",
                f"baseline one call each    {baseline:.0f} s at the same limits "
                f"({baseline_calls:,} calls)",
                f"ratio vs baseline         {baseline_calls / calls:.1f}x fewer calls, "
                f"{baseline / elapsed:.1f}x faster",
                f"sync now, unchanged       {again} calls",
            ]
        )
    )
    ok = correct and (efficiency is None or efficiency >= TARGET_EFFICIENCY)
    print(
        f"summary: {people} people {tier} {elapsed:.1f}s calls={calls} efficiency="
        f"{efficiency if efficiency is None else round(efficiency, 3)} 429s={limited} "
        f"baseline={baseline:.0f}s {'OK' if ok else 'BELOW TARGET'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--tier", default="free", choices=[t.value for t in Tier])
    parser.add_argument("--latency-ms", type=float, nargs=2, default=(100.0, 200.0))
    args = parser.parse_args()
    return 0 if asyncio.run(run(args.people, args.tier, tuple(args.latency_ms))) else 1


if __name__ == "__main__":
    sys.exit(main())
