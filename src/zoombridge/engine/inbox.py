"""Zoom's webhook events: stored once by the receiver, applied by the worker through the
handlers the domains registered.

Storing is one small insert keyed by a dedupe key (`dedupe_key`), so Zoom's retries and replays
are stored once and the answer goes out well within Zoom's 3 seconds. Applying happens in the
worker's inbox step: events are read oldest first, a chunk per transaction (a storm of
participant events is thousands of tiny writes: one commit each would bound the rate by the
disk), and each is handed to the handlers registered for its action — the part of the event
name after the object, `meeting.updated` → `updated` — by the composition root
(`zoombridge.worker`): events, orders and attendance each handle their own.

Each event is applied in a savepoint of its own, so one broken event is recorded on its row
(`error`, tried again next pass, up to MAX_APPLY_ATTEMPTS times, then left for a person with
its reason) and the others are applied. Bulk handlers (attendance marks) take all events of
their actions in the chunk at once; when that fails, each event is applied alone, so the one
broken event is found and the rest still go in. An event no handler wants is marked processed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.engine.context import SyncContext, log
from zoombridge.engine.models import InboundWebhook
from zoombridge.engine.steps import Step, describe

MAX_APPLY_ATTEMPTS = 5
# Events applied per transaction.
APPLY_CHUNK = 100

WebhookHandler = Callable[[AsyncSession, InboundWebhook, datetime], Awaitable[None]]
BulkWebhookHandler = Callable[[AsyncSession, Sequence[InboundWebhook]], Awaitable[None]]


def payload_object(body: dict[str, Any]) -> dict[str, Any]:
    """`payload.object` of a Zoom event body, or {} when it is missing or not an object."""
    payload = body.get("payload")
    obj = payload.get("object") if isinstance(payload, dict) else None
    return obj if isinstance(obj, dict) else {}


def dedupe_key(body: dict[str, Any]) -> str:
    """The same delivery (retried or replayed by Zoom) gives the same key; different events
    about the same object differ in event name, timestamp or the person concerned."""
    obj = payload_object(body)
    participant = obj.get("participant")
    registrant = obj.get("registrant")
    person: dict[str, Any] = {}
    if isinstance(participant, dict):
        person = participant
    elif isinstance(registrant, dict):
        person = registrant
    parts = [
        str(body.get("event", "")),
        str(body.get("event_ts", "")),
        str(obj.get("id", "")),
        str(obj.get("uuid", "")),
        str(person.get("participant_uuid") or person.get("user_id") or ""),
        str(person.get("id") or person.get("email") or ""),
        str(person.get("join_time") or person.get("leave_time") or ""),
        json.dumps(
            [o.get("occurrence_id") for o in obj.get("occurrences") or [] if isinstance(o, dict)]
        ),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def parse_time(value: Any) -> datetime | None:
    """A Zoom time string ("2030-05-01T15:00:00Z") as an aware datetime; None when it is not."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def meeting_id_of(obj: dict[str, Any]) -> int | None:
    # Zoom sends the id as a string in *.started/*.ended/participant events, a number elsewhere.
    raw = obj.get("id")
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def event_time(webhook: InboundWebhook) -> datetime:
    """When Zoom says the event happened (its `event_ts`, milliseconds)."""
    return datetime.fromtimestamp(webhook.event_ts / 1000, tz=UTC)


def action_of(webhook: InboundWebhook) -> str:
    """`meeting.participant_joined` → `participant_joined`."""
    return webhook.event.partition(".")[2]


@dataclass
class WebhookRoutes:
    """Which handlers apply an event, by its action."""

    handlers: dict[str, list[WebhookHandler]] = field(default_factory=dict)
    bulk: dict[str, BulkWebhookHandler] = field(default_factory=dict)

    def on(self, actions: Iterable[str], handler: WebhookHandler) -> None:
        for action in actions:
            found = self.handlers.setdefault(action, [])
            if handler not in found:
                found.append(handler)

    def on_bulk(self, actions: Iterable[str], handler: BulkWebhookHandler) -> None:
        for action in actions:
            self.bulk[action] = handler


def inbox_step(routes: WebhookRoutes, limit: int = 100) -> Step:
    async def run(ctx: SyncContext) -> int:
        return await apply_pending(ctx, routes, limit)

    return Step("webhooks", run)


async def apply_pending(ctx: SyncContext, routes: WebhookRoutes, limit: int = 100) -> int:
    """Apply stored events not yet processed (oldest first); how many were handled."""

    async def pending(session: AsyncSession) -> list[uuid.UUID]:
        rows = await session.scalars(
            select(InboundWebhook.id)
            .where(
                InboundWebhook.processed_at.is_(None),
                InboundWebhook.attempts < MAX_APPLY_ATTEMPTS,
            )
            .order_by(InboundWebhook.event_ts, InboundWebhook.received_at)
            .limit(limit)
        )
        return list(rows)

    ids = await ctx.transaction(pending, reads_first=True)  # a read: no write lock
    done = 0
    for first in range(0, len(ids), APPLY_CHUNK):
        done += await _apply_chunk(ctx, routes, ids[first : first + APPLY_CHUNK])
    return done


def _failed(webhook: InboundWebhook, exc: BaseException) -> None:
    log.error("applying webhook %s (%s) failed: %s", webhook.id, webhook.event, describe(exc))
    left = MAX_APPLY_ATTEMPTS - webhook.attempts
    then = f"tried again ({left} more time(s))" if left > 0 else "not tried again"
    webhook.error = f"Could not apply this event ({describe(exc)}); {then}."[:2000]


async def _apply_one(
    session: AsyncSession, routes: WebhookRoutes, webhook: InboundWebhook, now: datetime
) -> None:
    action = action_of(webhook)
    try:
        async with session.begin_nested():
            bulk = routes.bulk.get(action)
            if bulk is not None:
                await bulk(session, [webhook])
            for handler in routes.handlers.get(action, ()):
                await handler(session, webhook, now)
    except Exception as exc:  # one broken event must not stop the others
        _failed(webhook, exc)
        return
    webhook.processed_at = now
    webhook.error = None


async def _apply_chunk(
    ctx: SyncContext, routes: WebhookRoutes, webhook_ids: list[uuid.UUID]
) -> int:
    now = ctx.now()

    async def work(session: AsyncSession) -> int:
        query = (
            select(InboundWebhook)
            .where(InboundWebhook.id.in_(webhook_ids), InboundWebhook.processed_at.is_(None))
            .order_by(InboundWebhook.event_ts, InboundWebhook.received_at)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)  # another worker's are skipped
        handled = 0
        grouped: dict[str, list[InboundWebhook]] = {}
        for webhook in (await session.scalars(query)).all():
            handled += 1
            webhook.attempts += 1
            action = action_of(webhook)
            if action in routes.bulk and not routes.handlers.get(action):
                # The storm's bulk: no per-event savepoint, one write for the chunk below.
                grouped.setdefault(action, []).append(webhook)
                continue
            await _apply_one(session, routes, webhook, now)
        for action, webhooks in grouped.items():
            try:
                async with session.begin_nested():
                    await routes.bulk[action](session, webhooks)
            except Exception as exc:
                log.warning(
                    "applying %d %s events together failed (%s); applying each alone",
                    len(webhooks),
                    action,
                    describe(exc),
                )
                for webhook in webhooks:
                    await _apply_one(session, routes, webhook, now)
            else:
                for webhook in webhooks:
                    webhook.processed_at = now
                    webhook.error = None
        return handled

    return await ctx.transaction(work)
