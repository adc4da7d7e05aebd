"""The event's orders and attendees as lists: filters, search, one page at a time.

Orders come newest first, attendees by email; both are cut by keyset (see `zoombridge.kit.pages`)
so a page deep in a 10,000-attendee event costs what the first one does. Each row carries its
registrations per Zoom meeting, read for the rows of the page only.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.events.models import Event, LinkState, MeetingLink
from zoombridge.kit.filtering import in_days, matches, search_words
from zoombridge.kit.pages import Page, paginate
from zoombridge.orders import service
from zoombridge.orders.models import (
    Attendee,
    Order,
    OrderStatus,
    Registration,
    RegistrationState,
    RegistrationWant,
)
from zoombridge.orders.schemas import AttendeeListItem, AttendeeStatus, OrderOut, RegistrationOut
from zoombridge.orders.tickets import link_label

WAITING_ORDERS = (OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.ON_HOLD)
ENDED_ORDERS = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


@dataclass(frozen=True)
class OrderFilters:
    """What the orders list is narrowed to; every field optional. Days are UTC, inclusive."""

    status: OrderStatus | None = None
    q: str | None = None  # the reference, the customer's or an attendee's name or email
    created_from: date | None = None
    created_to: date | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class AttendeeFilters:
    status: AttendeeStatus | None = None
    q: str | None = None  # name, email or ticket code
    registration: RegistrationState | None = None  # any of their registrations in this state

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _attendee_named(text: str) -> ColumnElement[bool]:
    return matches(
        text,
        Attendee.email,
        Attendee.first_name,
        Attendee.last_name,
        Attendee.first_name + " " + Attendee.last_name,
    )


async def list_orders(
    session: AsyncSession,
    event_id: uuid.UUID,
    filters: OrderFilters | None = None,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[OrderOut]:
    """The event's orders, newest first, with attendees and registrations."""
    filters = filters or OrderFilters()
    event = await service.get_event(session, event_id)
    statement = select(Order).where(Order.event_id == event.id)
    if filters.status is not None:
        statement = statement.where(Order.status == filters.status)
    if text := search_words(filters.q):
        statement = statement.where(
            or_(
                matches(text, Order.reference, Order.customer_email, Order.customer_name),
                exists().where(Attendee.order_id == Order.id, _attendee_named(text)),
            )
        )
    statement = statement.where(
        *in_days(Order.created_at, filters.created_from, filters.created_to)
    )
    rows, next_cursor, total = await paginate(
        session,
        statement.execution_options(populate_existing=True),
        (Order.created_at, Order.id),
        cursor=cursor,
        limit=limit,
        filters={**filters.as_dict(), "event": event.id},
        descending=True,
    )
    # The same view as one order's page, so a row of the list reads like the order itself.
    items = await service._order_views(session, event, rows)
    return Page(items=items, next_cursor=next_cursor, total=total)


def _status_clause(status: AttendeeStatus) -> ColumnElement[bool]:
    alone = Attendee.cancelled_at.is_not(None)
    if status is AttendeeStatus.CANCELLED:
        return or_(alone, Order.status.in_(ENDED_ORDERS))
    if status is AttendeeStatus.ACTIVE:
        return and_(~alone, Order.status == OrderStatus.COMPLETED)
    return and_(~alone, Order.status.in_(WAITING_ORDERS))


def status_of(attendee: Attendee, order: Order) -> AttendeeStatus:
    """The same reading as `_status_clause`, for rows already loaded."""
    if attendee.cancelled_at is not None or order.status in ENDED_ORDERS:
        return AttendeeStatus.CANCELLED
    if order.status is OrderStatus.COMPLETED:
        return AttendeeStatus.ACTIVE
    return AttendeeStatus.WAITING


async def list_attendees(
    session: AsyncSession,
    event_id: uuid.UUID,
    filters: AttendeeFilters | None = None,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AttendeeListItem]:
    """The event's attendees by email, each with their order and registrations."""
    filters = filters or AttendeeFilters()
    event = await service.get_event(session, event_id)
    statement = (
        select(Attendee)
        .join(Order, Order.id == Attendee.order_id)
        .where(Attendee.event_id == event.id)
    )
    if filters.status is not None:
        statement = statement.where(_status_clause(filters.status))
    if text := search_words(filters.q):
        statement = statement.where(or_(_attendee_named(text), matches(text, Attendee.ticket_code)))
    if filters.registration is not None:
        links = [link.id for link in await service.present_links(session, event.id)]
        statement = statement.where(
            exists().where(
                Registration.link_id.in_(links),
                Registration.email == Attendee.email,
                Registration.state == filters.registration,
            )
        )
    rows, next_cursor, total = await paginate(
        session,
        statement,
        (Attendee.email, Attendee.id),
        cursor=cursor,
        limit=limit,
        filters={**filters.as_dict(), "event": event.id},
    )
    return Page(
        items=await _attendee_items(session, event, rows), next_cursor=next_cursor, total=total
    )


async def _attendee_items(
    session: AsyncSession, event: Event, attendees: list[Attendee]
) -> list[AttendeeListItem]:
    orders = {
        order.id: order
        for order in await session.scalars(
            select(Order).where(Order.id.in_({a.order_id for a in attendees}))
        )
    }
    registrations = await _registrations(session, event, {a.email for a in attendees})
    return [
        AttendeeListItem(
            id=a.id,
            email=a.email,
            first_name=a.first_name,
            last_name=a.last_name,
            ticket_code=a.ticket_code,
            cancelled_at=a.cancelled_at,
            registrations=registrations.get(a.email, []),
            order_id=a.order_id,
            order_reference=orders[a.order_id].reference,
            order_status=orders[a.order_id].status,
            status=status_of(a, orders[a.order_id]),
        )
        for a in attendees
    ]


async def _registrations(
    session: AsyncSession, event: Event, emails: set[str]
) -> dict[str, list[RegistrationOut]]:
    """The registrations of these emails (one page's worth) on the event's meetings."""
    links = await service.present_links(session, event.id)
    if not links or not emails:
        return {}
    position = {link.id: index for index, link in enumerate(links)}
    by_id = {link.id: link for link in links}
    found: dict[str, list[RegistrationOut]] = {}
    rows = await session.scalars(
        select(Registration).where(
            Registration.link_id.in_(list(by_id)), Registration.email.in_(list(emails))
        )
    )
    for r in sorted(rows, key=lambda r: position[r.link_id]):
        link = by_id[r.link_id]
        live = (
            r.want is RegistrationWant.REGISTERED
            and r.state is RegistrationState.REGISTERED
            and link.state is not LinkState.DELETED
        )
        found.setdefault(r.email, []).append(
            RegistrationOut(
                link_id=r.link_id,
                label=link_label(event, link),
                zoom_meeting_id=link.zoom_meeting_id,
                want=r.want,
                state=r.state,
                # Only a live registration offers its link (as on the order view).
                join_url=r.join_url if live else None,
                last_error=r.last_error,
                not_before=r.not_before,
            )
        )
    return found


async def audit_subjects(
    session: AsyncSession,
    *,
    order_id: uuid.UUID | None = None,
    attendee_id: uuid.UUID | None = None,
) -> dict[str, set[uuid.UUID]]:
    """What the audit log files the calls about an order or one attendee under: the order and
    attendees themselves (their emails) and their registrations on the event's meetings (one
    registrant's call names its registration; batch calls name only the meeting and event)."""
    statement = select(Attendee)
    if order_id is not None:
        statement = statement.where(Attendee.order_id == order_id)
    if attendee_id is not None:
        statement = statement.where(Attendee.id == attendee_id)
    attendees = list(await session.scalars(statement))
    subjects: dict[str, set[uuid.UUID]] = {
        "order": {order_id} if order_id is not None else set(),
        "attendee": {a.id for a in attendees},
        "registration": set(),
    }
    if attendees:
        links = select(MeetingLink.id).where(
            MeetingLink.event_id.in_({a.event_id for a in attendees})
        )
        subjects["registration"] = set(
            await session.scalars(
                select(Registration.id).where(
                    Registration.link_id.in_(links),
                    Registration.email.in_({a.email for a in attendees}),
                )
            )
        )
    return subjects
