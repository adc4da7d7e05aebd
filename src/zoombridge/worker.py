"""The worker process: `Worker` (the engine's loop with every domain's steps) and the
`zoombridge worker` command that runs it (several may run at once on PostgreSQL)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge import wiring
from zoombridge.engine import worker as engine
from zoombridge.engine.steps import DatabaseUnavailable, Step
from zoombridge.hubspot_sync.tasks import HubSpotPool
from zoombridge.settings import Settings

DEFAULT_BATCH_CONCURRENCY = engine.DEFAULT_BATCH_CONCURRENCY
DEFAULT_CLAIM_SIZE = engine.DEFAULT_CLAIM_SIZE
DEFAULT_DRIFT_CHECK = wiring.DEFAULT_DRIFT_CHECK


# A batch of 30 that is still filling (orders arriving) waits at most this long for the rest:
# calls stay at the minimum, and a registration is sent well within a second.
DEFAULT_BATCH_FILL_MS = 250.0


class Worker(engine.Worker):
    """The engine's worker with every domain's steps (`zoombridge.wiring.worker_steps`), and the
    domains' signals connected (the steps write through the same services as requests do)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        drift_check_every: timedelta = DEFAULT_DRIFT_CHECK,
        steps: Sequence[Step] | None = None,
        hubspot: HubSpotPool | None = None,
        **options: Any,
    ) -> None:
        wiring.connect_signals()
        # HubSpot's clients for this process (tests and the demo pass their own).
        self.hubspot = hubspot or HubSpotPool(settings.hubspot_api_url)
        super().__init__(
            sessionmaker,
            settings,
            steps=steps
            if steps is not None
            else wiring.worker_steps(drift_check_every=drift_check_every, hubspot=self.hubspot),
            **options,
        )

    async def aclose(self) -> None:
        await super().aclose()
        await self.hubspot.aclose()


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run the sync engine that makes Zoom agree with the database",
        description="Claim due work (meetings, registrations, connection checks, webhook "
        "events) and carry it out on Zoom. Stop with Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--id", dest="worker_id", help="this worker's name in leases and logs")
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=1.0,
        help="seconds to wait when there is nothing to do (default 1)",
    )
    parser.add_argument(
        "--drift-check-minutes",
        type=float,
        default=15.0,
        help="how often each synced meeting is compared with Zoom (default 15)",
    )
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=60.0,
        help="how long a claim lasts before another worker may take the row over (default 60)",
    )
    parser.add_argument(
        "--retry-base-seconds",
        type=float,
        default=5.0,
        help="first wait before retrying a failed Zoom call; doubles per attempt (default 5)",
    )
    parser.add_argument(
        "--retry-max-seconds",
        type=float,
        default=600.0,
        help="longest wait between retries (default 600)",
    )
    parser.add_argument(
        "--process-limits",
        action="store_true",
        help="pace Zoom calls in this process only, even on PostgreSQL (ignores other worker "
        "processes on the account: for comparisons, or a deployment with exactly one worker)",
    )
    parser.add_argument(
        "--claim-size",
        type=int,
        default=None,
        metavar="N",
        help="registrations claimed per round (default 600; smaller shares a small queue "
        "more evenly between workers)",
    )
    parser.add_argument(
        "--batch-fill-ms",
        type=float,
        default=DEFAULT_BATCH_FILL_MS,
        metavar="MS",
        help="how long a part-filled registration batch of a single-occurrence meeting waits "
        f"for rows still arriving (default {DEFAULT_BATCH_FILL_MS:g} ms; 0 sends at once)",
    )
    parser.add_argument(
        "--batch-concurrency",
        type=int,
        default=None,
        metavar="N",
        help="Zoom calls in flight at once (default 24: enough to fill Business rates at "
        "100-200 ms a call; the rate limits still pace them)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from zoombridge.db.readiness import worker_database_problem
    from zoombridge.settings import get_settings

    settings = get_settings()
    # Checked before logging is set up: a database that cannot be used is one line on stderr.
    problem = worker_database_problem(settings)
    if problem is not None:
        print(f"zoombridge worker: {problem}", file=sys.stderr)
        return 1
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return asyncio.run(_main(args))


async def _main(args: argparse.Namespace) -> int:
    from zoombridge.db.engine import create_engine_from_settings
    from zoombridge.db.session import create_sessionmaker
    from zoombridge.engine.backoff import Backoff
    from zoombridge.engine.shared_limits import limiters_for
    from zoombridge.settings import get_settings
    from zoombridge.zoom import LimiterRegistry

    settings = get_settings()
    # On SQLite the worker says when it waits for the write lock, and serve lets it in.
    engine = create_engine_from_settings(settings, sqlite_write_turns="announce")
    worker = Worker(
        create_sessionmaker(engine),
        settings,
        worker_id=args.worker_id,
        # On PostgreSQL every worker process paces the Zoom account through the database.
        limiters=LimiterRegistry() if args.process_limits else limiters_for(engine),
        poll_interval=args.poll_interval,
        drift_check_every=timedelta(minutes=args.drift_check_minutes),
        lease=timedelta(seconds=args.lease_seconds),
        backoff=Backoff(base=args.retry_base_seconds, cap=args.retry_max_seconds),
        batch_concurrency=args.batch_concurrency or DEFAULT_BATCH_CONCURRENCY,
        claim_size=args.claim_size or DEFAULT_CLAIM_SIZE,
        batch_fill_wait=max(args.batch_fill_ms, 0.0) / 1000,
    )
    try:
        if args.once:
            try:
                done = await worker.run_once()
            except DatabaseUnavailable as exc:
                print(f"zoombridge worker: cannot use the database: {exc}", file=sys.stderr)
                return 1
            finally:
                await worker.aclose()
            print(f"worker {worker.worker_id}: {done} item(s) processed")
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await worker.run_forever(stop)
        return 0
    finally:
        await engine.dispose()
