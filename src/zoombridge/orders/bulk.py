"""Bulk intake: up to 1,000 orders in one request, for one event or across events, stored in one
transaction with a result per order (created, replayed, refused with its field errors).

Every order is judged on its own, with the same rules and words as `POST /events/{id}/orders`:
its body, its event (exists, not cancelled, takes orders), the names Zoom needs, its reference
(unique per event, also within the request), its seats (judged in request order against the
event's seat count) and its `idempotency_key` (the same key with the same order replays the
first answer; with a different order it is refused). One bad order never holds up the others.

The cost is per request, not per order: the keys, the events with their meetings, the
references and the seat holders are each read in one statement; the orders, the attendees, the
registrations (one upsert per event) and the stored answers are each written in a few.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from zoombridge.accounts import idempotency
from zoombridge.accounts.models import IdempotencyRecord
from zoombridge.db.base import utc_now
from zoombridge.db.engine import begin_writes
from zoombridge.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    InvalidInput,
    NotFoundError,
)
from zoombridge.events.models import Event, EventStatus
from zoombridge.kit.text import field_name, readable
from zoombridge.orders.intake import (
    CANCELLED_EVENT,
    OrderTarget,
    add_seats,
    build_order,
    capacity_exceeded,
    duplicate_reference,
    held_emails,
    load_targets,
    order_view,
    refuse_for_event,
    store_orders,
)
from zoombridge.orders.models import Order, OrderStatus
from zoombridge.orders.registering import read_registrations, register
from zoombridge.orders.schemas import (
    MAX_BULK_ATTENDEES,
    BulkFieldError,
    BulkOrderIn,
    BulkOrderResult,
    BulkOrdersOut,
    OrderOut,
)
from zoombridge.orders.signals import orders_completed

# Keys of bulk orders live beside the request keys of the same token, apart from them.
_KEY_PREFIX = "bulk-order:"
_HASH_PATH = "/api/v1/orders/bulk#order"


@dataclass
class _Item:
    index: int
    data: BulkOrderIn | None = None
    event_id: uuid.UUID | None = None
    key: str | None = None
    request_hash: str = ""
    result: BulkOrderResult | None = None
    order: Order | None = None

    def refuse(self, error: DomainError) -> None:
        self.result = BulkOrderResult(
            index=self.index,
            result="refused",
            order=None,
            code=error.code,
            detail=error.detail,
            errors=[BulkFieldError(field=p.field, message=p.message) for p in error.field_errors],
        )


@dataclass
class _EventBatch:
    target: OrderTarget
    items: list[_Item] = field(default_factory=list)


def _parse(index: int, raw: dict[str, Any], default_event: uuid.UUID | None) -> _Item:
    item = _Item(index)
    try:
        data = BulkOrderIn.model_validate(raw)
    except ValidationError as exc:
        problems = [
            FieldProblem(field_name(tuple(e["loc"])) or "order", readable(e)) for e in exc.errors()
        ]
        item.refuse(InvalidInput("This order is not valid.", field_errors=problems))
        return item
    item.data = data
    item.event_id = data.event_id or default_event
    if item.event_id is None:
        message = "Name the order's event (event_id)."
        item.refuse(InvalidInput(message, field_errors=[FieldProblem("event_id", message)]))
        return item
    if data.idempotency_key is not None:
        item.key = _KEY_PREFIX + data.idempotency_key
        body = data.model_copy(update={"event_id": item.event_id}).model_dump_json().encode()
        item.request_hash = idempotency.fingerprint("POST", _HASH_PATH, body)
    return item


async def _replays(session: AsyncSession, token_id: uuid.UUID, items: list[_Item]) -> None:
    """Orders whose key was answered before: replayed, or refused when the order differs."""
    keyed = [i for i in items if i.result is None and i.key is not None]
    first: dict[str, int] = {}
    for item in keyed:
        assert item.key is not None
        if item.key in first:
            message = f"The same idempotency_key is used by order {first[item.key]}."
            item.refuse(
                InvalidInput(message, field_errors=[FieldProblem("idempotency_key", message)])
            )
        else:
            first[item.key] = item.index
    if not first:
        return
    stored = {
        r.key: r
        for r in await session.scalars(
            select(IdempotencyRecord).where(
                IdempotencyRecord.token_id == token_id, IdempotencyRecord.key.in_(list(first))
            )
        )
    }
    for item in keyed:
        record = stored.get(item.key or "")
        if item.result is not None or record is None:
            continue
        if record.request_hash != item.request_hash:
            message = (
                "This idempotency_key was already used for a different order. Use a new key "
                "for a new order; resend the exact same order to retry."
            )
            item.refuse(
                idempotency.IdempotencyKeyReused(
                    message, field_errors=[FieldProblem("idempotency_key", message)]
                )
            )
            continue
        item.result = BulkOrderResult(
            index=item.index,
            result="replayed",
            order=OrderOut.model_validate(record.response_body),
            code=None,
            detail=None,
            errors=[],
        )


async def _taken_references(session: AsyncSession, items: list[_Item]) -> None:
    """A reference already used on the event, or earlier in this request, refuses the order."""
    wanted = [i for i in items if i.result is None and i.data and i.data.reference is not None]
    if not wanted:
        return
    pairs = {(i.event_id, i.data.reference) for i in wanted if i.data}
    taken: set[tuple[uuid.UUID, str]] = set()
    ordered = sorted(pairs, key=str)
    for start in range(0, len(ordered), 400):
        rows = await session.execute(
            select(Order.event_id, Order.reference).where(
                tuple_(Order.event_id, Order.reference).in_(ordered[start : start + 400])
            )
        )
        taken.update((row[0], row[1] or "") for row in rows)
    for item in wanted:
        assert item.data is not None
        assert item.event_id is not None
        pair = (item.event_id, item.data.reference or "")
        if pair in taken:
            item.refuse(duplicate_reference(item.data.reference))
        else:
            taken.add(pair)


async def _fresh_events(session: AsyncSession, batches: dict[uuid.UUID, _EventBatch]) -> None:
    """Each event's seat count, capacity and status as they are now, under the write lock (on
    SQLite they were read before it was taken)."""
    rows = await session.execute(
        select(
            Event.id, Event.seats_taken, Event.capacity, Event.status, Event.registration_enabled
        ).where(Event.id.in_(list(batches)))
    )
    for event_id, seats, capacity, status, enabled in rows:
        event = batches[event_id].target.event
        for name, value in (
            ("seats_taken", seats),
            ("capacity", capacity),
            ("status", status),
            ("registration_enabled", enabled),
        ):
            set_committed_value(event, name, value)


async def _allot_seats(session: AsyncSession, batch: _EventBatch) -> int:
    """Judge the completed orders of one event in request order against its seats; the number
    of seats the accepted ones take."""
    event = batch.target.event
    completed = [
        i
        for i in batch.items
        if i.result is None and i.data and i.data.status is OrderStatus.COMPLETED
    ]
    if not completed:
        return 0
    if event.status is EventStatus.CANCELLED:
        for item in completed:
            item.refuse(Conflict(CANCELLED_EVENT))
        return 0
    emails = {a.email for i in completed if i.data for a in i.data.attendees}
    held = await held_emails(session, event.id, emails)
    limit, reason = batch.target.seat_limit()
    taken = 0
    for item in completed:
        assert item.data is not None
        new = {a.email for a in item.data.attendees} - held
        if limit is not None and event.seats_taken + taken + len(new) > limit:
            left = max(limit - event.seats_taken - taken, 0)
            item.refuse(capacity_exceeded(left, len(new), reason))
            continue
        held |= new
        taken += len(new)
    return taken


async def create_orders(
    session: AsyncSession,
    token_id: uuid.UUID,
    raw_orders: list[dict[str, Any]],
    *,
    default_event: uuid.UUID | None = None,
) -> BulkOrdersOut:
    """Store the valid orders of `raw_orders` in the session's transaction; a result each."""
    items = [_parse(index, raw, default_event) for index, raw in enumerate(raw_orders)]
    total = sum(len(i.data.attendees) for i in items if i.data)
    if total > MAX_BULK_ATTENDEES:
        message = (
            f"A bulk request may hold at most {MAX_BULK_ATTENDEES:,} attendees (this one has "
            f"{total:,}); split it."
        )
        raise InvalidInput(message, field_errors=[FieldProblem("orders", message)])
    await _replays(session, token_id, items)
    live = [i for i in items if i.result is None]
    counting = any(i.data and i.data.status is OrderStatus.COMPLETED for i in live)
    targets = await load_targets(session, {i.event_id for i in live if i.event_id}, lock=counting)
    batches: dict[uuid.UUID, _EventBatch] = {}
    for item in live:
        assert item.data is not None
        assert item.event_id is not None
        target = targets.get(item.event_id)
        if target is None:
            item.refuse(NotFoundError(f"There is no event with id {item.event_id}."))
            continue
        try:
            refuse_for_event(target, item.data)
        except DomainError as exc:
            item.refuse(exc)
            continue
        batches.setdefault(item.event_id, _EventBatch(target)).items.append(item)
    await _taken_references(session, items)

    await begin_writes(session)
    if batches:
        await _fresh_events(session, batches)
    seats = {event_id: await _allot_seats(session, b) for event_id, b in batches.items()}
    for event_id, batch in batches.items():
        for item in batch.items:
            if item.result is None and item.data is not None:
                if batch.target.event.status is EventStatus.CANCELLED:
                    item.refuse(Conflict(CANCELLED_EVENT))
                    continue
                item.order = build_order(event_id, item.data)
    try:
        await store_orders(session, [i.order for i in items if i.order is not None])
    except IntegrityError:
        # A reference checked free above was taken by a request stored meanwhile.
        raise Conflict(
            "Another request stored an order with one of these references at the same time. "
            "Nothing of this request was stored; send it again to get each order's answer."
        ) from None
    for event_id, batch in batches.items():
        await _write_event(session, batch, seats[event_id])
    await _store_answers(session, token_id, items)
    completed = [
        i.order for i in items if i.order is not None and i.order.status is OrderStatus.COMPLETED
    ]
    if completed:
        await orders_completed.send(session, completed)  # O6 tickets, contacts: all at once
    results = [i.result for i in items if i.result is not None]
    return BulkOrdersOut(
        created=sum(r.result == "created" for r in results),
        replayed=sum(r.result == "replayed" for r in results),
        refused=sum(r.result == "refused" for r in results),
        results=results,
    )


async def _write_event(session: AsyncSession, batch: _EventBatch, seats: int) -> None:
    target = batch.target
    stored = [i for i in batch.items if i.order is not None]
    if not stored:
        return
    await add_seats(session, target.event, seats)
    completed = [i.order for i in stored if i.order and i.order.status is OrderStatus.COMPLETED]
    registrations = await register(session, target, completed)
    pending_emails = {
        a.email
        for i in stored
        if i.order and i.order.status is not OrderStatus.COMPLETED
        for a in i.order.attendees
    }
    registrations.update(await read_registrations(session, target, pending_emails))
    for item in stored:
        assert item.order is not None
        item.result = BulkOrderResult(
            index=item.index,
            result="created",
            order=order_view(target, item.order, registrations),
            code=None,
            detail=None,
            errors=[],
        )


async def _store_answers(session: AsyncSession, token_id: uuid.UUID, items: list[_Item]) -> None:
    """The answer of each created order with a key, for its retries; refused when a concurrent
    request stored one of these keys first (then nothing of this request is stored)."""
    keyed = [i for i in items if i.order is not None and i.key is not None and i.result]
    if not keyed:
        return
    now = utc_now()
    rows = [
        {
            "id": uuid.uuid4(),
            "token_id": token_id,
            "key": i.key,
            "request_hash": i.request_hash,
            "response_status": 201,
            "response_body": i.result.order.model_dump(mode="json")
            if i.result and i.result.order
            else None,
            "created_at": now,
            "updated_at": now,
        }
        for i in keyed
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # The rows as executemany parameters: one cached statement, sent in multi-row batches.
    result = await session.execute(
        insert(IdempotencyRecord)
        .on_conflict_do_nothing(index_elements=["token_id", "key"])
        .returning(IdempotencyRecord.id),
        rows,
    )
    stored = len(result.all())
    if stored < len(rows):
        raise Conflict(
            "Another request with some of these idempotency keys was stored at the same time. "
            "Nothing of this request was stored; send it again to get each order's answer."
        )
