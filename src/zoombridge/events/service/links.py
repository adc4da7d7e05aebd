"""A plan written onto the event: its session rows and the meeting links they use, each link's
desired state bumped when Zoom must see a change (E6), links no longer used released."""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.errors import NotFoundError
from zoombridge.events.models import (
    DayMode,
    Event,
    EventSession,
    LinkMode,
    LinkState,
    LinkWant,
    MeetingLink,
    SessionKind,
    SessionStatus,
)
from zoombridge.events.service.planning import EventPlan, ZoomTarget


def apply_plan(event: Event, plan: EventPlan) -> list[tuple[EventSession | None, ZoomTarget]]:
    """Write the plan onto the event and its sessions; return the meetings it should have.

    Sessions are matched by kind and position, so moving a day keeps its row and its meeting.
    """
    event.connection_id = plan.connection.id
    event.topic = plan.topic
    event.agenda = plan.agenda
    event.start_at = plan.start.astimezone(UTC)
    event.timezone = plan.timezone
    event.duration_minutes = plan.duration
    event.location = plan.location
    event.capacity = plan.capacity
    event.host_zoom_user_id = plan.host_zoom_user_id
    event.host_email = plan.host_email
    event.registration_enabled = plan.registration_enabled
    event.zoom_confirmation_email = plan.zoom_confirmation_email
    event.day_mode = plan.day_mode
    event.slot_duration_minutes = plan.slot_duration
    event.own_session_meetings = plan.own_session_meetings
    event.department_id = plan.department_id

    targets: list[tuple[EventSession | None, ZoomTarget]] = []
    if plan.event_zoom is not None:
        targets.append((None, plan.event_zoom))
    for kind in SessionKind:
        existing = [s for s in event.sessions if s.kind is kind]
        wanted = [p for p in plan.sessions if p.kind is kind]
        for index, item in enumerate(wanted):
            if index < len(existing):
                row = existing[index]
            else:
                row = EventSession(id=uuid.uuid4(), kind=kind, status=SessionStatus.NOT_STARTED)
                event.sessions.append(row)
            row.start_at = item.start.astimezone(UTC)
            row.duration_minutes = item.duration
            row.label = item.label
            if item.zoom is not None:
                targets.append((row, item.zoom))
        for row in existing[len(wanted) :]:
            event.sessions.remove(row)
    return targets


def zoom_facts(event: Event, session_row: EventSession | None) -> Hashable:
    """What a link's meeting shows of the event: when it changes, Zoom must be told (E6).
    Registration on or off (O9) and Zoom's confirmation email (O5) are settings of the meeting
    too."""
    settings = (event.registration_enabled, event.zoom_confirmation_email)
    if session_row is not None:
        return (
            settings,
            event.topic,
            event.agenda,
            event.timezone,
            session_row.start_at,
            session_row.duration_minutes,
            session_row.label,
            session_row.zoom_topic,
        )
    days = tuple(
        (s.start_at, s.duration_minutes) for s in event.sessions if s.kind is SessionKind.DAY
    )
    return (
        settings,
        event.topic,
        event.agenda,
        event.timezone,
        event.start_at,
        event.duration_minutes,
        event.day_mode,
        days if event.day_mode is DayMode.RECURRING else (),
    )


async def event_links(session: AsyncSession, event_id: uuid.UUID) -> list[MeetingLink]:
    statement = (
        select(MeetingLink).where(MeetingLink.event_id == event_id).order_by(MeetingLink.created_at)
    )
    return list((await session.scalars(statement)).all())


def _new_link(event: Event, row: EventSession | None, target: ZoomTarget) -> MeetingLink:
    choice = target.choice
    return MeetingLink(
        id=uuid.uuid4(),
        event_id=event.id,
        session_id=row.id if row is not None else None,
        connection_id=event.connection_id,
        kind=event.kind,
        mode=target.mode,
        want=LinkWant.PRESENT,
        state=LinkState.PENDING,
        desired_version=event.version,
        synced_version=0,
        zoom_meeting_id=target.meeting_id,
        zoom_host_id=choice.zoom_user_id if choice is not None else None,
        zoom_type=choice.zoom_type if choice is not None else None,
        occurrence_ids=[],
        confirmed={},
        attempts=0,
        fix_approval_requested=False,
    )


def release_link(link: MeetingLink) -> None:
    """ABSENT: the worker deletes a meeting zoombridge created and forgets a linked one."""
    link.want = LinkWant.ABSENT
    link.state = LinkState.PENDING
    link.not_before = None
    link.attempts = 0


def reconcile_links(
    session: AsyncSession,
    event: Event,
    links: list[MeetingLink],
    targets: list[tuple[EventSession | None, ZoomTarget]],
    removed_session_ids: set[uuid.UUID],
) -> bool:
    """Keep the links that still match a target, add missing ones, release the rest.

    Returns whether the set of PRESENT links changed (registrations must then follow).
    """
    unused = [link for link in links if link.want is LinkWant.PRESENT]
    changed = False
    for row, target in targets:
        session_id = row.id if row is not None else None
        match = next(
            (
                link
                for link in unused
                if link.session_id == session_id
                and link.mode is target.mode
                and (target.mode is LinkMode.CREATED or link.zoom_meeting_id == target.meeting_id)
            ),
            None,
        )
        if match is not None:
            unused.remove(match)
            continue
        session.add(_new_link(event, row, target))
        changed = True
    for link in unused:
        release_link(link)
        changed = True
    for link in links:
        if link.session_id in removed_session_ids:
            link.session_id = None  # the session row goes; the link's history stays
    return changed


async def get_event(session: AsyncSession, event_id: uuid.UUID) -> Event:
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFoundError(f"There is no event with id {event_id}.")
    return event
