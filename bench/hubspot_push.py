"""Push one webinar's attendees to HubSpot through the client, against the HubSpot simulator.

N attendees become contacts (batch upsert by email) and each gets a registration and an
attendance with joined/left times (participations by email), on the account's real limits
(Free: 100 requests per rolling 10 s), with 100-200 ms answers like HubSpot's from afar.
zoombridge sends 100 inputs a call and paces the calls to the window, so the limit is the only
thing that bounds the run:

    calls    = 1 event + 3 x ceil(N / 100)                 (10,000 people: 301 calls)
    ceiling  = (ceil(calls / burst) - 1) x window          (the fastest the window allows: 30 s)
    efficiency = ceiling / elapsed                         (target >= 0.9, and no 429 at all)

In the same run, the baseline of one call per contact and per participation, measured on a
sample one call after another and projected to N (bounded by the same limits).

    ./dev bench hubspot_push                    # 10,000 attendees, Free tier, 100-200 ms
    ./dev bench hubspot_push --attendees 2000 --tier professional
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from zoombridge.hubspot import (
    BATCH_INPUTS,
    ContactInput,
    HubSpotClient,
    LimiterRegistry,
    MarketingEventCreate,
    Participant,
    SubscriberState,
    Tier,
    limits_for,
)
from zoombridge.hubspot_simulator import FaultConfig, HubSpotSimulatorConfig, HubSpotSimulatorServer

TARGET_EFFICIENCY = 0.9
EVENT_ID = "bench-webinar"


@dataclass(frozen=True)
class Scenario:
    attendees: int = 10_000
    tier: str = "free"
    latency_min_ms: float = 100.0
    latency_max_ms: float = 200.0
    sample: int = 20


@dataclass
class Result:
    scenario: Scenario
    elapsed: float
    calls: int
    calls_needed: int
    received_429: int
    failed_inputs: int
    contacts: int
    registered: int
    attended: int
    ceiling: float
    burst: int
    window_s: float
    sample_seconds: float
    baseline: float

    @property
    def efficiency(self) -> float | None:
        return self.ceiling / self.elapsed if self.ceiling > 0 else None

    @property
    def correct(self) -> bool:
        n = self.scenario.attendees
        return (
            self.failed_inputs == 0
            and self.received_429 == 0
            and self.calls == self.calls_needed
            and (self.contacts, self.registered, self.attended) == (n, n, n)
        )

    @property
    def ok(self) -> bool:
        return self.correct and (self.efficiency is None or self.efficiency >= TARGET_EFFICIENCY)

    def report(self) -> str:
        s = self.scenario
        efficiency = (
            f"{self.efficiency:.3f} (target >= {TARGET_EFFICIENCY})"
            if self.efficiency is not None
            else "n/a (every call fits in the first window)"
        )
        lines = [
            f"attendees pushed          {s.attendees:,} ({s.tier} tier, "
            f"{s.latency_min_ms:.0f}-{s.latency_max_ms:.0f} ms answers)",
            f"contacts / registered / attended in HubSpot  "
            f"{self.contacts:,} / {self.registered:,} / {self.attended:,}",
            f"elapsed                   {self.elapsed:.1f} s",
            f"HubSpot calls             {self.calls} (minimum {self.calls_needed})",
            f"429s received             {self.received_429}",
            f"inputs failed             {self.failed_inputs}",
            f"rate-limit ceiling        {self.ceiling:.1f} s "
            f"({self.burst} calls per {self.window_s:g} s rolling window)",
            f"efficiency                {efficiency}",
            f"baseline one call each    {self.baseline:.0f} s projected "
            f"({3 * s.attendees:,} calls; {3 * s.sample} sequential calls took "
            f"{self.sample_seconds:.1f} s)",
            f"speed-up vs baseline      {self.baseline / self.elapsed:.1f}x",
        ]
        return "\n".join(lines)

    def summary(self) -> str:
        s = self.scenario
        efficiency = f"{self.efficiency:.3f}" if self.efficiency is not None else "n/a"
        return (
            f"summary: {s.attendees} attendees {s.tier} {self.elapsed:.1f}s calls={self.calls} "
            f"efficiency={efficiency} 429s={self.received_429} baseline={self.baseline:.0f}s "
            f"ratio={self.baseline / self.elapsed:.1f}x {'OK' if self.ok else 'BELOW TARGET'}"
        )


def ceiling_seconds(calls: int, burst: int, window_s: float) -> float:
    """The least time `calls` requests take when any window may hold `burst` of them."""
    return (math.ceil(calls / burst) - 1) * window_s


def people(
    prefix: str, count: int, start: datetime
) -> list[tuple[ContactInput, Participant, Participant]]:
    rows = []
    for i in range(count):
        email = f"{prefix}{i}@example.com"
        joined = start + timedelta(seconds=i % 300)
        rows.append(
            (
                ContactInput(email, {"firstname": "Guest", "lastname": str(i)}),
                Participant(email, start - timedelta(days=1)),
                Participant(
                    email, joined, joined_at=joined, left_at=joined + timedelta(minutes=45)
                ),
            )
        )
    return rows


async def push(
    hs: HubSpotClient, rows: list[tuple[ContactInput, Participant, Participant]], start: datetime
) -> int:
    """zoombridge's way: the event, then every batch of each kind queued at once."""
    await hs.create_marketing_event(
        MarketingEventCreate(
            EVENT_ID, "Benchmark webinar", "zoombridge", start, start + timedelta(hours=1)
        )
    )
    failed = 0
    failed += len((await hs.upsert_contacts([r[0] for r in rows])).failed)
    failed += len(
        (
            await hs.record_participations(EVENT_ID, SubscriberState.REGISTER, [r[1] for r in rows])
        ).failed
    )
    failed += len(
        (
            await hs.record_participations(EVENT_ID, SubscriberState.ATTEND, [r[2] for r in rows])
        ).failed
    )
    return failed


async def one_by_one(
    hs: HubSpotClient, rows: list[tuple[ContactInput, Participant, Participant]]
) -> float:
    """The baseline: one call per contact and per participation, each awaited in turn."""
    await hs.create_marketing_event(MarketingEventCreate(EVENT_ID, "Baseline", "zoombridge"))
    started = time.perf_counter()
    for contact, registration, attendance in rows:
        await hs.upsert_contacts([contact])
        await hs.record_participations(EVENT_ID, SubscriberState.REGISTER, [registration])
        await hs.record_participations(EVENT_ID, SubscriberState.ATTEND, [attendance])
    return time.perf_counter() - started


async def run_scenario(scenario: Scenario) -> Result:
    tier = Tier(scenario.tier)
    limits = limits_for(tier)
    faults = (
        FaultConfig(latency_ms_min=scenario.latency_min_ms, latency_ms_max=scenario.latency_max_ms)
        if scenario.latency_max_ms
        else FaultConfig()
    )
    config = HubSpotSimulatorConfig(tier=scenario.tier, faults=faults, seed=7)  # type: ignore[arg-type]
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    with HubSpotSimulatorServer(config) as sim:
        async with HubSpotClient(
            config.token,
            hub_id=config.hub_id,
            tier=tier,
            base_url=sim.url,
            limiters=LimiterRegistry(),
        ) as hs:
            rows = people("guest", scenario.attendees, start)
            print(
                f"pushing {scenario.attendees:,} attendees, {scenario.tier} tier…", file=sys.stderr
            )
            began = time.perf_counter()
            failed = await push(hs, rows, start)
            elapsed = time.perf_counter() - began
            calls, limited = hs.stats.calls, hs.stats.rate_limited
            details = await hs.get_marketing_event(EVENT_ID)
        async with httpx.AsyncClient(base_url=sim.admin_url) as admin:
            state = (await admin.get(f"/accounts/{config.hub_id}")).json()
            baseline_account = (await admin.post("/accounts", json={"tier": scenario.tier})).json()
        async with HubSpotClient(
            baseline_account["token"],
            hub_id=baseline_account["hub_id"],
            tier=tier,
            base_url=sim.url,
            limiters=LimiterRegistry(),
        ) as hs:
            print(f"baseline: {scenario.sample} attendees one call at a time…", file=sys.stderr)
            sample_seconds = await one_by_one(hs, people("single", scenario.sample, start))
    calls_needed = 1 + 3 * math.ceil(scenario.attendees / BATCH_INPUTS)
    baseline_calls = 3 * scenario.attendees
    baseline = max(
        sample_seconds * scenario.attendees / max(1, scenario.sample),
        ceiling_seconds(baseline_calls, limits.burst, limits.window_s),
    )
    return Result(
        scenario=scenario,
        elapsed=elapsed,
        calls=calls,
        calls_needed=calls_needed,
        received_429=limited,
        failed_inputs=failed,
        contacts=int(state["contacts"]),
        registered=details.registrants,
        attended=details.attendees,
        ceiling=ceiling_seconds(calls, limits.burst, limits.window_s),
        burst=limits.burst,
        window_s=limits.window_s,
        sample_seconds=sample_seconds,
        baseline=baseline,
    )


async def main(args: argparse.Namespace) -> int:
    result = await run_scenario(
        Scenario(
            attendees=args.attendees,
            tier=args.tier,
            latency_min_ms=args.latency_min,
            latency_max_ms=args.latency_max,
            sample=args.sample,
        )
    )
    print(result.report())
    print(result.summary())
    return 0 if result.ok else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--attendees", type=int, default=10_000)
    parser.add_argument("--tier", choices=[t.value for t in Tier], default="free")
    parser.add_argument("--latency-min", type=float, default=100.0, help="ms")
    parser.add_argument("--latency-max", type=float, default=200.0, help="ms")
    parser.add_argument(
        "--sample", type=int, default=20, help="attendees in the one-call-each baseline sample"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
