"""Zoom's webhook events: stored once by the receiver (sync.api), applied by the worker.

Storing is one small insert keyed by a dedupe key, so Zoom's retries and replays are stored
once and the answer goes out well within Zoom's 3 seconds. Applying happens in the worker:

- meeting/webinar.started / .ended -> the matching EventSession becomes started / finished (E10);
- meeting/webinar.updated -> drift text when Zoom now differs from the event (a change we sent
  ourselves matches the event, so it only refreshes the confirmed fields);
- meeting/webinar.deleted -> drift and state DELETED (unless we deleted it ourselves);
- registration_created / _approved -> confirms a registration we wanted;
- registration_cancelled / _denied of someone we want registered -> the row stops (FAILED) with
  a note. We do NOT register them again by ourselves: a cancellation in Zoom is usually the
  organiser's decision there, and re-registering would undo it behind their back (and spend the
  person's daily registration requests). "Retry" on the row registers them again;
- participant_joined / _left -> one attendance mark each (attendance.store: a duplicate or
  replay collapses into the mark already stored; out-of-order arrival does not matter, the
  marks are paired by time when attendance is read);
- meeting/webinar.ended -> also the participants report of that instance is due (one
  AttendancePull, pulled once by the worker's attendance step);
- anything else -> kept, marked processed.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.attendance.merge import MarkKind
from zoombridge.attendance.models import AttendancePull, MarkSource
from zoombridge.attendance.store import add_marks, mark_row
from zoombridge.events.models import (
    Event,
    EventSession,
    LinkState,
    LinkWant,
    MeetingLink,
    SessionStatus,
)
from zoombridge.orders.models import Registration, RegistrationState, RegistrationWant
from zoombridge.sync import audit
from zoombridge.sync.context import SyncContext, log
from zoombridge.sync.drift import deleted_text, differences
from zoombridge.sync.models import InboundWebhook, Outcome

MAX_APPLY_ATTEMPTS = 5
_PARTICIPANT_EVENT = re.compile(r"^(meeting|webinar)\.participant_(joined|left)$")
# Events applied per transaction.
APPLY_CHUNK = 100


def _object(body: dict[str, Any]) -> dict[str, Any]:
    payload = body.get("payload")
    obj = payload.get("object") if isinstance(payload, dict) else None
    return obj if isinstance(obj, dict) else {}


def dedupe_key(body: dict[str, Any]) -> str:
    """The same delivery (retried or replayed by Zoom) gives the same key; different events
    about the same object differ in event name, timestamp or the person concerned."""
    obj = _object(body)
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


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _meeting_id(obj: dict[str, Any]) -> int | None:
    # Zoom sends the id as a string in *.started/*.ended/participant events, a number elsewhere.
    try:
        return int(obj.get("id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


async def apply_pending(ctx: SyncContext, limit: int = 100) -> int:
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

    ids = await ctx.transaction(pending)
    done = 0
    for first in range(0, len(ids), APPLY_CHUNK):
        done += await _apply_chunk(ctx, ids[first : first + APPLY_CHUNK])
    return done


async def _apply_chunk(ctx: SyncContext, webhook_ids: list[uuid.UUID]) -> int:
    """Apply several events in one transaction (a storm of participant events is thousands of
    tiny writes: one commit each would bound the rate by the disk); each event in its own
    savepoint, so one broken event is recorded and skipped without undoing the others."""
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
        link_cache: dict[tuple[uuid.UUID, int], list[uuid.UUID]] = {}
        marks: list[dict[str, Any]] = []
        marked: list[InboundWebhook] = []
        for webhook in (await session.scalars(query)).all():
            handled += 1
            webhook.attempts += 1
            if _PARTICIPANT_EVENT.match(webhook.event):
                # The storm's bulk: no per-event savepoint, one insert for the chunk below.
                marks.extend(await _participant_marks(session, webhook, link_cache))
                marked.append(webhook)
                continue
            try:
                async with session.begin_nested():
                    await apply_event(session, webhook, now)
            except Exception as exc:  # one broken event must not stop the others
                log.exception("applying webhook %s (%s) failed", webhook.id, webhook.event)
                webhook.error = f"{type(exc).__name__}: {exc}"[:2000]
                continue
            webhook.processed_at = now
            webhook.error = None
        if marked:
            try:
                async with session.begin_nested():
                    await add_marks(session, marks)
            except Exception as exc:
                log.exception("storing %d attendance marks failed", len(marks))
                for webhook in marked:
                    webhook.error = f"{type(exc).__name__}: {exc}"[:2000]
            else:
                for webhook in marked:
                    webhook.processed_at = now
                    webhook.error = None
        return handled

    return await ctx.transaction(work)


async def _links(
    session: AsyncSession, webhook: InboundWebhook, obj: dict[str, Any]
) -> list[MeetingLink]:
    meeting_id = _meeting_id(obj)
    if meeting_id is None:
        return []
    rows = await session.scalars(
        select(MeetingLink).where(
            MeetingLink.connection_id == webhook.connection_id,
            MeetingLink.zoom_meeting_id == meeting_id,
        )
    )
    return list(rows)


async def apply_event(session: AsyncSession, webhook: InboundWebhook, now: datetime) -> None:
    body = webhook.payload
    obj = _object(body)
    name = webhook.event
    _, _, action = name.partition(".")
    links = await _links(session, webhook, obj)
    for link in links:
        if action in ("started", "ended"):
            await _session_status(session, link, obj, action)
            if action == "ended":
                await _report_due(session, link, obj, now)
        elif action in ("participant_joined", "participant_left"):
            await add_marks(session, [_participant_mark(link.id, obj, webhook, action)])
        elif action == "updated":
            await _updated(session, link, obj, now)
        elif action == "deleted":
            await _deleted(session, link, obj, now)
        elif action in ("registration_created", "registration_approved"):
            await _registered(session, link, obj, webhook)
        elif action in ("registration_cancelled", "registration_denied"):
            await _cancelled(session, link, obj, webhook, action)


async def _session_status(
    session: AsyncSession, link: MeetingLink, obj: dict[str, Any], action: str
) -> None:
    status = SessionStatus.STARTED if action == "started" else SessionStatus.FINISHED
    target: EventSession | None = None
    if link.session_id is not None:
        target = await session.get(EventSession, link.session_id)
    elif link.event_id is not None:
        event = await session.get(Event, link.event_id)
        sessions = list(event.sessions) if event is not None else []
        occurrence = obj.get("occurrence_id")
        start = _parse_time(obj.get("start_time"))
        by_occurrence = [s for s in sessions if occurrence and s.zoom_occurrence_id == occurrence]
        if by_occurrence:
            target = by_occurrence[0]
        elif start is not None and sessions:
            # The instance that started is the session starting closest to it (same day).
            nearest = min(sessions, key=lambda s: abs(s.start_at - start))
            if abs(nearest.start_at - start) <= timedelta(hours=12):
                target = nearest
        elif len(sessions) == 1:
            target = sessions[0]
    if target is None:
        return
    if status is SessionStatus.STARTED and target.status is SessionStatus.FINISHED:
        return  # a late "started" after "ended": keep finished
    target.status = status


async def _report_due(
    session: AsyncSession, link: MeetingLink, obj: dict[str, Any], now: datetime
) -> None:
    instance = str(obj.get("uuid") or "")[:64]
    known = await session.scalar(
        select(AttendancePull.id).where(
            AttendancePull.link_id == link.id, AttendancePull.instance_uuid == instance
        )
    )
    if known is None:
        session.add(AttendancePull(link_id=link.id, instance_uuid=instance, not_before=now))


async def _participant_marks(
    session: AsyncSession,
    webhook: InboundWebhook,
    link_cache: dict[tuple[uuid.UUID, int], list[uuid.UUID]],
) -> list[dict[str, Any]]:
    """The attendance mark of a participant event, for each link of its meeting."""
    obj = _object(webhook.payload)
    meeting_id = _meeting_id(obj)
    if meeting_id is None:
        return []
    key = (webhook.connection_id, meeting_id)
    if key not in link_cache:
        link_cache[key] = [link.id for link in await _links(session, webhook, obj)]
    action = webhook.event.partition(".")[2]
    return [_participant_mark(link_id, obj, webhook, action) for link_id in link_cache[key]]


def _participant_mark(
    link_id: uuid.UUID, obj: dict[str, Any], webhook: InboundWebhook, action: str
) -> dict[str, Any]:
    raw = obj.get("participant")
    person: dict[str, Any] = raw if isinstance(raw, dict) else {}
    joined = action == "participant_joined"
    at = _parse_time(person.get("join_time" if joined else "leave_time")) or _event_time(webhook)
    zoom_id = (
        person.get("id") or person.get("participant_user_id") or person.get("participant_uuid")
    )
    return mark_row(
        link_id=link_id,
        instance_uuid=str(obj.get("uuid") or ""),
        email=str(person.get("email") or ""),
        zoom_id=str(zoom_id or ""),
        name=str(person.get("user_name") or ""),
        source=MarkSource.WEBHOOK,
        kind=MarkKind.JOIN if joined else MarkKind.LEAVE,
        at=at,
        connection=str(person.get("user_id") or ""),
    )


async def _updated(
    session: AsyncSession, link: MeetingLink, obj: dict[str, Any], now: datetime
) -> None:
    if "settings" in obj and isinstance(obj["settings"], dict):
        approval = obj["settings"].get("approval_type")
        if isinstance(approval, int):
            link.approval_type = approval
    # A change of ours still on its way (or just sent) is not drift: the worker reads it back.
    if link.state is not LinkState.SYNCED or link.desired_version != link.synced_version:
        return
    if link.event_id is None:
        return
    event = await session.get(Event, link.event_id)
    if event is None:
        return
    ev_session = await session.get(EventSession, link.session_id) if link.session_id else None
    duration = obj.get("duration")
    found = differences(
        event,
        ev_session,
        topic=obj.get("topic") if isinstance(obj.get("topic"), str) else None,
        start_time=_parse_time(obj.get("start_time")) if not obj.get("occurrences") else None,
        duration=duration if isinstance(duration, int) and not obj.get("occurrences") else None,
    )
    confirmed = dict(link.confirmed or {})
    for key in ("topic", "duration", "timezone"):
        if key in obj:
            confirmed[key] = obj[key]
    if "start_time" in obj and not obj.get("occurrences"):
        start = _parse_time(obj["start_time"])
        confirmed["start_time"] = start.isoformat() if start else None
    link.confirmed = confirmed
    if found:
        link.drift = "; ".join(found) + "."
        link.drift_detected_at = now
        audit.record(
            session,
            "webhook:updated",
            audit.Concerns(
                connection_id=link.connection_id, event_id=link.event_id, link_id=link.id
            ),
            outcome=Outcome.OK,
            message=f"Drift: {link.drift}",
            items=0,
        )


async def _deleted(
    session: AsyncSession, link: MeetingLink, obj: dict[str, Any], now: datetime
) -> None:
    if link.want is LinkWant.ABSENT:
        return  # our own deletion
    occurrences = [o for o in obj.get("occurrences") or [] if isinstance(o, dict)]
    if occurrences:
        ids = ", ".join(str(o.get("occurrence_id")) for o in occurrences)
        link.drift = f"Occurrence(s) {ids} deleted in Zoom on {now:%Y-%m-%d %H:%M} UTC."
    else:
        link.drift = deleted_text(now)
        link.state = LinkState.DELETED
    link.drift_detected_at = now
    audit.record(
        session,
        "webhook:deleted",
        audit.Concerns(connection_id=link.connection_id, event_id=link.event_id, link_id=link.id),
        outcome=Outcome.OK,
        message=f"Drift: {link.drift}",
        items=0,
    )


def _registrant(obj: dict[str, Any]) -> dict[str, Any]:
    registrant = obj.get("registrant")
    return registrant if isinstance(registrant, dict) else {}


async def _registration(
    session: AsyncSession, link: MeetingLink, email: str
) -> Registration | None:
    return (
        await session.scalars(
            select(Registration).where(
                Registration.link_id == link.id, Registration.email == email.lower()
            )
        )
    ).one_or_none()


def _event_time(webhook: InboundWebhook) -> datetime:
    return datetime.fromtimestamp(webhook.event_ts / 1000, tz=UTC)


async def _registered(
    session: AsyncSession, link: MeetingLink, obj: dict[str, Any], webhook: InboundWebhook
) -> None:
    person = _registrant(obj)
    email = str(person.get("email") or "")
    row = await _registration(session, link, email) if email else None
    if row is None or row.want is not RegistrationWant.REGISTERED:
        return  # registered in Zoom directly: not ours to manage
    if person.get("id") and not row.zoom_registrant_id:
        row.zoom_registrant_id = str(person["id"])
    if person.get("join_url") and not row.join_url:
        row.join_url = str(person["join_url"])
    if (
        row.state in (RegistrationState.PENDING, RegistrationState.DEFERRED)
        and row.zoom_registrant_id
        and row.join_url
    ):
        # Our request reached Zoom but its answer was lost: Zoom's word saves a resend.
        row.state = RegistrationState.REGISTERED
        row.confirmed_at = _event_time(webhook)
        row.not_before = None
        row.last_error = None


async def _cancelled(
    session: AsyncSession,
    link: MeetingLink,
    obj: dict[str, Any],
    webhook: InboundWebhook,
    action: str,
) -> None:
    person = _registrant(obj)
    email = str(person.get("email") or "")
    row = await _registration(session, link, email) if email else None
    if row is None or row.want is not RegistrationWant.REGISTERED:
        return  # agrees with what we want (our own cancellation, or not ours)
    at = _event_time(webhook)
    if row.state is not RegistrationState.REGISTERED or (
        row.confirmed_at is not None and row.confirmed_at > at
    ):
        return  # older than our latest registration of them, or we are at it already
    verb = "cancelled" if action == "registration_cancelled" else "denied"
    row.state = RegistrationState.FAILED
    row.last_error = (
        f"Registration {verb} in Zoom on {at:%Y-%m-%d %H:%M} UTC, while the order still wants "
        "it. Not registered again automatically; retry this registration to register them "
        "again."
    )
    audit.record(
        session,
        f"webhook:{action}",
        audit.Concerns(
            connection_id=link.connection_id,
            event_id=link.event_id,
            link_id=link.id,
            registration_id=row.id,
        ),
        outcome=Outcome.FAILED,
        message=row.last_error,
        items=0,
    )
