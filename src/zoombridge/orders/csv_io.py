"""CSV in and out (O8): attendee export, and bulk registration from a CSV of attendees.

Import: every valid, new row becomes an attendee of ONE new completed order (one order per
upload, so the upload can be found, and cancelled or refunded, as a whole). Rows are judged one
by one: invalid rows (bad email, missing names on a Zoom event) and duplicates (an email that
already holds a ticket of the event, or appears earlier in the file) are reported and skipped,
rows beyond capacity are refused, and the valid rows are stored.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.errors import Conflict, FieldProblem, InvalidInput
from zoombridge.events.models import EventStatus
from zoombridge.kit.text import readable, without_controls
from zoombridge.orders.desired import refresh_registrations
from zoombridge.orders.intake import add_seats, held_emails
from zoombridge.orders.models import Attendee, Order, OrderStatus, Registration
from zoombridge.orders.schemas import AttendeeIn, ImportResult, ImportRow
from zoombridge.orders.service import (
    event_seat_limit,
    get_event,
    new_ticket_code,
    present_links,
    refuse_enrolment_event,
)
from zoombridge.orders.signals import orders_completed

MAX_IMPORT_ROWS = 10_000
BASE_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "order_reference",
    "order_status",
    "ticket_code",
    "registration_state",
    "join_url",
)
BILLING_COLUMNS = ("paid", "customer_name", "customer_email")
UNPAID_STATUSES = (OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.ON_HOLD)
# Several meetings per event (days, slots): their values share one cell, in meeting order.
MULTI_VALUE_SEPARATOR = " | "
_HEADER_ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "firstname": "first_name",
    "given_name": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
}


def _safe_cell(value: object) -> str:
    """A cell that spreadsheets will not run as a formula (CSV injection), on one line and with
    no control character (text stored before the checks at the door may hold some)."""
    if value is None:
        text = ""
    elif isinstance(value, dict | list):  # nested billing details stay readable
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    text = without_controls(text)  # a tab or CR became a space: look past leading spaces too
    return "'" + text if text.lstrip(" ")[:1] in ("=", "+", "-", "@") else text


# --- export --------------------------------------------------------------------------------


async def export_attendees_csv(
    session: AsyncSession,
    event_id: uuid.UUID,
    *,
    include_unpaid: bool = False,
    include_billing: bool = False,
) -> str:
    """Active attendees of the event's completed orders (and, with include_unpaid, of pending,
    processing and on-hold ones) as CSV with a header row."""
    await get_event(session, event_id)
    statuses = [OrderStatus.COMPLETED, *(UNPAID_STATUSES if include_unpaid else ())]
    rows = list(
        await session.execute(
            select(Attendee, Order)
            .join(Order, Order.id == Attendee.order_id)
            .where(
                Attendee.event_id == event_id,
                Attendee.cancelled_at.is_(None),
                Order.status.in_(statuses),
            )
            .order_by(Order.created_at, Order.id, Attendee.created_at, Attendee.id)
        )
    )
    links = await present_links(session, event_id)
    link_order = {link.id: index for index, link in enumerate(links)}
    registrations: dict[str, list[Registration]] = {}
    if links:
        for registration in await session.scalars(
            select(Registration).where(Registration.link_id.in_(list(link_order)))
        ):
            registrations.setdefault(registration.email, []).append(registration)
    for per_email in registrations.values():
        per_email.sort(key=lambda r: link_order[r.link_id])

    billing_keys = (
        sorted({key for _, order in rows for key in order.billing}) if include_billing else []
    )
    header = [*BASE_COLUMNS]
    if include_billing:
        header += [*BILLING_COLUMNS, *(f"billing_{key}" for key in billing_keys)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for attendee, order in rows:
        own = registrations.get(attendee.email, [])
        line: list[object] = [
            attendee.email,
            attendee.first_name,
            attendee.last_name,
            order.reference,
            order.status.value,
            attendee.ticket_code,
            MULTI_VALUE_SEPARATOR.join(r.state.value for r in own),
            MULTI_VALUE_SEPARATOR.join(r.join_url or "" for r in own),
        ]
        if include_billing:
            line += [
                "yes" if order.paid else "no",
                order.customer_name,
                order.customer_email,
                *(order.billing.get(key) for key in billing_keys),
            ]
        writer.writerow([_safe_cell(value) for value in line])
    return out.getvalue()


# --- import --------------------------------------------------------------------------------


def _column(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return _HEADER_ALIASES.get(key, key)


def _read_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    text = text.removeprefix("\ufeff")  # the BOM spreadsheets put in front of UTF-8
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [_column(name) for name in next(reader, [])]
    if "email" not in header:
        message = (
            "The first row must be a header naming the columns, with at least `email` "
            "(and `first_name`, `last_name` for an event on Zoom)."
        )
        raise InvalidInput(message, field_errors=[FieldProblem("file", message)])
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        rows.append((number, dict(zip(header, values, strict=False))))
        if len(rows) > MAX_IMPORT_ROWS:
            message = f"A file may hold at most {MAX_IMPORT_ROWS:,} attendees; split it."
            raise InvalidInput(message, field_errors=[FieldProblem("file", message)])
    return header, rows


def _errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc'])}: {readable(e)}" for e in exc.errors()]


def _missing_names(attendee: AttendeeIn) -> list[str]:
    return [
        f"{field}: required, because this event is on Zoom"
        for field, value in (("first_name", attendee.first_name), ("last_name", attendee.last_name))
        if not value
    ]


async def import_attendees_csv(
    session: AsyncSession, event_id: uuid.UUID, text: str, *, reference: str | None = None
) -> ImportResult:
    """Bulk registration (O8): a per-row result; valid rows are stored in one completed order."""
    event = await get_event(session, event_id, lock=True)
    if event.status is EventStatus.CANCELLED:
        raise Conflict("This event is cancelled; it takes no new attendees.")
    refuse_enrolment_event(event)
    _, rows = _read_rows(text)
    if reference is not None and await session.scalar(
        select(Order.id).where(Order.event_id == event_id, Order.reference == reference)
    ):
        raise InvalidInput(
            f"The event already has an order with reference {reference!r}.",
            field_errors=[
                FieldProblem("reference", "An order with this reference already exists.")
            ],
        )
    links = await present_links(session, event_id)
    limit, reason = await event_seat_limit(session, event, links)
    # Who of the file already holds a ticket (looked up per email, not the whole event).
    taken = await held_emails(
        session, event_id, {raw.get("email", "").strip().lower() for _, raw in rows}
    )
    seen: set[str] = set()
    results: list[ImportRow] = []
    created: list[AttendeeIn] = []
    for number, raw in rows:
        email = raw.get("email", "").strip()
        try:
            attendee = AttendeeIn(
                email=email,
                first_name=raw.get("first_name", ""),
                last_name=raw.get("last_name", ""),
            )
        except ValidationError as exc:
            results.append(
                ImportRow(row=number, email=email, status="invalid", errors=_errors(exc))
            )
            continue
        problems = _missing_names(attendee) if links else []
        if problems:
            results.append(
                ImportRow(row=number, email=attendee.email, status="invalid", errors=problems)
            )
            continue
        if attendee.email in seen or attendee.email in taken:
            where = "earlier in this file" if attendee.email in seen else "on a completed order"
            results.append(
                ImportRow(
                    row=number,
                    email=attendee.email,
                    status="duplicate",
                    errors=[f"already has a ticket {where}; not added again"],
                )
            )
            continue
        seen.add(attendee.email)
        if limit is not None and event.seats_taken + len(created) >= limit:
            results.append(
                ImportRow(
                    row=number,
                    email=attendee.email,
                    status="refused",
                    errors=[f"no seats left (limited by {reason})"],
                )
            )
            continue
        created.append(attendee)
        results.append(ImportRow(row=number, email=attendee.email, status="created", errors=[]))

    order_id = None
    if created:
        order_id = await _store(session, event_id, created, reference)
        await add_seats(session, event, len(created))  # every created row is a new person

    def count(status: str) -> int:
        return sum(r.status == status for r in results)

    return ImportResult(
        order_id=order_id,
        created=count("created"),
        invalid=count("invalid"),
        duplicate=count("duplicate"),
        refused=count("refused"),
        rows=results,
    )


async def _store(
    session: AsyncSession,
    event_id: uuid.UUID,
    attendees: Iterable[AttendeeIn],
    reference: str | None,
) -> uuid.UUID:
    order = Order(
        event_id=event_id,
        reference=reference,
        status=OrderStatus.COMPLETED,
        billing={},
        attendees=[
            Attendee(
                event_id=event_id,
                email=a.email,
                first_name=a.first_name,
                last_name=a.last_name,
                ticket_code=new_ticket_code(),
            )
            for a in attendees
        ],
    )
    session.add(order)
    await session.flush()
    await refresh_registrations(session, event_id, {a.email for a in order.attendees})
    await orders_completed.send(session, [order])  # their tickets too (O6, O8)
    return order.id
