"""Who should be registered on each Zoom meeting of an event, derived from its orders.

The rule (O2/O3, email as the key): a registration (link, email) is wanted REGISTERED while any
non-cancelled attendee of a COMPLETED order of the event has that email, else CANCELLED. Rows
exist for every PRESENT link. The worker makes Zoom agree; this module only writes desired state.

Whenever `want` changes the row goes back to PENDING with a clean slate (no backoff, no attempts,
no error) so the worker picks it up at once; a row whose want does not change is left alone, so
a REGISTERED registrant is never touched (Zoom allows 3 registration requests a day).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.events.models import Event, LinkWant, MeetingLink, RegistrationSource
from zoombridge.orders.models import (
    Attendee,
    Order,
    OrderStatus,
    Registration,
    RegistrationState,
    RegistrationWant,
)

# Above this many emails one query over the whole event is cheaper than a long IN list (and
# stays well inside SQLite's bound-parameter limit).
EMAIL_FILTER_MAX = 500


@dataclass(frozen=True)
class WantedName:
    first_name: str
    last_name: str


async def wanted_attendees(
    session: AsyncSession, event_id: uuid.UUID, emails: Iterable[str] | None = None
) -> dict[str, WantedName]:
    """Email -> names (of the most recent attendee) of everyone who should be registered."""
    query = (
        select(Attendee.email, Attendee.first_name, Attendee.last_name)
        .join(Order, Order.id == Attendee.order_id)
        .where(
            Attendee.event_id == event_id,
            Attendee.cancelled_at.is_(None),
            Order.status == OrderStatus.COMPLETED,
        )
        # Oldest first: later attendees overwrite earlier ones, so the newest names win.
        .order_by(Attendee.created_at, Attendee.id)
    )
    if emails is not None:
        query = query.where(Attendee.email.in_(list(emails)))
    wanted: dict[str, WantedName] = {}
    for email, first_name, last_name in await session.execute(query):
        wanted[email] = WantedName(first_name, last_name)
    return wanted


def _set_want(registration: Registration, want: RegistrationWant) -> None:
    registration.want = want
    registration.state = RegistrationState.PENDING
    registration.not_before = None
    registration.attempts = 0
    registration.last_error = None


async def refresh_registrations(
    session: AsyncSession, event_id: uuid.UUID, emails: set[str] | None = None
) -> None:
    """Recompute the registrations of an event's PRESENT links (all emails, or just `emails`).

    Call after any change to orders, attendees or the event's links. An event that runs with
    registration off (O9) needs no registrants: nothing is added then (rows already there stay
    as they are, so switching it back on costs no Zoom requests); call again after switching it
    on. A few queries per event, whatever the number of attendees. An event whose
    registrations come from enrolment (a course event) is left alone.
    """
    event = await session.get(Event, event_id)
    if event is None or not event.registration_enabled:
        return
    if event.registrations_from is not RegistrationSource.ORDERS:
        return  # its registrations come from elsewhere (enrolled learners): not ours to touch
    if emails is not None:
        emails = {email.lower() for email in emails}
        if not emails:
            return
        if len(emails) > EMAIL_FILTER_MAX:
            emails = None  # the whole event in one pass
    link_ids = list(
        await session.scalars(
            select(MeetingLink.id).where(
                MeetingLink.event_id == event_id, MeetingLink.want == LinkWant.PRESENT
            )
        )
    )
    if not link_ids:
        return
    wanted = await wanted_attendees(session, event_id, emails)

    existing_query = select(Registration).where(Registration.link_id.in_(link_ids))
    if emails is not None:
        existing_query = existing_query.where(Registration.email.in_(list(emails)))
    existing = {(r.link_id, r.email): r for r in await session.scalars(existing_query)}

    for registration in existing.values():
        name = wanted.get(registration.email)
        if name is None:
            if registration.want is not RegistrationWant.CANCELLED:
                _set_want(registration, RegistrationWant.CANCELLED)
        elif registration.want is not RegistrationWant.REGISTERED:
            # O2: a cancelled registrant is registered again by a later completed order.
            registration.first_name = name.first_name
            registration.last_name = name.last_name
            _set_want(registration, RegistrationWant.REGISTERED)

    new_rows = [
        Registration(
            link_id=link_id,
            email=email,
            first_name=name.first_name,
            last_name=name.last_name,
            want=RegistrationWant.REGISTERED,
            state=RegistrationState.PENDING,
            attempts=0,
        )
        for link_id in link_ids
        for email, name in wanted.items()
        if (link_id, email) not in existing
    ]
    session.add_all(new_rows)
    await session.flush()
