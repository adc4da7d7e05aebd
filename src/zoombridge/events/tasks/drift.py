"""Drift (E11): Zoom-side changes to a meeting we keep in sync, noticed and described.

Two sources: Zoom's meeting.updated / meeting.deleted webhooks (events.tasks.webhooks) and a
periodic GET of every SYNCED link (here). Drift is shown, never silently overwritten: the organiser
decides (saving the event again sends our version; relinking adopts theirs).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection
from zoombridge.engine import audit
from zoombridge.engine.claims import claim, release
from zoombridge.engine.context import SyncContext
from zoombridge.engine.steps import guard
from zoombridge.events.models import (
    Event,
    EventSession,
    LinkState,
    LinkWant,
    MeetingLink,
    SessionStatus,
)
from zoombridge.events.tasks.links import confirmed_fields, zoom_kind
from zoombridge.events.zoom_body import meeting_body
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


def adopt_zoom_topic(event: Event, session: EventSession | None, topic: str | None) -> bool:
    """An event that takes its meetings' topics from Zoom (a course event: iSpring's "after
    creation the name is changed in Zoom only") keeps a topic changed there for that session's
    meeting, instead of reporting it as drift. True when a new topic was taken over."""
    if not event.topic_from_zoom or session is None or not topic:
        return False
    try:
        if topic == meeting_body(event, session).topic:
            return False
    except ValueError:
        return False
    session.zoom_topic = topic[:255]
    return True


def follow_status(session: EventSession, zoom_status: str | None) -> None:
    """E10 from the periodic read-back (when a webhook was lost): a meeting Zoom shows as
    started is started; a started one Zoom shows as waiting or finished again has ended."""
    if zoom_status == "started" and session.status is SessionStatus.NOT_STARTED:
        session.status = SessionStatus.STARTED
    elif zoom_status in ("waiting", "finished", "ended") and (
        session.status is SessionStatus.STARTED
    ):
        session.status = SessionStatus.FINISHED


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
    checked_at = ctx.now()

    def give_up(link: MeetingLink, message: str) -> None:
        # The link stays as it is (synced); only this check failed, and says so.
        link.last_checked_at = checked_at
        link.last_error = message

    for link_id in ids:
        await guard(
            ctx,
            MeetingLink,
            [link_id],
            partial(_check_one, ctx, link_id),
            doing="comparing this meeting with Zoom",
            give_up=give_up,
        )
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
            {"connection": seen.connection_id, "event": seen.event_id, "link": seen.id},
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
        if ev_session is not None:
            follow_status(ev_session, meeting.status)
        if adopt_zoom_topic(event, ev_session, meeting.topic):
            audit.record(
                session,
                "drift:topic",
                {"connection": seen.connection_id, "event": seen.event_id, "link": seen.id},
                message=f"Topic changed in Zoom to {meeting.topic!r}: taken over.",
                items=0,
            )
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
