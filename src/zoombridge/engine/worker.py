"""`Worker`: the loop that runs the steps the domains registered, pass after pass.

The engine knows no domain: the steps come from the composition root (`zoombridge.worker`),
in the order given there. Work is claimed with leases (engine.claims), every outside call
happens outside any database transaction, and each outcome is committed at once, so a killed
worker loses at most the calls in flight — which the next holder of the lease repeats.

A step that fails as a whole is logged and the next step still runs (engine.steps); within a
step a failure stays with its item.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.engine.backoff import Backoff
from zoombridge.engine.clients import WORKER_RETRY, ClientPool
from zoombridge.engine.context import SyncContext
from zoombridge.engine.steps import DatabaseUnavailable, Step, run_step
from zoombridge.settings import Settings
from zoombridge.zoom import LimiterRegistry, RetryPolicy

log = logging.getLogger("zoombridge.engine.worker")

DEFAULT_LEASE = timedelta(seconds=60)
# Items claimed per round by the steps that claim many (registrations: 20 batches of 30).
DEFAULT_CLAIM_SIZE = 600
# Zoom calls in flight at once. The rate limiters pace the calls; this only has to keep enough
# of them waiting on Zoom's answers to fill the fastest plan's rate: Business Light 80/s at
# 100–200 ms a call is 16 in flight, with margin 24 (4 capped Pro Light near 27 calls/s).
DEFAULT_BATCH_CONCURRENCY = 24
# While the database is away the worker waits this long between passes, doubling from the poll
# interval: a restart is noticed within seconds, an outage costs a few log-free tries a minute.
MAX_DATABASE_WAIT_S = 30.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        steps: Sequence[Step],
        worker_id: str | None = None,
        limiters: LimiterRegistry | None = None,
        clock: Callable[[], datetime] = _utcnow,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy = WORKER_RETRY,
        lease: timedelta = DEFAULT_LEASE,
        backoff: Backoff | None = None,
        batch_concurrency: int = DEFAULT_BATCH_CONCURRENCY,
        claim_size: int = DEFAULT_CLAIM_SIZE,
        batch_fill_wait: float = 0.0,
        poll_interval: float = 0.5,
    ) -> None:
        self.worker_id = (worker_id or default_worker_id())[:64]
        # On PostgreSQL (several workers may run) Zoom's limits are paced through the database.
        self.clients = ClientPool(
            settings,
            limiters=limiters,
            database=sessionmaker,
            transport=transport,
            clock=clock,
            retry=retry,
        )
        self.context = SyncContext(
            sessionmaker=sessionmaker,
            clients=self.clients,
            clock=clock,
            owner=self.worker_id,
            lease=lease,
            backoff=backoff or Backoff(),
            batch_concurrency=batch_concurrency,
            claim_size=claim_size,
            batch_fill_wait=batch_fill_wait,
        )
        self.steps = tuple(steps)
        self.poll_interval = poll_interval
        # The latest failure of each step that failed as a whole in its latest run (shown by
        # the health check and logs); a step's entry goes when it runs cleanly again.
        self.step_failures: dict[str, str] = {}
        # Set while the database is unavailable (what it said), for the health check and logs.
        self.database_down: str | None = None
        self._wake = asyncio.Event()

    def __repr__(self) -> str:
        return f"Worker(worker_id={self.worker_id!r})"

    def wake(self) -> None:
        """Start the next pass now (e.g. after "sync now" in the same process)."""
        self._wake.set()

    async def run_once(self) -> int:
        """One pass over every step; the number of items processed."""
        done = 0
        for step in self.steps:
            handled, failure = await run_step(self.context, step)
            done += handled
            if failure is None:
                self.step_failures.pop(step.name, None)
            else:
                self.step_failures[step.name] = failure
        return done

    def _database_state(self, trouble: str | None) -> None:
        """Log the database going away and coming back: once each, not at every pass."""
        if trouble is not None and self.database_down is None:
            log.warning("database unavailable: %s The worker waits and tries again.", trouble)
        elif trouble is None and self.database_down is not None:
            log.info("database available again; the worker goes on")
        self.database_down = trouble

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Pass after pass until `stop` is set; sleeps `poll_interval` when idle, and longer
        (doubling up to MAX_DATABASE_WAIT_S) while the database is unavailable."""
        stop = stop or asyncio.Event()
        log.info("worker %s started", self.worker_id)
        wait = self.poll_interval
        try:
            while not stop.is_set():
                try:
                    done = await self.run_once()
                    self._database_state(None)
                    wait = self.poll_interval
                except DatabaseUnavailable as exc:
                    self._database_state(exc.trouble.message)
                    done = 0
                    wait = min(MAX_DATABASE_WAIT_S, max(wait * 2, self.poll_interval, 0.5))
                except Exception:  # a bad pass must not end the worker
                    log.exception("worker pass failed; trying again shortly")
                    done = 0
                if done:
                    continue
                await self._idle(stop, wait)
        finally:
            await self.aclose()
            log.info("worker %s stopped", self.worker_id)

    async def _idle(self, stop: asyncio.Event, seconds: float) -> None:
        self._wake.clear()
        waits = [asyncio.create_task(stop.wait()), asyncio.create_task(self._wake.wait())]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()

    async def aclose(self) -> None:
        await self.clients.aclose()
