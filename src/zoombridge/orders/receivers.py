"""How orders react to what events announce (connected by `zoombridge.wiring`): registrations
follow the event's meetings and its registration switch."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.events.models import Event, LinkMode, MeetingLink
from zoombridge.events.signals import (
    EventSaved,
    EventsListed,
    EventSyncRequested,
    MeetingRecreated,
    event_cancelled,
    event_saved,
    event_sync_requested,
    events_listed,
    meeting_recreated,
)
from zoombridge.orders.desired import refresh_registrations
from zoombridge.orders.models import Registration, RegistrationState, RegistrationWant


async def follow_event(session: AsyncSession, change: EventSaved) -> None:
    # A new event has no orders yet; otherwise a link added or dropped, or registration
    # switched back on (O9), changes who must be registered where.
    if not change.created and (change.links_changed or change.registration_switched):
        await refresh_registrations(session, change.event.id)


async def sync_registrations_now(session: AsyncSession, request: EventSyncRequested) -> None:
    """Pending and failed registrations of the event's meetings are due at once (a failed one
    is tried again); those deferred by a daily cap stay deferred (they would be refused)."""
    if not request.link_ids:
        return
    await session.execute(
        update(Registration)
        .where(
            Registration.link_id.in_(list(request.link_ids)),
            Registration.state.in_([RegistrationState.PENDING, RegistrationState.FAILED]),
        )
        .values(state=RegistrationState.PENDING, not_before=None, attempts=0)
        .execution_options(synchronize_session=False)
    )


async def register_on_recreated(session: AsyncSession, recreated: MeetingRecreated) -> None:
    """Everyone wanted on a meeting made again is registered on the new one (new join links)."""
    await session.execute(
        update(Registration)
        .where(
            Registration.link_id == recreated.link.id,
            Registration.want == RegistrationWant.REGISTERED,
        )
        .values(
            state=RegistrationState.PENDING,
            zoom_registrant_id=None,
            join_url=None,
            confirmed_at=None,
            not_before=None,
            attempts=0,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )


async def cancel_on_linked_meetings(session: AsyncSession, event: Event) -> None:
    """A cancelled event keeps the meetings the organiser linked (they are theirs), but the
    registrants zoombridge added to them are cancelled on Zoom."""
    linked = select(MeetingLink.id).where(
        MeetingLink.event_id == event.id, MeetingLink.mode == LinkMode.LINKED
    )
    await session.execute(
        update(Registration)
        .where(
            Registration.link_id.in_(linked),
            Registration.want == RegistrationWant.REGISTERED,
        )
        .values(
            want=RegistrationWant.CANCELLED,
            state=RegistrationState.PENDING,
            not_before=None,
            attempts=0,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )


async def count_registrations(session: AsyncSession, listed: EventsListed) -> None:
    """The events list's registered / pending / failed per event, in one grouped query."""
    by_id = {summary.id: summary for summary in listed.summaries}
    if not by_id:
        return
    rows = await session.execute(
        select(MeetingLink.event_id, Registration.state, func.count())
        .join(MeetingLink, Registration.link_id == MeetingLink.id)
        .where(
            MeetingLink.event_id.in_(list(by_id)),
            Registration.want == RegistrationWant.REGISTERED,
        )
        .group_by(MeetingLink.event_id, Registration.state)
    )
    for event_id, state, count in rows:
        if event_id not in by_id:
            continue
        counts = by_id[event_id].registrations
        if state is RegistrationState.REGISTERED:
            counts.registered += count
        elif state in (RegistrationState.PENDING, RegistrationState.DEFERRED):
            counts.pending += count
        elif state is RegistrationState.FAILED:
            counts.failed += count


def connect() -> None:
    events_listed.connect(count_registrations)
    event_saved.connect(follow_event)
    event_sync_requested.connect(sync_registrations_now)
    meeting_recreated.connect(register_on_recreated)
    event_cancelled.connect(cancel_on_linked_meetings)
