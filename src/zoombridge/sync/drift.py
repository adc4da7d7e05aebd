"""Drift (E11): Zoom-side changes to a meeting we keep in sync, noticed and described.

Two sources: Zoom's meeting.updated / meeting.deleted webhooks (sync.webhooks) and a periodic
GET of every SYNCED link (here). Drift is shown, never silently overwritten: the organiser
decides (saving the event again sends our version; relinking adopts theirs).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection
from zoombridge.events.models import Event, EventSession, LinkState, LinkWant, MeetingLink
from zoombridge.events.zoom_body import meeting_body
from zoombridge.sync import audit
from zoombridge.sync.claims import claim, release
from zoombridge.sync.context import SyncContext
from zoombridge.sync.links import confirmed_fields, zoom_kind
from zoombridge.zoom import MeetingNotFound, ZoomError
from zoombridge.zoom.models import Meeting


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def differences(
    event: Event,
    session: EventSession | None,
    *,
    topic: str | None,
    start_time: datetime | None,
    duration: int | None,
) -> list[str]:
    """Human sentences for each of topic/start/duration where Zoom differs from the event
    (fields Zoom did not tell are not compared)."""
    try:
        wanted = meeting_body(event, session)
    except ValueError:
        return []
    found: list[str] = []
    if topic is not None and topic != wanted.topic:
        found.append(f"Topic changed in Zoom to {topic!r}")
    if (
        start_time is not None
        and wanted.start_time is not None
        and _utc(start_time) != _utc(wanted.start_time)
    ):
        found.append(f"Start changed in Zoom to {_utc(start_time):%Y-%m-%d %H:%M} UTC")
    if duration is not None and wanted.duration is not None and duration != wanted.duration:
        found.append(f"Duration changed in Zoom to {duration} min")
    return found


def deleted_text(now: datetime) -> str:
    return f"Deleted in Zoom on {now:%Y-%m-%d %H:%M} UTC."


async def check_drift(ctx: SyncContext, every: timedelta, limit: int = 50) -> int:
    """GET each SYNCED link not checked for `every`; note what differs. Links checked."""
    now = ctx.now()

    async def take(session: AsyncSession) -> list[uuid.UUID]:
        return await claim(
            session,
            MeetingLink,
            [
                MeetingLink.state == LinkState.SYNCED,
                MeetingLink.want == LinkWant.PRESENT,
                MeetingLink.zoom_meeting_id.is_not(None),
                or_(
                    MeetingLink.last_checked_at.is_(None),
                    MeetingLink.last_checked_at <= now - every,
                ),
            ],
            owner=ctx.owner,
            now=now,
            lease=ctx.lease,
            limit=limit,
            order_by=[MeetingLink.last_checked_at],
        )

    ids = await ctx.transaction(take)
    for link_id in ids:
        await _check_one(ctx, link_id)
    return len(ids)


async def _check_one(ctx: SyncContext, link_id: uuid.UUID) -> None:
    async def load(session: AsyncSession) -> tuple[MeetingLink, ZoomConnection] | None:
        link = await session.get(MeetingLink, link_id)
        if link is None or link.lease_owner != ctx.owner or link.zoom_meeting_id is None:
            return None
        connection = await session.get(ZoomConnection, link.connection_id)
        assert connection is not None
        return link, connection

    loaded = await ctx.transaction(load)
    if loaded is None:
        return
    seen, connection = loaded
    assert seen.zoom_meeting_id is not None
    zoom = await ctx.clients.client(connection)
    kind = zoom_kind(seen.kind)
    started = time.monotonic()
    meeting: Meeting | None = None
    error: ZoomError | None = None
    try:
        meeting = await zoom.get_meeting(kind, seen.zoom_meeting_id)
    except ZoomError as exc:
        error = exc
    ms = int((time.monotonic() - started) * 1000)
    now = ctx.now()

    async def record(session: AsyncSession) -> None:
        audit.record(
            session,
            kind,
            audit.Concerns(
                connection_id=seen.connection_id, event_id=seen.event_id, link_id=seen.id
            ),
            error=error,
            message="drift check",
            duration_ms=ms,
        )
        link = await session.get(MeetingLink, link_id)
        if link is None or link.lease_owner != ctx.owner:
            return
        release(link)
        link.last_checked_at = now
        if isinstance(error, MeetingNotFound):
            link.drift = deleted_text(now)
            link.drift_detected_at = now
            link.state = LinkState.DELETED
            return
        if meeting is None:
            return  # Zoom unavailable: checked again next round
        link.confirmed = confirmed_fields(meeting)
        if meeting.settings is not None:
            link.approval_type = meeting.settings.approval_type
        if link.state is not LinkState.SYNCED or link.event_id is None:
            return  # a change of ours is on its way: not drift
        event = await session.get(Event, link.event_id)
        ev_session = await session.get(EventSession, link.session_id) if link.session_id else None
        if event is None:
            return
        found = differences(
            event,
            ev_session,
            topic=meeting.topic,
            start_time=meeting.start_time,
            duration=meeting.duration,
        )
        if found:
            text = "; ".join(found) + "."
            if text != link.drift:
                link.drift = text
                link.drift_detected_at = now
        elif link.drift is not None:
            link.drift = None  # Zoom agrees again
            link.drift_detected_at = None

    await ctx.transaction(record)
