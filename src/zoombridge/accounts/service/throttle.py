"""Sign-in throttled: failures counted per account and per client address, in the database so
that every `serve` process sees the same counts.

After `free` failures of a key (an account, or an address across accounts) each further failure
makes it wait before the next attempt: the first delay, then twice that, up to a ceiling. A
waiting key is refused without checking the password (429 with Retry-After), the same way for
registered and unknown emails. A success clears the account's count, not the address's (else
one valid account would let its holder go on guessing others'). A key with no failure for a day
is forgotten.

On PostgreSQL the attempts for one account take turns (a transaction-level advisory lock), so
parallel guesses cannot all pass the check before any failure is counted; on SQLite the write
transaction every form post takes already makes them take turns.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import SignInFailures, User
from zoombridge.accounts.service.auth import authenticate_user
from zoombridge.db.base import utc_now

FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class ThrottlePolicy:
    free_per_account: int = 5
    free_per_address: int = 20
    first_delay_s: int = 15
    max_delay_s: int = 15 * 60

    def delay(self, failures: int, free: int) -> timedelta | None:
        """The wait after the `failures`-th failure of a key allowed `free` of them."""
        if failures < free:
            return None
        seconds = min(self.max_delay_s, self.first_delay_s * 2 ** min(failures - free, 30))
        return timedelta(seconds=seconds)


@dataclass(frozen=True)
class SignInOutcome:
    user: User | None
    retry_after_s: int | None = None  # set: refused without checking, wait this long


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _keys(email: str, address: str) -> tuple[str, str]:
    return _key("account", email.strip().lower()), _key("address", address)


async def _take_turns(session: AsyncSession, key: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        lock_id = int.from_bytes(bytes.fromhex(key)[:8], "big", signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


async def _waiting(session: AsyncSession, keys: tuple[str, ...], now: datetime) -> int | None:
    until = await session.scalar(
        select(func.max(SignInFailures.blocked_until)).where(
            SignInFailures.key.in_(keys), SignInFailures.blocked_until > now
        )
    )
    if until is None:
        return None
    # Stored without a zone on SQLite: aggregate results skip the column type.
    if until.tzinfo is None:
        until = until.replace(tzinfo=now.tzinfo)
    return max(1, math.ceil((until - now).total_seconds()))


async def _count_failure(
    session: AsyncSession, key: str, free: int, policy: ThrottlePolicy, now: datetime
) -> None:
    # An upsert, so that two processes counting the first failure of a key do not collide.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stale = SignInFailures.last_failure_at < now - FORGET_AFTER
    statement = (
        insert(SignInFailures)
        .values(key=key, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[SignInFailures.key],
            set_={
                "failures": case((stale, 1), else_=SignInFailures.failures + 1),
                "last_failure_at": now,
            },
        )
        .returning(SignInFailures.failures)
    )
    failures = int((await session.execute(statement)).scalar_one())
    wait = policy.delay(failures, free)
    if wait is not None:
        await session.execute(
            update(SignInFailures).where(SignInFailures.key == key).values(blocked_until=now + wait)
        )


async def attempt_sign_in(
    session: AsyncSession,
    email: str,
    password: str,
    address: str,
    policy: ThrottlePolicy,
) -> SignInOutcome:
    """Check the password unless the account or the address must wait; count a failure."""
    account, client = _keys(email, address)
    await _take_turns(session, account)
    now = utc_now()
    wait = await _waiting(session, (account, client), now)
    if wait is not None:
        return SignInOutcome(None, wait)
    user = await authenticate_user(session, email, password)
    if user is not None:
        await session.execute(delete(SignInFailures).where(SignInFailures.key == account))
        return SignInOutcome(user)
    await _count_failure(session, account, policy.free_per_account, policy, now)
    await _count_failure(session, client, policy.free_per_address, policy, now)
    await session.execute(
        delete(SignInFailures).where(SignInFailures.last_failure_at < now - FORGET_AFTER)
    )
    return SignInOutcome(None)


async def forget_account(session: AsyncSession, email: str) -> None:
    """Clear an account's failures (its password was just set by someone allowed to)."""
    account, _ = _keys(email, "")
    await session.execute(delete(SignInFailures).where(SignInFailures.key == account))
