"""The order write (O1–O4) at a cost that does not grow with the event: one order through
`POST /events/{id}/orders`, or many through the bulk intake (`orders.bulk`).

What an order reads and writes, in this order:

1. the event with its present Zoom meetings and the connection's webinar add-on size, in one
   statement (never its sessions; a meeting of a day or slot reads just those labels);
2. (on SQLite the write lock is taken only now, see `zoombridge.db.engine.begin_writes`)
3. the order and its attendees, one INSERT each; the unique constraint on (event, reference)
   catches a reference used twice;
4. for a completed order: the event's seat count (`Event.seats_taken`, distinct people holding
   a seat) raised by the people new to the event, in one UPDATE that also answers the event's
   current status and capacity, checked then; the registrations on every meeting written as
   one upsert that leaves rows already wanted registered alone.

The answer is built from these objects in memory (plus, only when a registration existed
already, one read of those rows). The other order changes (status, cancelling one attendee,
CSV import) keep the seat count current with `recount_seats`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, distinct, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, make_transient_to_detached, raiseload
from sqlalchemy.orm.attributes import set_committed_value

from zoombridge.connections.models import ZoomConnection
from zoombridge.db.base import utc_now
from zoombridge.db.engine import begin_writes
from zoombridge.errors import CapacityExceeded, Conflict, FieldProblem, InvalidInput, NotFoundError
from zoombridge.events.models import (
    Event,
    EventSession,
    EventStatus,
    LinkWant,
    MeetingLink,
    RegistrationSource,
)
from zoombridge.kit.zones import zone_or_utc
from zoombridge.orders.models import (
    Attendee,
    Order,
    OrderStatus,
)
from zoombridge.orders.registering import read_registrations, register
from zoombridge.orders.rules import (
    check_names,
    new_ticket_code,
    refuse_enrolment_event,
    registration_warnings,
    seat_limit,
)
from zoombridge.orders.schemas import AttendeeOut, OrderCreate, OrderOut, RegistrationOut
from zoombridge.orders.signals import orders_completed

CANCELLED_EVENT = "This event is cancelled; it takes no new orders."


@dataclass
class OrderTarget:
    """An event as an order needs it: its present meetings (oldest first), the webinar
    add-on's size and how each meeting is labelled."""

    event: Event
    links: list[MeetingLink] = field(default_factory=list)
    webinar_seats: int | None = None
    labels: dict[uuid.UUID, str] = field(default_factory=dict)

    def seat_limit(self) -> tuple[int | None, str]:
        return seat_limit(self.event, self.links, self.webinar_seats)

    def registers(self) -> bool:
        """Whether a completed order of this event writes registrations."""
        return (
            bool(self.links)
            and self.event.registration_enabled
            and self.event.registrations_from is RegistrationSource.ORDERS
        )


# Built once: constructing the statement cost about as much as running it.
_TARGETS = (
    select(Event, MeetingLink, ZoomConnection.webinar_seats)
    .join(ZoomConnection, ZoomConnection.id == Event.connection_id)
    .outerjoin(
        MeetingLink,
        and_(MeetingLink.event_id == Event.id, MeetingLink.want == LinkWant.PRESENT),
    )
    .where(Event.id.in_(bindparam("event_ids", expanding=True)))
    .order_by(Event.id, MeetingLink.created_at, MeetingLink.id)
    .options(raiseload(Event.sessions))
)
_TARGETS_LOCKED = _TARGETS.with_for_update(of=Event, key_share=True).execution_options(
    populate_existing=True
)


async def load_targets(
    session: AsyncSession, event_ids: Iterable[uuid.UUID], *, lock: bool = False
) -> dict[uuid.UUID, OrderTarget]:
    """The events (those that exist) with their meetings, in one statement.

    `lock` (orders that will count seats): on PostgreSQL the events are locked here (`FOR NO
    KEY UPDATE`, which still lets other orders reference the event), so the seat count of two
    orders of one event is raised one after the other, each seeing the other's people. SQLite
    serialises writers anyway.
    """
    ids = sorted(set(event_ids))
    query = (
        _TARGETS_LOCKED if lock and session.get_bind().dialect.name == "postgresql" else _TARGETS
    )
    targets: dict[uuid.UUID, OrderTarget] = {}
    for event, link, webinar_seats in await session.execute(query, {"event_ids": ids}):
        target = targets.setdefault(event.id, OrderTarget(event, webinar_seats=webinar_seats))
        if link is not None:
            target.links.append(link)
    await _label_links(session, targets.values())
    return targets


async def load_target(session: AsyncSession, event_id: uuid.UUID, *, lock: bool) -> OrderTarget:
    target = (await load_targets(session, [event_id], lock=lock)).get(event_id)
    if target is None:
        raise NotFoundError(f"There is no event with id {event_id}.")
    return target


async def _label_links(session: AsyncSession, targets: Iterable[OrderTarget]) -> None:
    """Each meeting's label (`tickets.link_label`), reading only the sessions meetings have."""
    session_ids = {link.session_id for t in targets for link in t.links if link.session_id}
    days: dict[uuid.UUID, tuple[str, object]] = {}
    if session_ids:
        rows = await session.execute(
            select(EventSession.id, EventSession.label, EventSession.start_at).where(
                EventSession.id.in_(session_ids)
            )
        )
        days = {row[0]: (row[1], row[2]) for row in rows}
    for target in targets:
        event = target.event
        for link in target.links:
            label = f"main {link.kind.value}"
            day = days.get(link.session_id) if link.session_id else None
            if day is not None:
                name, start = day
                local = start.astimezone(zone_or_utc(event.timezone))  # type: ignore[attr-defined]
                label = name or local.strftime("%Y-%m-%d %H:%M")
            target.labels[link.id] = label


def refuse_for_event(target: OrderTarget, data: OrderCreate) -> None:
    """What refuses an order before anything is written (the same checks and words as ever)."""
    if target.event.status is EventStatus.CANCELLED:
        raise Conflict(CANCELLED_EVENT)
    refuse_enrolment_event(target.event)
    check_names(data.attendees, target.links)


def build_order(event_id: uuid.UUID, data: OrderCreate) -> Order:
    return Order(
        event_id=event_id,
        reference=data.reference,
        status=data.status,
        customer_email=data.customer.email if data.customer else None,
        customer_name=data.customer.name if data.customer else None,
        paid=data.paid,
        billing=data.billing,
        attendees=[
            Attendee(
                event_id=event_id,
                email=a.email,
                first_name=a.first_name,
                last_name=a.last_name,
                ticket_code=new_ticket_code(),
            )
            for a in data.attendees
        ],
    )


def _row(obj: Order | Attendee, columns: Sequence[str]) -> dict[str, Any]:
    row = {name: getattr(obj, name) for name in columns}
    for name, value in row.items():
        if name not in obj.__dict__:  # never set (None): set, or it would read as expired
            setattr(obj, name, value)
    return row


_ORDER_COLUMNS = [p.key for p in Order.__mapper__.column_attrs]
_ATTENDEE_COLUMNS = [p.key for p in Attendee.__mapper__.column_attrs]


async def store_orders(session: AsyncSession, orders: Sequence[Order]) -> None:
    """Write new orders (built by `build_order`) and their attendees: one INSERT each, with the
    rows as executemany parameters. The objects then join the session as stored rows, as a
    flush would leave them, without the unit of work's bookkeeping for each object (for a
    bulk request, as much CPU as everything else it does). IntegrityError when a reference
    is taken."""
    now = utc_now()
    order_rows: list[dict[str, Any]] = []
    attendee_rows: list[dict[str, Any]] = []
    for order in orders:
        order.id = uuid.uuid4()
        order.created_at = order.updated_at = now
        order_rows.append(_row(order, _ORDER_COLUMNS))
        for attendee in order.attendees:
            attendee.id = uuid.uuid4()
            attendee.order_id = order.id
            attendee.created_at = attendee.updated_at = now
            attendee_rows.append(_row(attendee, _ATTENDEE_COLUMNS))
    if not order_rows:
        return
    await session.execute(insert(cast(Table, Order.__table__)), order_rows)
    if attendee_rows:
        await session.execute(insert(cast(Table, Attendee.__table__)), attendee_rows)
    for order in orders:
        for attendee in order.attendees:
            make_transient_to_detached(attendee)
        make_transient_to_detached(order)
        session.add(order)  # persistent as loaded, its attendees with it: nothing to flush


def duplicate_reference(reference: str | None) -> InvalidInput:
    return InvalidInput(
        f"The event already has an order with reference {reference!r}.",
        field_errors=[FieldProblem("reference", "An order with this reference already exists.")],
    )


async def create_order(
    session: AsyncSession, event_id: uuid.UUID, data: OrderCreate
) -> tuple[Order, OrderOut]:
    """A new order with its attendees; a completed one takes its seats and registers them.

    Reads first; on SQLite the write lock is taken only for the writes (`begin_writes`)."""
    completed = data.status is OrderStatus.COMPLETED
    target = await load_target(session, event_id, lock=False)
    refuse_for_event(target, data)
    await begin_writes(session)
    order = build_order(event_id, data)
    try:
        await store_orders(session, [order])
    except IntegrityError as exc:
        if "reference" in str(exc.orig):
            raise duplicate_reference(data.reference) from None
        raise
    registrations: dict[tuple[uuid.UUID, str], RegistrationOut] = {}
    if completed:
        # The receivers first (O6 ticket emails, contacts): on PostgreSQL the event is locked
        # only after them, so completed orders of one event take turns for as short as can be.
        # A refusal below (capacity) rolls their writes back with the order.
        await orders_completed.send(session, [order])
        await lock_event(session, target)
        await take_seats(session, target, [order])
        registrations = await register(session, target, [order])
    elif target.links:
        registrations = await read_registrations(session, target, {a.email for a in data.attendees})
    return order, order_view(target, order, registrations)


async def lock_event(session: AsyncSession, target: OrderTarget) -> None:
    """On PostgreSQL, lock the event row until the transaction ends (`FOR NO KEY UPDATE`: other
    orders may still reference it) before its seat count is read and raised, so that two
    completed orders of one event count each other's people. A statement of its own: the
    seat count's UPDATE then runs on a snapshot taken after the lock. SQLite serialises writers
    anyway (and has no row locks)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        select(Event.id).where(Event.id == target.event.id).with_for_update(key_share=True)
    )


# --- seats (O4) ------------------------------------------------------------------------------


# Built once: constructing aliases costs more than the statement itself.
_MINE, _OTHER = aliased(Attendee), aliased(Attendee)
_NEW_PEOPLE = select(func.count(distinct(_MINE.email))).where(
    _MINE.order_id.in_(bindparam("order_ids", expanding=True)),
    _MINE.cancelled_at.is_(None),
    ~exists().where(
        _OTHER.event_id == _MINE.event_id,
        _OTHER.email == _MINE.email,
        _OTHER.order_id.not_in(bindparam("order_ids", expanding=True)),
        _OTHER.cancelled_at.is_(None),
        Order.id == _OTHER.order_id,
        Order.status == OrderStatus.COMPLETED,
    ),
)


def _new_people(order_ids: Sequence[uuid.UUID]) -> Any:
    """How many distinct people of these orders hold no other ticket of the event (looked up
    per email by the (event, email) index, whatever the event's size)."""
    return _NEW_PEOPLE.params(order_ids=list(order_ids)).scalar_subquery()


async def take_seats(session: AsyncSession, target: OrderTarget, orders: Sequence[Order]) -> None:
    """Raise the event's seat count by the new people of `orders` (just flushed, completed);
    refuse (409, nothing stored) when the event is cancelled meanwhile or would be oversold."""
    event = target.event
    order_ids = [o.id for o in orders]
    row = (
        await session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(seats_taken=Event.seats_taken + _new_people(order_ids))
            .returning(Event.seats_taken, Event.capacity, Event.status, Event.registration_enabled)
            .execution_options(synchronize_session=False)
        )
    ).one()
    # What another writer may have changed since the event was read (SQLite reads before it
    # takes the write lock): the answer above is current.
    for name, value in zip(
        ("seats_taken", "capacity", "status", "registration_enabled"), row, strict=True
    ):
        set_committed_value(event, name, value)
    if event.status is EventStatus.CANCELLED:
        raise Conflict(CANCELLED_EVENT)
    limit, reason = target.seat_limit()
    if limit is not None and event.seats_taken > limit:
        needed = await session.scalar(select(_new_people(order_ids)))
        raise capacity_exceeded(
            max(limit - (event.seats_taken - int(needed or 0)), 0), int(needed or 0), reason
        )


def capacity_exceeded(left: int, needed: int, reason: str) -> CapacityExceeded:
    return CapacityExceeded(
        f"Not enough seats: {_seats(left)} left (limited by {reason}) and this needs "
        f"{_seats(needed)}. Nothing was stored."
    )


def _seats(count: int) -> str:
    return f"{count:,} seat" + ("" if count == 1 else "s")


async def held_emails(session: AsyncSession, event_id: uuid.UUID, emails: set[str]) -> set[str]:
    """Which of `emails` hold a seat of the event (an active ticket of a completed order),
    looked up by the (event, email) index."""
    held: set[str] = set()
    ordered = sorted(emails)
    for start in range(0, len(ordered), 500):
        held.update(
            await session.scalars(
                select(Attendee.email)
                .distinct()
                .join(Order, Order.id == Attendee.order_id)
                .where(
                    Attendee.event_id == event_id,
                    Attendee.email.in_(ordered[start : start + 500]),
                    Attendee.cancelled_at.is_(None),
                    Order.status == OrderStatus.COMPLETED,
                )
            )
        )
    return held


async def shift_seats(
    session: AsyncSession, event: Event, emails: set[str], before: set[str]
) -> None:
    """After a change to the tickets of `emails` (`before`: those that held a seat then),
    move the event's seat count by the difference. The caller holds the event lock."""
    after = await held_emails(session, event.id, emails)
    await add_seats(session, event, len(after) - len(before))


async def add_seats(session: AsyncSession, event: Event, delta: int) -> None:
    if not delta:
        return
    taken = await session.scalar(
        update(Event)
        .where(Event.id == event.id)
        .values(seats_taken=Event.seats_taken + delta)
        .returning(Event.seats_taken)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(event, "seats_taken", int(taken or 0))


async def recount_seats(session: AsyncSession, event_id: uuid.UUID) -> int:
    """Set the event's seat count from its tickets (after a status change, a cancellation, an
    import): distinct emails of active attendees of completed orders."""
    held = (
        select(func.count(distinct(Attendee.email)))
        .join(Order, Order.id == Attendee.order_id)
        .where(
            Attendee.event_id == event_id,
            Attendee.cancelled_at.is_(None),
            Order.status == OrderStatus.COMPLETED,
        )
        .scalar_subquery()
    )
    taken = await session.scalar(
        update(Event)
        .where(Event.id == event_id)
        .values(seats_taken=held)
        .returning(Event.seats_taken)
        .execution_options(synchronize_session=False)
    )
    event = await session.get(Event, event_id)  # in the session already: no statement
    if event is not None:
        set_committed_value(event, "seats_taken", taken)
    return int(taken or 0)


def order_view(
    target: OrderTarget, order: Order, registrations: dict[tuple[uuid.UUID, str], RegistrationOut]
) -> OrderOut:
    """The order as `GET /orders/{id}` shows it, from the objects in memory."""
    return OrderOut(
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
                registrations=[
                    registrations[(link.id, a.email)]
                    for link in target.links
                    if (link.id, a.email) in registrations
                ],
            )
            for a in sorted(order.attendees, key=lambda a: (a.created_at, str(a.id)))
        ],
        warnings=registration_warnings(target.event),
    )
