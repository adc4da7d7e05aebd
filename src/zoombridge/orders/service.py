"""Orders and attendees (O1–O4, O9): the business rules. Functions take a session and never
commit; they write desired state (registrations) and never call Zoom.

The web UI calls these directly: `create_order`, `set_order_status`, `cancel_attendee`,
`get_order_view`, `ticket_view`; the lists are in `zoombridge.orders.listing`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection, ZoomKind
from zoombridge.db.base import utc_now
from zoombridge.errors import Conflict, NotFoundError
from zoombridge.events.models import (
    Event,
    EventStatus,
    LinkState,
    LinkWant,
    MeetingLink,
)
from zoombridge.orders import intake
from zoombridge.orders.desired import EMAIL_FILTER_MAX, refresh_registrations
from zoombridge.orders.intake import capacity_exceeded, held_emails, shift_seats
from zoombridge.orders.models import (
    Attendee,
    Order,
    OrderStatus,
    Registration,
    RegistrationState,
    RegistrationWant,
)
from zoombridge.orders.rules import ZOOM_MEETING_REGISTRANT_LIMIT as ZOOM_MEETING_REGISTRANT_LIMIT
from zoombridge.orders.rules import check_names as check_names
from zoombridge.orders.rules import new_ticket_code as new_ticket_code
from zoombridge.orders.rules import refuse_enrolment_event as refuse_enrolment_event
from zoombridge.orders.rules import registration_warnings
from zoombridge.orders.rules import seat_limit as seat_limit
from zoombridge.orders.schemas import (
    AttendeeOut,
    OrderCreate,
    OrderOut,
    RegistrationOut,
    TicketOut,
)
from zoombridge.orders.signals import orders_completed, tickets_cancelled
from zoombridge.orders.tickets import link_label
from zoombridge.orders.tickets import ticket_view as _ticket_view

# --- events, links, warnings -------------------------------------------------------------


async def get_event(
    session: AsyncSession, event_id: uuid.UUID, *, lock: bool = False, share: bool = False
) -> Event:
    """The event, optionally locked until the transaction ends (capacity, event-wide changes).

    On PostgreSQL the lock is `SELECT … FOR UPDATE` (`FOR SHARE` with `share`), so two orders
    completing at once are counted one after the other; SQLite serialises writers anyway (and
    ignores FOR UPDATE).
    """
    query = select(Event).where(Event.id == event_id)
    if lock:
        query = query.with_for_update(read=share, key_share=not share).execution_options(
            populate_existing=True
        )
    event = await session.scalar(query)
    if event is None:
        raise NotFoundError(f"There is no event with id {event_id}.")
    return event


async def lock_for_people(
    session: AsyncSession, event: Event, emails: set[str], *, counts_seats: bool
) -> Event:
    """Lock what an order change on `event` for `emails` needs; the event, read again.

    A change that moves seats (completing, leaving completed, cancelling a ticket of a completed
    order) locks the event exclusively (`FOR UPDATE`): it changes the event's seat count, so
    such changes of one event take turns. Anything else takes the event `FOR SHARE` (so
    event-wide writers such as a CSV import still exclude it) plus a transaction lock per
    email: only changes for the same person wait for each other. Locks are taken in one order
    (emails sorted), so two requests never deadlock. SQLite serialises writers anyway.
    """
    exclusive = counts_seats or len(emails) > EMAIL_FILTER_MAX  # a whole-event refresh
    locked = await get_event(session, event.id, lock=True, share=not exclusive)
    if not exclusive and session.get_bind().dialect.name == "postgresql":
        for key in sorted({_person_key(event.id, email) for email in emails}):
            await session.execute(select(func.pg_advisory_xact_lock(key)))
    return locked


def _person_key(event_id: uuid.UUID, email: str) -> int:
    # A signed 64-bit key for pg_advisory_xact_lock; a collision only makes two unrelated
    # changes wait for each other.
    digest = hashlib.blake2b(f"{event_id}:{email.lower()}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def present_links(session: AsyncSession, event_id: uuid.UUID) -> list[MeetingLink]:
    """The event's Zoom meetings (the ones attendees are registered on), oldest first."""
    return list(
        await session.scalars(
            select(MeetingLink)
            .where(MeetingLink.event_id == event_id, MeetingLink.want == LinkWant.PRESENT)
            .order_by(MeetingLink.created_at, MeetingLink.id)
        )
    )


# --- capacity (O4) -------------------------------------------------------------------------


async def event_seat_limit(
    session: AsyncSession, event: Event, links: Sequence[MeetingLink]
) -> tuple[int | None, str]:
    """`seat_limit`, reading the connection's webinar add-on size only for a webinar that
    registers on Zoom (the one case it can matter)."""
    seats = None
    if links and event.registration_enabled and event.kind is ZoomKind.WEBINAR:
        seats = await session.scalar(
            select(ZoomConnection.webinar_seats).where(ZoomConnection.id == event.connection_id)
        )
    return seat_limit(event, links, seats)


async def check_capacity(
    session: AsyncSession, event: Event, links: Sequence[MeetingLink], emails: set[str]
) -> None:
    """Refuse (409 capacity_exceeded) when registering `emails` would oversell the event.

    Counts distinct people: an email already holding a seat takes no other. The seats taken
    are the event's seat count (`Event.seats_taken`); the caller holds the event lock, so it
    cannot change until its transaction ends.
    """
    limit, reason = await event_seat_limit(session, event, links)
    if limit is None or not emails:
        return
    needed = len(emails - await held_emails(session, event.id, emails))
    left = max(limit - event.seats_taken, 0)
    if needed > left:
        raise capacity_exceeded(left, needed, reason)


# --- orders ------------------------------------------------------------------------------


def _active_emails(attendees: Iterable[Attendee]) -> set[str]:
    return {a.email for a in attendees if a.cancelled_at is None}


async def create_order(session: AsyncSession, event_id: uuid.UUID, data: OrderCreate) -> Order:
    """A new order with its attendees; a completed one registers them (after the capacity
    check). See `zoombridge.orders.intake` for what it reads and writes."""
    order, _ = await intake.create_order(session, event_id, data)
    return order


async def get_order(session: AsyncSession, order_id: uuid.UUID) -> Order:
    order = await session.get(Order, order_id)
    if order is None:
        raise NotFoundError(f"There is no order with id {order_id}.")
    return order


async def set_order_status(
    session: AsyncSession, order_id: uuid.UUID, status: OrderStatus
) -> Order:
    """O1/O3: move an order to `status`. Completing registers its attendees (capacity checked);
    leaving completed (cancelled, refunded, back to on-hold …) cancels their registrations,
    unless another completed order holds the same email. The event's seat count follows."""
    order = await get_order(session, order_id)
    moves_seats = status is OrderStatus.COMPLETED or order.status is OrderStatus.COMPLETED
    event = await lock_for_people(
        session,
        await get_event(session, order.event_id),
        {a.email for a in order.attendees},
        counts_seats=moves_seats,
    )
    # Read again under the lock: a concurrent request may have changed it meanwhile.
    await session.refresh(order)
    if order.status is status:
        return order
    emails = _active_emails(order.attendees)
    if status is OrderStatus.COMPLETED:
        if event.status is EventStatus.CANCELLED:
            raise Conflict("This event is cancelled; its orders can no longer be completed.")
        await check_capacity(session, event, await present_links(session, event.id), emails)
    was_completed = order.status is OrderStatus.COMPLETED
    moves_seats = was_completed or status is OrderStatus.COMPLETED
    before = await held_emails(session, event.id, emails) if moves_seats else set()
    order.status = status
    await session.flush()
    if moves_seats:
        await shift_seats(session, event, emails, before)
        await refresh_registrations(session, event.id, emails)
    if status is OrderStatus.COMPLETED:
        await orders_completed.send(session, [order])  # O6: tickets by email (sent by the worker)
    elif was_completed:
        active = [a for a in order.attendees if a.cancelled_at is None]
        await tickets_cancelled.send(session, active)  # their holders are told
    return order


async def cancel_attendee(
    session: AsyncSession, attendee_id: uuid.UUID, order_id: uuid.UUID | None = None
) -> Attendee:
    """O3: cancel one attendee (one ticket) alone; the rest of the order stays as it is.

    Their registrations are cancelled unless another active ticket of the event has the email.
    Cancelling twice is harmless.
    """
    attendee = await session.get(Attendee, attendee_id)
    if attendee is None or (order_id is not None and attendee.order_id != order_id):
        raise NotFoundError(f"There is no attendee with id {attendee_id} on this order.")
    if attendee.cancelled_at is None:
        order = await session.get(Order, attendee.order_id)
        completed = order is not None and order.status is OrderStatus.COMPLETED
        event = await get_event(session, attendee.event_id)
        event = await lock_for_people(session, event, {attendee.email}, counts_seats=completed)
        before = await held_emails(session, event.id, {attendee.email}) if completed else set()
        attendee.cancelled_at = utc_now()
        await session.flush()
        if completed:
            await shift_seats(session, event, {attendee.email}, before)
        await refresh_registrations(session, attendee.event_id, {attendee.email})
        if completed:
            await tickets_cancelled.send(session, [attendee])
    return attendee


# --- views -------------------------------------------------------------------------------


async def _order_views(
    session: AsyncSession, event: Event, orders: Sequence[Order]
) -> list[OrderOut]:
    links = await present_links(session, event.id)
    labels = {link.id: link_label(event, link) for link in links}
    meeting_ids = {link.id: link.zoom_meeting_id for link in links}
    gone = {link.id for link in links if link.state is LinkState.DELETED}
    emails = {a.email for order in orders for a in order.attendees}
    registrations: dict[str, list[RegistrationOut]] = {}
    if links and emails:
        query = select(Registration).where(Registration.link_id.in_(list(labels)))
        if len(emails) <= 500:
            query = query.where(Registration.email.in_(list(emails)))
        order_of_link = {link.id: index for index, link in enumerate(links)}
        rows = sorted(await session.scalars(query), key=lambda r: order_of_link[r.link_id])
        for r in rows:
            registrations.setdefault(r.email, []).append(
                RegistrationOut(
                    link_id=r.link_id,
                    label=labels[r.link_id],
                    zoom_meeting_id=meeting_ids[r.link_id],
                    want=r.want,
                    state=r.state,
                    # Only a live registration offers its link: not a cancelled attendee's,
                    # nor one on a meeting deleted in Zoom.
                    join_url=r.join_url
                    if r.want is RegistrationWant.REGISTERED
                    and r.state is RegistrationState.REGISTERED
                    and r.link_id not in gone
                    else None,
                    last_error=r.last_error,
                    not_before=r.not_before,
                )
            )
    warnings = registration_warnings(event)
    return [
        OrderOut(
            id=order.id,
            event_id=order.event_id,
            reference=order.reference,
            status=order.status,
            customer_email=order.customer_email,
            customer_name=order.customer_name,
            paid=order.paid,
            billing=order.billing,
            created_at=order.created_at,
            updated_at=order.updated_at,
            attendees=[
                AttendeeOut(
                    id=a.id,
                    email=a.email,
                    first_name=a.first_name,
                    last_name=a.last_name,
                    ticket_code=a.ticket_code,
                    cancelled_at=a.cancelled_at,
                    registrations=registrations.get(a.email, []),
                )
                for a in sorted(order.attendees, key=lambda a: (a.created_at, str(a.id)))
            ],
            warnings=warnings,
        )
        for order in orders
    ]


async def get_order_view(session: AsyncSession, order_id: uuid.UUID) -> OrderOut:
    """The order with its attendees and each attendee's registration per Zoom meeting."""
    order = await get_order(session, order_id)
    await session.refresh(order)
    event = await get_event(session, order.event_id)
    return (await _order_views(session, event, [order]))[0]


async def ticket_view(session: AsyncSession, attendee_id: uuid.UUID) -> TicketOut:
    """O6: the attendee's ticket (see `zoombridge.orders.tickets`)."""
    return await _ticket_view(session, attendee_id)
