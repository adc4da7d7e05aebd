"""Zoom's per-account limits shared by every worker process on one PostgreSQL database.

Zoom limits an ACCOUNT, not a process: N workers each pacing at the full rate would send N times
too much. On PostgreSQL the pacing and the account-wide daily counts therefore live in the
database (tables `rate_slots` and `daily_usage`, migration 0004):

- A call takes the next send slot of its (account, category) with ONE atomic statement
  (`INSERT … ON CONFLICT DO UPDATE SET next_at = greatest(next_at, now) + interval RETURNING`),
  on the database's clock (`clock_timestamp()`), so the processes' clocks do not matter, then
  sleeps until its slot. Its own short autocommit transaction, apart from the caller's work.
- A 429's Retry-After moves `next_at` past the pause, so every process queues behind it; this
  process's waiters also see it at once (they check after sleeping, as the in-memory one does).
- Daily caps counted account-wide (the account's category pools and the 100 creates/updates per
  host) are claimed with one increment-if-below-cap statement. Per-registrant counts stay in
  memory: the registrations table already counts each registrant's sends.

SQLite means one process: `limiters_for` gives the in-memory registry there.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Result, TextClause, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from zoombridge.zoom.daily_caps import CapKey, DailyCaps
from zoombridge.zoom.operations import Category
from zoombridge.zoom.ratelimit import LimiterRegistry, Monotonic, RateLimiter, Sleep

log = logging.getLogger("zoombridge.engine.shared_limits")

# Cap keys counted in the database; others (per registrant) stay in the process.
SHARED_CAP_KINDS = frozenset({"account", "host"})
_CAP_KEY_LENGTH = 160  # daily_usage.cap_key

# :interval and :pause are seconds (float); make_interval turns them into intervals.
_TAKE_SLOT = text(
    """
    INSERT INTO rate_slots AS s (account_id, category, next_at)
    VALUES (:account, :category,
        clock_timestamp() + make_interval(secs => CAST(:interval AS double precision)))
    ON CONFLICT (account_id, category) DO UPDATE
    SET next_at = greatest(s.next_at, clock_timestamp())
        + make_interval(secs => CAST(:interval AS double precision))
    RETURNING s.next_at - make_interval(secs => CAST(:interval AS double precision)) AS slot,
        CAST(extract(epoch FROM s.next_at
            - make_interval(secs => CAST(:interval AS double precision)) - clock_timestamp())
        AS double precision) AS wait
    """
)

_PAUSE = text(
    """
    INSERT INTO rate_slots AS s (account_id, category, next_at)
    VALUES (:account, :category,
        clock_timestamp() + make_interval(secs => CAST(:pause AS double precision)))
    ON CONFLICT (account_id, category) DO UPDATE
    SET next_at = greatest(
        s.next_at, clock_timestamp() + make_interval(secs => CAST(:pause AS double precision)))
    RETURNING s.next_at
    """
)

_CLAIM = text(
    """
    INSERT INTO daily_usage AS u (account_id, cap_key, day, used)
    VALUES (:account, :cap_key, :day, 1)
    ON CONFLICT (account_id, cap_key, day) DO UPDATE SET used = u.used + 1
    WHERE u.used < :limit
    RETURNING u.used
    """
)

_USED = text(
    "SELECT used FROM daily_usage WHERE account_id = :account AND cap_key = :cap_key AND day = :day"
)


@dataclass(frozen=True)
class Slot:
    """A send time handed out by the database, and how long from now (its clock) until it."""

    at: datetime
    wait: float


def _autocommit(engine: AsyncEngine) -> AsyncEngine:
    # Each statement is its own transaction: a slot taken is never held by the caller's work
    # (and never rolled back with it).
    return engine.execution_options(isolation_level="AUTOCOMMIT")


async def _execute(
    engine: AsyncEngine, statement: TextClause, params: Mapping[str, object]
) -> Result[Any]:
    """One statement on its own connection; once more on a fresh connection if the first was
    lost (a restarted database, a cut connection). If the lost one had run after all, the retry
    errs on the safe side: one slot or one daily count too many, never too few."""
    for attempt in (1, 2):
        try:
            async with engine.connect() as conn:
                result = await conn.execute(statement, params)
                # Buffer the rows: the connection goes back to the pool on leaving the block.
                return result.freeze()()
        except DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise
    raise AssertionError("unreachable")


class SharedRateLimiter(RateLimiter):
    """One (account, category)'s pacing, shared through `rate_slots` by every process."""

    def __init__(
        self,
        engine: AsyncEngine,
        account_id: str,
        category: Category,
        rate: float,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(rate, monotonic=monotonic, sleep=sleep)
        self._engine = _autocommit(engine)
        self.account_id = account_id
        self.category = category
        self._pauses: set[asyncio.Task[None]] = set()

    def _params(self) -> dict[str, object]:
        return {"account": self.account_id, "category": self.category.value}

    async def take_slot(self) -> Slot:
        """Reserve the next send slot (one statement, one round trip)."""
        await self.wait_shared()  # a pause this process just saw goes first
        result = await _execute(
            self._engine, _TAKE_SLOT, {**self._params(), "interval": self.interval}
        )
        row = result.one()
        return Slot(at=row.slot, wait=float(row.wait))

    async def acquire(self) -> None:
        while True:
            slot = await self.take_slot()
            if slot.wait > 0:
                await self._sleep(slot.wait)
            if self._paused_until <= self._monotonic():
                return
            # This process saw a 429 while we waited: queue again behind the pause.

    def pause(self, seconds: float) -> None:
        """Zoom answered a per-second 429: nobody on the account sends for `seconds`.

        Local waiters see it at once; the database gets it in the background (the client's
        interface is synchronous), and this process's next slot waits for that write.
        """
        super().pause(seconds)
        until = self._paused_until
        task = asyncio.get_running_loop().create_task(self._share_pause(until))
        self._pauses.add(task)
        task.add_done_callback(self._pauses.discard)

    async def _share_pause(self, until: float) -> None:
        remaining = max(0.0, until - self._monotonic())
        try:
            await _execute(self._engine, _PAUSE, {**self._params(), "pause": remaining})
        except Exception:  # the pause still holds here; another 429 would share it again
            log.warning("could not share a rate-limit pause for %s", self.category.value)

    async def wait_shared(self) -> None:
        """Until every pause this process saw is written to the database."""
        if self._pauses:
            await asyncio.gather(*list(self._pauses))


def _cap_key(key: CapKey) -> str:
    joined = ":".join(key)
    if len(joined) <= _CAP_KEY_LENGTH:
        return joined
    digest = hashlib.sha256(joined.encode()).hexdigest()[:32]
    return f"{joined[: _CAP_KEY_LENGTH - 33]}#{digest}"


def _day(now: datetime) -> str:
    return now.astimezone(UTC).date().isoformat()


class SharedDailyCaps(DailyCaps):
    """An account's daily caps: account pools and per-host counts claimed in `daily_usage`.

    The in-memory counts mirror the last value the database answered, so the client's checks
    before sending (synchronous) see what other processes used up to then; the claim made just
    before each send is the one that decides.
    """

    def __init__(self, engine: AsyncEngine, account_id: str) -> None:
        super().__init__()
        self._engine = _autocommit(engine)
        self.account_id = account_id

    async def claim(self, keys: Sequence[CapKey], limit: int, now: datetime) -> bool:
        shared = [k for k in keys if k and k[0] in SHARED_CAP_KINDS]
        local = [k for k in keys if not (k and k[0] in SHARED_CAP_KINDS)]
        if local and not await super().claim(local, limit, now):
            return False
        # In practice one shared key per call (a pool or a host); with several, a refusal
        # after the first leaves it counted: one call too many counted, never one too few.
        for key in shared:
            if not await self.claim_shared(key, limit, now):
                return False
        return True

    async def claim_shared(self, key: CapKey, limit: int, now: datetime) -> bool:
        """Increment `key`'s count today unless it is at `limit` (one atomic statement)."""
        params = {
            "account": self.account_id,
            "cap_key": _cap_key(key),
            "day": _day(now),
            "limit": limit,
        }
        used = (await _execute(self._engine, _CLAIM, params)).scalar_one_or_none()
        self._remember(key, limit if used is None else int(used), now)
        return used is not None

    async def used_shared(self, key: CapKey, now: datetime) -> int:
        """Today's count of `key` across every process."""
        params = {"account": self.account_id, "cap_key": _cap_key(key), "day": _day(now)}
        used = (await _execute(self._engine, _USED, params)).scalar_one_or_none()
        return int(used or 0)

    def _remember(self, key: CapKey, used: int, now: datetime) -> None:
        self.used(key, now)  # rolls the local day over when it changed
        self._counts[key] = max(self._counts.get(key, 0), used)


class SharedLimiterRegistry(LimiterRegistry):
    """`LimiterRegistry` whose limiters and daily caps live in one PostgreSQL database."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(monotonic=monotonic, sleep=sleep)
        self.engine = engine

    def _new_limiter(self, account_id: str, category: Category, rate: float) -> RateLimiter:
        return SharedRateLimiter(
            self.engine, account_id, category, rate, monotonic=self._monotonic, sleep=self._sleep
        )

    def _new_daily_caps(self, account_id: str) -> DailyCaps:
        return SharedDailyCaps(self.engine, account_id)


def is_shared_database(engine: AsyncEngine) -> bool:
    """Several worker processes may share this database (PostgreSQL; SQLite is one process)."""
    return engine.dialect.name == "postgresql"


def limiters_for(
    bind: AsyncEngine | async_sessionmaker[AsyncSession],
) -> LimiterRegistry:
    """The registry a worker on this database uses: shared on PostgreSQL, in memory otherwise."""
    engine = bind if isinstance(bind, AsyncEngine) else bind.kw.get("bind")
    if isinstance(engine, AsyncEngine) and is_shared_database(engine):
        return SharedLimiterRegistry(engine)
    return LimiterRegistry()


__all__ = [
    "SHARED_CAP_KINDS",
    "SharedDailyCaps",
    "SharedLimiterRegistry",
    "SharedRateLimiter",
    "Slot",
    "is_shared_database",
    "limiters_for",
]
