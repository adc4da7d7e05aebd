"""A contact's properties (H4), worked out again from their registrations and attendance.

- **average webinar attendance**: the mean, over the ended webinars the contact registered for
  (and did not cancel) or attended, of the % of each webinar's scheduled duration attended (the
  union of their join..leave segments; for a webinar of several instances, the instance they
  attended most). A registered no-show counts 0 %. None until one such webinar has ended.
- **last registered webinar URL**: the registration page (else join link) of the webinar with
  the latest registration;
- **total webinar registrations**: webinars registered for and not cancelled;
- **total webinars attended**, **first / last attended**, **no-shows** (ended webinars
  registered for and not attended).

Recomputed for a batch of contacts at once (a few grouped queries), so a sync of a webinar of
10,000 people updates them in batches, not one query per person.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts.models import (
    Contact,
    ContactAttendance,
    ContactRegistration,
    ContactWebinar,
    RegistrationStatus,
)

BATCH = 500
ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.PENDING)


@dataclass
class _Figures:
    registered: dict[uuid.UUID, tuple[datetime | None, bool, str | None]] = field(
        default_factory=dict
    )  # webinar -> (registered at, ended, url)
    attended: dict[uuid.UUID, float] = field(default_factory=dict)  # webinar -> best percent
    first_at: datetime | None = None
    last_at: datetime | None = None
    ended: set[uuid.UUID] = field(default_factory=set)


async def _gather(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, _Figures]:
    figures: dict[uuid.UUID, _Figures] = defaultdict(_Figures)
    registrations = await session.execute(
        select(
            ContactRegistration.contact_id,
            ContactRegistration.webinar_id,
            func.max(ContactRegistration.registered_at),
            ContactWebinar.ended,
            func.coalesce(ContactWebinar.registration_url, ContactWebinar.join_url),
        )
        .join(ContactWebinar, ContactWebinar.id == ContactRegistration.webinar_id)
        .where(ContactRegistration.contact_id.in_(ids), ContactRegistration.status.in_(ACTIVE))
        .group_by(
            ContactRegistration.contact_id,
            ContactRegistration.webinar_id,
            ContactWebinar.ended,
            ContactWebinar.registration_url,
            ContactWebinar.join_url,
        )
    )
    for contact_id, webinar_id, registered_at, ended, url in registrations:
        figures[contact_id].registered[webinar_id] = (registered_at, bool(ended), url)
        if ended:
            figures[contact_id].ended.add(webinar_id)
    attendance = await session.execute(
        select(
            ContactAttendance.contact_id,
            ContactAttendance.webinar_id,
            func.max(ContactAttendance.percent),
            func.min(ContactAttendance.first_join),
            func.max(func.coalesce(ContactAttendance.last_leave, ContactAttendance.first_join)),
        )
        .where(ContactAttendance.contact_id.in_(ids), ContactAttendance.attended_seconds > 0)
        .group_by(ContactAttendance.contact_id, ContactAttendance.webinar_id)
    )
    for attendee, webinar_id, percent, first, last in attendance:
        if attendee is None:
            continue
        f = figures[attendee]
        f.attended[webinar_id] = float(percent or 0.0)
        f.ended.add(webinar_id)
        if first is not None and (f.first_at is None or first < f.first_at):
            f.first_at = first
        if last is not None and (f.last_at is None or last > f.last_at):
            f.last_at = last
    return figures


def _values(contact_id: uuid.UUID, f: _Figures) -> dict[str, object]:
    latest = max(
        f.registered.items(),
        key=lambda item: (item[1][0] is not None, item[1][0] or datetime.min),
        default=None,
    )
    counted = f.ended
    average = (
        round(sum(f.attended.get(w, 0.0) for w in counted) / len(counted), 1) if counted else None
    )
    return {
        "id": contact_id,
        "avg_attendance_percent": average,
        "last_registered_webinar_url": latest[1][2] if latest else None,
        "last_registered_at": latest[1][0] if latest else None,
        "total_registrations": len(f.registered),
        "total_webinars_attended": len(f.attended),
        "first_attended_at": f.first_at,
        "last_attended_at": f.last_at,
        "no_show_count": sum(1 for w, v in f.registered.items() if v[1] and w not in f.attended),
    }


async def recompute(session: AsyncSession, contact_ids: Iterable[uuid.UUID]) -> int:
    """Work out the properties of `contact_ids` again; how many contacts were updated."""
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        figures = await _gather(session, chunk)
        rows = [_values(contact_id, figures.get(contact_id, _Figures())) for contact_id in chunk]
        await session.execute(update(Contact), rows)
    return len(ids)


async def contacts_of_webinar(
    session: AsyncSession,
    webinar_id: uuid.UUID,
    *,
    after: uuid.UUID | None = None,
    limit: int = BATCH,
) -> list[uuid.UUID]:
    """The next `limit` contacts (by id, after `after`) with a registration or attendance on
    the webinar: a webinar's contacts are worked through a page at a time."""
    registered = select(ContactRegistration.contact_id.label("contact_id")).where(
        ContactRegistration.webinar_id == webinar_id
    )
    attended = select(ContactAttendance.contact_id.label("contact_id")).where(
        ContactAttendance.webinar_id == webinar_id, ContactAttendance.contact_id.is_not(None)
    )
    both = registered.union(attended).subquery()
    query = select(both.c.contact_id).order_by(both.c.contact_id).limit(limit)
    if after is not None:
        query = query.where(both.c.contact_id > after)
    rows = await session.scalars(query)
    return [r for r in rows if r is not None]
