"""Register N people on a single-occurrence webinar through the client, against the simulator.

The simulator enforces Zoom's limits for the plan and answers after 100-200 ms, like Zoom from
far away. zoombridge batches 30 registrants a call (Heavy category) and paces the calls to the
account's Heavy limit, so the rate limit is the only thing that bounds the run:

    ceiling = N / (30 x Heavy calls per second)     (Pro: 10,000 / 300 per s = 33.3 s)
    efficiency = ceiling / elapsed                  (target >= 0.9, no 429 reaching the caller)

In the same run, the baseline the commercial plugins use: one registrant call per attendee, one
after another, measured on a sample and projected to N.

    ./dev bench register_webinar                      # 10,000 people, Pro, 100-200 ms
    ./dev bench register_webinar --attendees 2000 --plan business
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from zoombridge.simulator import FaultConfig, SimulatorConfig, SimulatorServer
from zoombridge.simulator.ratelimit import WINDOWS
from zoombridge.zoom import (
    BatchRegistrantBody,
    LimiterRegistry,
    MeetingCreate,
    Plan,
    RegistrantCreate,
    SettingsBody,
    ZoomClient,
    ZoomCredentials,
    ZoomError,
)

BATCH = 30
TARGET_EFFICIENCY = 0.9


@dataclass
class Run:
    registered: int
    elapsed: float
    calls: int
    received_429: int
    surfaced_errors: int


def people(prefix: str, count: int) -> list[BatchRegistrantBody]:
    return [
        BatchRegistrantBody(email=f"{prefix}{i}@example.com", first_name="Guest", last_name=str(i))
        for i in range(count)
    ]


async def new_webinar(zoom: ZoomClient, topic: str) -> int:
    body = MeetingCreate(
        topic=topic,
        type=5,
        start_time=datetime.now(UTC).replace(microsecond=0) + timedelta(days=7),
        duration=90,
        timezone="UTC",
        settings=SettingsBody(approval_type=0),
    )
    return (await zoom.create_meeting("webinar", "me", body)).id


async def batched(zoom: ZoomClient, attendees: int) -> Run:
    """zoombridge's way: every batch queued at once; the client's limiter paces them."""
    webinar_id = await new_webinar(zoom, "Benchmark webinar (batched)")
    everyone = people("batched", attendees)
    chunks = [everyone[i : i + BATCH] for i in range(0, attendees, BATCH)]
    calls_before, limited_before = zoom.stats.calls, zoom.stats.rate_limited
    done = 0
    failures = 0
    progress_every = max(1, len(chunks) // 10)

    async def send(index: int, chunk: list[BatchRegistrantBody]) -> None:
        nonlocal done, failures
        try:
            result = await zoom.add_registrants_batch("webinar", webinar_id, chunk)
            done += len(result.registrants)
        except ZoomError as error:
            failures += 1
            print(f"  batch {index} failed: {error}", file=sys.stderr)
        if (index + 1) % progress_every == 0:
            print(f"  … {done:,} registered", file=sys.stderr)

    started = time.perf_counter()
    await asyncio.gather(*(send(i, c) for i, c in enumerate(chunks)))
    elapsed = time.perf_counter() - started
    calls = zoom.stats.calls - calls_before
    received_429 = zoom.stats.rate_limited - limited_before

    confirmed = {r.email async for r in zoom.list_registrants("webinar", webinar_id)}
    missing = {str(p.email) for p in everyone} - confirmed
    if missing:
        print(f"  {len(missing)} attendees missing on Zoom's side", file=sys.stderr)
    return Run(
        registered=len(confirmed),
        elapsed=elapsed,
        calls=calls,
        received_429=received_429,
        surfaced_errors=failures,
    )


async def one_by_one(zoom: ZoomClient, sample: int) -> float:
    """The commercial plugins' way: one registrant call per attendee, each awaited in turn."""
    webinar_id = await new_webinar(zoom, "Benchmark webinar (one by one)")
    started = time.perf_counter()
    for person in people("single", sample):
        await zoom.add_registrant(
            "webinar",
            webinar_id,
            RegistrantCreate(email=person.email, first_name="Guest", last_name=person.last_name),
        )
    return time.perf_counter() - started


async def main(args: argparse.Namespace) -> int:
    plan = Plan(args.plan)
    heavy_calls, window = WINDOWS[args.plan]["Heavy"]
    heavy_per_second = heavy_calls / window
    config = SimulatorConfig(
        plan=args.plan,
        webinar_capacity=max(args.attendees + args.sample, 10_000),
        faults=FaultConfig(latency_ms_min=args.latency_min, latency_ms_max=args.latency_max),
        seed=7,
    )
    with SimulatorServer(config) as sim:
        credentials = ZoomCredentials(
            account_id=config.account_id,
            client_id=config.client_id,
            client_secret=config.client_secret,
        )
        async with ZoomClient(
            credentials,
            plan=plan,
            api_url=sim.api_url,
            oauth_url=sim.oauth_url,
            limiters=LimiterRegistry(),
        ) as zoom:
            print(
                f"registering {args.attendees:,} people on one webinar, {args.plan} plan, "
                f"{args.latency_min:.0f}-{args.latency_max:.0f} ms latency",
                file=sys.stderr,
            )
            run = await batched(zoom, args.attendees)
            print(f"baseline: {args.sample} sequential single registrations…", file=sys.stderr)
            sample_seconds = await one_by_one(zoom, args.sample)

    calls_needed = math.ceil(args.attendees / BATCH)
    ceiling = args.attendees / (BATCH * heavy_per_second)
    efficiency = ceiling / run.elapsed
    baseline = sample_seconds * args.attendees / args.sample
    ok = (
        efficiency >= TARGET_EFFICIENCY
        and run.surfaced_errors == 0
        and run.registered == args.attendees
    )

    print(f"attendees registered      {run.registered:,} of {args.attendees:,}")
    print(f"elapsed                   {run.elapsed:.1f} s")
    print(f"Zoom calls                {run.calls} (minimum {calls_needed})")
    print(f"429s received             {run.received_429}")
    print(f"errors reaching caller    {run.surfaced_errors}")
    print(
        f"rate-limit ceiling        {ceiling:.1f} s "
        f"(Heavy {heavy_per_second:g}/s x {BATCH} per batch = "
        f"{heavy_per_second * BATCH:g} registrants/s)"
    )
    print(f"efficiency                {efficiency:.3f} (target >= {TARGET_EFFICIENCY})")
    print(
        f"baseline one-by-one       {baseline:.0f} s projected "
        f"({args.sample} sequential calls took {sample_seconds:.1f} s)"
    )
    print(f"speed-up vs baseline      {baseline / run.elapsed:.1f}x")
    print(
        f"summary: {args.attendees} registrants {args.plan} {run.elapsed:.1f}s "
        f"efficiency={efficiency:.3f} 429s={run.received_429} "
        f"baseline={baseline:.0f}s ratio={baseline / run.elapsed:.1f}x "
        f"{'OK' if ok else 'BELOW TARGET'}"
    )
    return 0 if ok else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attendees", type=int, default=10_000)
    parser.add_argument("--plan", choices=["free", "pro", "business"], default="pro")
    parser.add_argument("--latency-min", type=float, default=100.0, help="ms")
    parser.add_argument("--latency-max", type=float, default=200.0, help="ms")
    parser.add_argument(
        "--sample", type=int, default=100, help="attendees in the one-by-one baseline sample"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
