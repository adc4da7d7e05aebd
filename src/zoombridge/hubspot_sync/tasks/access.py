"""The worker's side of "test access" and of the property set-up for a HubSpot connection.

A request is a stamp on the connection (`test_requested_at`, `setup_requested_at`); the worker
calls HubSpot outside any transaction, then records the outcome and clears the stamp it saw
(a request made meanwhile stays, for a fresh run).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.engine.context import SyncContext, log
from zoombridge.engine.steps import describe
from zoombridge.hubspot import FEATURES, HubSpotError
from zoombridge.hubspot_sync import properties
from zoombridge.hubspot_sync.models import HubSpotConnection
from zoombridge.hubspot_sync.tasks import auditing
from zoombridge.hubspot_sync.tasks.clients import HubSpotPool


async def _clear(
    session: AsyncSession, connection_id: uuid.UUID, column: str, seen: datetime
) -> None:
    field = getattr(HubSpotConnection, column)
    await session.execute(
        update(HubSpotConnection)
        .where(HubSpotConnection.id == connection_id, field == seen)
        .values({column: None})
        .execution_options(synchronize_session=False)
    )


async def run_requests(ctx: SyncContext, pool: HubSpotPool) -> int:
    """Every connection's pending test and set-up; how many were run."""

    async def pending(session: AsyncSession) -> list[HubSpotConnection]:
        rows = await session.scalars(
            select(HubSpotConnection).where(
                HubSpotConnection.test_requested_at.is_not(None)
                | HubSpotConnection.setup_requested_at.is_not(None)
            )
        )
        return list(rows)

    done = 0
    for row in await ctx.transaction(pending):
        if row.test_requested_at is not None:
            await _guarded(ctx, row, "testing access", test_access(ctx, pool, row))
            done += 1
        if row.setup_requested_at is not None:
            await _guarded(ctx, row, "making the Zoom properties", set_up(ctx, pool, row))
            done += 1
    return done


async def _guarded(
    ctx: SyncContext, row: HubSpotConnection, doing: str, work: Awaitable[None]
) -> None:
    try:
        await work
    except Exception as exc:  # one connection's failure must not stop the others
        log.exception("%s for HubSpot connection %s failed", doing, row.id)
        message = f"Something went wrong while {doing} ({describe(exc)}); try again."

        async def record(session: AsyncSession) -> None:
            found = await session.get(HubSpotConnection, row.id)
            if found is None:
                return
            auditing.record(
                session,
                "worker",
                {"hubspot_connection": row.id},
                message=message,
                outcome=auditing.Outcome.FAILED,
            )
            if doing.startswith("testing") and row.test_requested_at is not None:
                await _clear(session, row.id, "test_requested_at", row.test_requested_at)
                found.last_tested_at = ctx.now()
                found.last_test_ok = False
                found.last_test_error = message
            elif row.setup_requested_at is not None:
                await _clear(session, row.id, "setup_requested_at", row.setup_requested_at)
                found.setup_error = message

        try:
            await ctx.transaction(record)
        except Exception:
            log.exception("could not record the failure of HubSpot connection %s", row.id)


async def test_access(ctx: SyncContext, pool: HubSpotPool, row: HubSpotConnection) -> None:
    """Prove the token and name each missing scope with the feature that needs it."""
    assert row.test_requested_at is not None
    requested = row.test_requested_at
    client = await pool.client(row)
    started = time.monotonic()
    report = await client.test_access()
    now = ctx.now()
    missing = {FEATURES[key].label: scopes for key, scopes in report.missing.items()}

    async def record(session: AsyncSession) -> None:
        found = await session.get(HubSpotConnection, row.id)
        if found is None:
            return
        subjects: dict[str, uuid.UUID | None] = {"hubspot_connection": row.id}
        if not report.token_valid:
            auditing.record(
                session,
                "test_access",
                subjects,
                message=" ".join(report.messages),
                outcome=auditing.Outcome.FAILED,
                started=started,
            )
        for check in report.checks:
            auditing.record(
                session,
                check.operation,
                subjects,
                message=f"{check.scope}: {check.status}"
                + (f" ({check.detail})" if check.detail else ""),
                outcome=auditing.Outcome.OK
                if check.status == "granted"
                else auditing.Outcome.FAILED,
            )
        await _clear(session, row.id, "test_requested_at", requested)
        found.last_tested_at = now
        found.last_test_ok = report.ok
        found.last_test_error = " ".join(report.messages) or None
        found.missing_scopes = missing
        # Scopes granted at last: the properties can be made now.
        if report.ok and found.setup_done_at is None and found.setup_requested_at is None:
            found.setup_requested_at = now

    await ctx.transaction(record)


async def set_up(ctx: SyncContext, pool: HubSpotPool, row: HubSpotConnection) -> None:
    """The property group and every Zoom property (409 = it exists: fine)."""
    assert row.setup_requested_at is not None
    requested = row.setup_requested_at
    client = await pool.client(row)
    calls: list[tuple[str, HubSpotError | None, str, float]] = []
    error: HubSpotError | None = None
    started = time.monotonic()
    try:
        group = await client.create_property_group(properties.GROUP)
        calls.append(("groups.create", None, _made(group.created, properties.GROUP.name), started))
        for definition in properties.PROPERTIES:
            started = time.monotonic()
            made = await client.create_property(definition)
            calls.append(("properties.create", None, _made(made.created, definition.name), started))
    except HubSpotError as exc:
        error = exc
        calls.append((exc.operation or "properties.create", exc, "", started))
    now = ctx.now()

    async def record(session: AsyncSession) -> None:
        found = await session.get(HubSpotConnection, row.id)
        if found is None:
            return
        for operation, err, message, at in calls:
            auditing.record(
                session,
                operation,
                {"hubspot_connection": row.id},
                error=err,
                message=message,
                started=at,
            )
        # A failure that may pass (HubSpot down, limits) keeps the request for the next pass.
        if error is None or not error.retryable:
            await _clear(session, row.id, "setup_requested_at", requested)
        if error is None:
            found.setup_done_at = now
            found.setup_error = None
        else:
            found.setup_error = f"The Zoom properties could not be made: {error.user_message}"

    await ctx.transaction(record)


def _made(created: bool, name: str) -> str:
    return f"{name} {'created' if created else 'exists already'}"
