"""`Worker`: the loop that makes Zoom agree with the database.

Each pass: connection requests (test access, fetch hosts), stored webhook events, meeting
links, registrations, bookings' meetings, due reminders, the outbox (emails), attendance of
ended meetings, then the periodic drift check. Work is claimed with leases
(sync.claims), every Zoom call happens outside any database transaction, and each outcome is
committed at once, so a killed worker loses at most the calls in flight — which the next
holder of the lease repeats (Zoom keeps one registrant per email, so that is harmless).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.attendance.pull import pull_due_attendance
from zoombridge.events.models import MeetingLink
from zoombridge.notifications.firing import fire_due_reminders
from zoombridge.notifications.sender import send_due_emails
from zoombridge.orders.models import Registration
from zoombridge.settings import Settings
from zoombridge.sync.backoff import Backoff
from zoombridge.sync.bookings import sync_bookings
from zoombridge.sync.claims import release_ids
from zoombridge.sync.clients import WORKER_RETRY, ClientPool
from zoombridge.sync.connections import run_connection_requests
from zoombridge.sync.context import SyncContext
from zoombridge.sync.drift import check_drift
from zoombridge.sync.links import claim_links, sync_link
from zoombridge.sync.registrations import claim_registrations, sync_registrations
from zoombridge.sync.webhooks import apply_pending
from zoombridge.zoom import LimiterRegistry, RetryPolicy

log = logging.getLogger("zoombridge.sync.worker")

DEFAULT_LEASE = timedelta(seconds=60)
# Registrations claimed per round (20 batches of 30): big enough to keep Zoom busy, small
# enough that other workers on the same queue get their share.
DEFAULT_CLAIM_SIZE = 600
DEFAULT_DRIFT_CHECK = timedelta(minutes=15)
# Zoom calls in flight at once. The rate limiters pace the calls; this only has to keep enough
# of them waiting on Zoom's answers to fill the fastest plan's rate: Business Light 80/s at
# 100–200 ms a call is 16 in flight, with margin 24 (4 capped Pro Light near 27 calls/s).
DEFAULT_BATCH_CONCURRENCY = 24
# Rounds of claiming within one pass: rows Zoom's answer left out come back at once, and this
# keeps such a row from holding a pass forever.
_MAX_ROUNDS = 50


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
        worker_id: str | None = None,
        limiters: LimiterRegistry | None = None,
        clock: Callable[[], datetime] = _utcnow,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy = WORKER_RETRY,
        lease: timedelta = DEFAULT_LEASE,
        backoff: Backoff | None = None,
        drift_check_every: timedelta = DEFAULT_DRIFT_CHECK,
        batch_concurrency: int = DEFAULT_BATCH_CONCURRENCY,
        claim_size: int = DEFAULT_CLAIM_SIZE,
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
        )
        self.drift_check_every = drift_check_every
        self.poll_interval = poll_interval
        self.claim_size = claim_size
        self._wake = asyncio.Event()

    def __repr__(self) -> str:
        return f"Worker(worker_id={self.worker_id!r})"

    def wake(self) -> None:
        """Start the next pass now (e.g. after "sync now" in the same process)."""
        self._wake.set()

    async def run_once(self) -> int:
        """One pass over everything due; the number of items processed."""
        ctx = self.context
        done = await run_connection_requests(ctx)
        done += await apply_pending(ctx)
        done += await self._links()
        done += await self._registrations()
        done += await sync_bookings(ctx)
        done += await fire_due_reminders(ctx)
        done += await send_due_emails(ctx)
        done += await pull_due_attendance(ctx)
        done += await check_drift(ctx, self.drift_check_every)
        return done

    async def _links(self) -> int:
        done = 0
        seen: set[uuid.UUID] = set()
        gate = asyncio.Semaphore(self.context.batch_concurrency)
        for _ in range(_MAX_ROUNDS):
            claimed = await claim_links(self.context)
            ids = [i for i in claimed if i not in seen]
            if not ids:
                await self._release(MeetingLink, claimed)
                break
            seen.update(ids)

            async def one(link_id: uuid.UUID) -> bool:
                async with gate:
                    return await sync_link(self.context, link_id)

            results = await asyncio.gather(*(one(i) for i in ids))
            done += sum(results)
        return done

    async def _registrations(self) -> int:
        done = 0
        seen: set[uuid.UUID] = set()
        # Pipelined: the next round is claimed and started while the previous one's calls are
        # still in flight (at most two rounds at once), so Zoom is kept busy across rounds.
        # Claims skip leased rows, so the rounds never share a row.
        running: list[asyncio.Task[int]] = []
        try:
            for _ in range(_MAX_ROUNDS):
                claimed = await claim_registrations(self.context, limit=self.claim_size)
                fresh = [i for i in claimed if i not in seen]
                if not fresh:
                    # Ours again in the same pass: hand them back for the next one.
                    await self._release(Registration, claimed)
                    break
                seen.update(fresh)
                running.append(asyncio.create_task(sync_registrations(self.context, claimed)))
                if len(running) > 1:
                    done += await running.pop(0)
        finally:
            # Never leave a round running unobserved, even when a claim failed.
            for result in await asyncio.gather(*running, return_exceptions=True):
                if isinstance(result, BaseException):
                    raise result
                done += result
        return done

    async def _release(self, model: Any, ids: list[uuid.UUID]) -> None:
        if not ids:
            return

        async def work(session: AsyncSession) -> None:
            await release_ids(session, model, ids, self.worker_id)

        await self.context.transaction(work)

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Pass after pass until `stop` is set; sleeps `poll_interval` when idle."""
        stop = stop or asyncio.Event()
        log.info("worker %s started", self.worker_id)
        try:
            while not stop.is_set():
                try:
                    done = await self.run_once()
                except Exception:  # a bad pass must not end the worker
                    log.exception("worker pass failed; trying again shortly")
                    done = 0
                if done:
                    continue
                self._wake.clear()
                waits = [asyncio.create_task(stop.wait()), asyncio.create_task(self._wake.wait())]
                try:
                    await asyncio.wait(
                        waits, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    for task in waits:
                        task.cancel()
        finally:
            await self.aclose()
            log.info("worker %s stopped", self.worker_id)

    async def aclose(self) -> None:
        await self.clients.aclose()
