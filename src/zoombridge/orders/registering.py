"""The registrations an order writes: every active attendee of completed orders wanted
registered on every meeting of the event, as one upsert (`register`), and the rows as the order
answer shows them (`read_registrations`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.db.base import utc_now
from zoombridge.events.models import LinkState
from zoombridge.orders.models import Order, Registration, RegistrationState, RegistrationWant
from zoombridge.orders.schemas import RegistrationOut

if TYPE_CHECKING:
    from zoombridge.orders.intake import OrderTarget


def _out(target: OrderTarget, link_id: uuid.UUID, row: Sequence[Any]) -> RegistrationOut:
    link = next(link for link in target.links if link.id == link_id)
    want, state, join_url, last_error, not_before = row
    live = (
        want is RegistrationWant.REGISTERED
        and state is RegistrationState.REGISTERED
        and link.state is not LinkState.DELETED
    )
    return RegistrationOut(
        link_id=link_id,
        label=target.labels[link_id],
        zoom_meeting_id=link.zoom_meeting_id,
        want=want,
        state=state,
        # Only a live registration offers its link: not a cancelled attendee's, nor one on a
        # meeting deleted in Zoom.
        join_url=join_url if live else None,
        last_error=last_error,
        not_before=not_before,
    )


_VIEW_COLUMNS = (
    Registration.link_id,
    Registration.email,
    Registration.want,
    Registration.state,
    Registration.join_url,
    Registration.last_error,
    Registration.not_before,
)


async def register(
    session: AsyncSession, target: OrderTarget, orders: Sequence[Order]
) -> dict[tuple[uuid.UUID, str], RegistrationOut]:
    """Every active attendee of `orders` (completed) wanted registered on every meeting: one
    upsert. A row already wanted registered is left alone (a registrant is never touched: Zoom
    allows 3 registration requests a day); any other row goes back to pending with a clean
    slate and the newest names. Answers each (meeting, email)'s registration for the view."""
    if not target.registers():
        return {}
    names: dict[str, tuple[str, str]] = {}
    for order in orders:  # later orders' names win, as the newest attendee's do
        for a in order.attendees:
            if a.cancelled_at is None:
                names[a.email] = (a.first_name, a.last_name)
    if not names:
        return {}
    now = utc_now()
    rows = [
        {
            "id": uuid.uuid4(),
            "link_id": link.id,
            "email": email,
            "first_name": first,
            "last_name": last,
            "want": RegistrationWant.REGISTERED,
            "state": RegistrationState.PENDING,
            "attempts": 0,
            "not_before": None,
            "last_error": None,
            "zoom_requests": 0,
            "created_at": now,
            "updated_at": now,
        }
        for link in target.links
        for email, (first, last) in names.items()
    ]
    found: dict[tuple[uuid.UUID, str], RegistrationOut] = {}
    # Executed with the rows as parameters, not built with them: the statement is compiled once
    # and cached, and the driver's executemany sends multi-row batches ("insertmanyvalues").
    # Built with `.values(rows)` it was compiled afresh for every request, a third of a bulk
    # request's CPU.
    for row in await session.execute(_upsert(session), rows):
        found[(row[0], row[1])] = _out(target, row[0], row[2:])
    if len(found) < len(rows):  # some were wanted registered already: read those as they are
        missing = {
            email for email in names for link in target.links if (link.id, email) not in found
        }
        found.update(await read_registrations(session, target, missing))
    return found


_UPSERTS: dict[str, Any] = {}


def _upsert(session: AsyncSession) -> Any:
    # Built once per dialect: constructing it cost more than a small order's upsert itself.
    dialect = session.get_bind().dialect.name
    if dialect not in _UPSERTS:
        _UPSERTS[dialect] = _build_upsert(dialect)
    return _UPSERTS[dialect]


def _build_upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, Registration.__table__)
    statement = insert(table)
    new = statement.excluded
    # No bound parameter outside the VALUES: with one, SQLAlchemy sends an upsert row by row
    # instead of in multi-row batches. The clean slate comes from the new row itself (its
    # attempts are 0 and its error and wait empty), and "not wanted registered yet" compares
    # with the new row's want, which is always REGISTERED.
    return statement.on_conflict_do_update(
        index_elements=[table.c.link_id, table.c.email],
        set_={
            "want": new.want,
            "state": new.state,
            "first_name": new.first_name,
            "last_name": new.last_name,
            "not_before": new.not_before,
            "attempts": new.attempts,
            "last_error": new.last_error,
            "updated_at": new.updated_at,
        },
        where=table.c.want != new.want,
    ).returning(*(table.c[c.key] for c in _VIEW_COLUMNS))


async def read_registrations(
    session: AsyncSession, target: OrderTarget, emails: set[str]
) -> dict[tuple[uuid.UUID, str], RegistrationOut]:
    """The registrations of `emails` on the event's meetings, as they are stored."""
    if not target.links or not emails:
        return {}
    found: dict[tuple[uuid.UUID, str], RegistrationOut] = {}
    ordered = sorted(emails)
    for start in range(0, len(ordered), 500):
        rows = await session.execute(
            select(*_VIEW_COLUMNS).where(
                Registration.link_id.in_([link.id for link in target.links]),
                Registration.email.in_(ordered[start : start + 500]),
            )
        )
        for row in rows:
            found[(row[0], row[1])] = _out(target, row[0], row[2:])
    return found
