"""What Zoom's webhook events mean for events and their meetings (applied by the engine's inbox):

- meeting/webinar.started / .ended -> the matching EventSession becomes started / finished (E10);
- meeting/webinar.updated -> drift text when Zoom now differs from the event (a change we sent
  ourselves matches the event, so it only refreshes the confirmed fields);
- meeting/webinar.deleted -> drift and state DELETED (unless we deleted it ourselves).

`links_for` finds the links of an event's meeting; orders and attendance use it for theirs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.engine import audit
from zoombridge.engine.inbox import WebhookRoutes, meeting_id_of, parse_time, payload_object
from zoombridge.engine.models import InboundWebhook, Outcome
from zoombridge.events.models import (
    Event,
    EventSession,
    LinkState,
    LinkWant,
    MeetingLink,
    SessionStatus,
)
from zoombridge.events.tasks.drift import adopt_zoom_topic, deleted_text, differences


async def links_for(session: AsyncSession, webhook: InboundWebhook) -> list[MeetingLink]:
    """The links (of the webhook's connection) to the meeting the event is about."""
    meeting_id = meeting_id_of(payload_object(webhook.payload))
    if meeting_id is None:
        return []
    rows = await session.scalars(
        select(MeetingLink).where(
            MeetingLink.connection_id == webhook.connection_id,
            MeetingLink.zoom_meeting_id == meeting_id,
        )
    )
    return list(rows)


async def on_started_or_ended(
    session: AsyncSession, webhook: InboundWebhook, now: datetime
) -> None:
    obj = payload_object(webhook.payload)
    started = webhook.event.endswith(".started")
    for link in await links_for(session, webhook):
        await _session_status(session, link, obj, started)


async def _session_status(
    session: AsyncSession, link: MeetingLink, obj: dict[str, Any], started: bool
) -> None:
    status = SessionStatus.STARTED if started else SessionStatus.FINISHED
    target: EventSession | None = None
    if link.session_id is not None:
        target = await session.get(EventSession, link.session_id)
    elif link.event_id is not None:
        event = await session.get(Event, link.event_id)
        sessions = list(event.sessions) if event is not None else []
        occurrence = obj.get("occurrence_id")
        start = parse_time(obj.get("start_time"))
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


async def on_updated(session: AsyncSession, webhook: InboundWebhook, now: datetime) -> None:
    obj = payload_object(webhook.payload)
    for link in await links_for(session, webhook):
        await _updated(session, link, obj, now)


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
    topic = obj.get("topic") if isinstance(obj.get("topic"), str) else None
    if adopt_zoom_topic(event, ev_session, topic):
        audit.record(
            session,
            "webhook:updated",
            {"connection": link.connection_id, "event": link.event_id, "link": link.id},
            outcome=Outcome.OK,
            message=f"Topic changed in Zoom to {topic!r}: taken over.",
            items=0,
        )
    duration = obj.get("duration")
    found = differences(
        event,
        ev_session,
        topic=obj.get("topic") if isinstance(obj.get("topic"), str) else None,
        start_time=parse_time(obj.get("start_time")) if not obj.get("occurrences") else None,
        duration=duration if isinstance(duration, int) and not obj.get("occurrences") else None,
    )
    confirmed = dict(link.confirmed or {})
    for key in ("topic", "duration", "timezone"):
        if key in obj:
            confirmed[key] = obj[key]
    if "start_time" in obj and not obj.get("occurrences"):
        start = parse_time(obj["start_time"])
        confirmed["start_time"] = start.isoformat() if start else None
    link.confirmed = confirmed
    if found:
        link.drift = "; ".join(found) + "."
        link.drift_detected_at = now
        audit.record(
            session,
            "webhook:updated",
            {"connection": link.connection_id, "event": link.event_id, "link": link.id},
            outcome=Outcome.OK,
            message=f"Drift: {link.drift}",
            items=0,
        )


async def on_deleted(session: AsyncSession, webhook: InboundWebhook, now: datetime) -> None:
    obj = payload_object(webhook.payload)
    for link in await links_for(session, webhook):
        _deleted(session, link, obj, now)


def _deleted(session: AsyncSession, link: MeetingLink, obj: dict[str, Any], now: datetime) -> None:
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
        {"connection": link.connection_id, "event": link.event_id, "link": link.id},
        outcome=Outcome.OK,
        message=f"Drift: {link.drift}",
        items=0,
    )


def route(routes: WebhookRoutes) -> None:
    """Register the events domain's handlers with the inbox."""
    routes.on(("started", "ended"), on_started_or_ended)
    routes.on(("updated",), on_updated)
    routes.on(("deleted",), on_deleted)
