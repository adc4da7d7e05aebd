"""What the orders API and the web UI take in and give back (never a secret).

Input models validate what can be checked without the database (email syntax, lengths); the
service checks the rest (names required on a Zoom-linked event, unique reference, capacity).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from zoombridge.kit.text import check_one_line
from zoombridge.orders.models import OrderStatus, RegistrationState, RegistrationWant

# Zoom's own limits on a registrant (email 128, names 64): longer values would be refused later
# by Zoom, so they are refused here, while the shop can still fix them.
EMAIL_MAX = 128
NAME_MAX = 64
MAX_ATTENDEES_PER_ORDER = 5_000


def _lower(value: str) -> str:
    return value.strip().lower()


Email = Annotated[EmailStr, AfterValidator(_lower), Field(max_length=EMAIL_MAX)]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=NAME_MAX),
    AfterValidator(check_one_line),
]


class AttendeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    first_name: Name = ""
    last_name: Name = ""


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    name: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=255),
            AfterValidator(check_one_line),
        ]
        | None
    ) = None


class OrderCreate(BaseModel):
    """A shop's order: its attendees and status (only `completed` registers them on Zoom)."""

    model_config = ConfigDict(extra="forbid")

    attendees: list[AttendeeIn] = Field(min_length=1, max_length=MAX_ATTENDEES_PER_ORDER)
    status: OrderStatus = OrderStatus.PENDING
    reference: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
            AfterValidator(check_one_line),
        ]
        | None
    ) = Field(default=None, description="the shop's order number, unique per event")
    customer: CustomerIn | None = None
    paid: bool = False
    billing: dict[str, Any] = Field(default_factory=dict, description="address etc., as given")

    @field_validator("attendees")
    @classmethod
    def _one_ticket_per_email(cls, attendees: list[AttendeeIn]) -> list[AttendeeIn]:
        # Zoom registers one person per email: a second ticket for the same email in one order
        # would be a second seat for nobody.
        first: dict[str, int] = {}
        clashes: list[str] = []
        for index, attendee in enumerate(attendees):
            if attendee.email in first:
                clashes.append(
                    f"the same email {attendee.email} is in attendees[{first[attendee.email]}] "
                    f"and attendees[{index}]"
                )
            else:
                first[attendee.email] = index
        if clashes:
            raise ValueError(
                "; ".join(clashes) + ": give each attendee their own email (Zoom registers one "
                "person per email)"
            )
        return attendees


class OrderStatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: OrderStatus


class RegistrationOut(BaseModel):
    """The attendee's registration on one Zoom meeting of the event (keyed by email)."""

    link_id: uuid.UUID
    label: str = Field(description="which meeting: the day or slot label, or 'main'")
    zoom_meeting_id: int | None
    want: RegistrationWant
    state: RegistrationState
    join_url: str | None
    last_error: str | None
    not_before: datetime | None = Field(description="deferred work resumes at this time")


class AttendeeOut(BaseModel):
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    ticket_code: str
    cancelled_at: datetime | None
    registrations: list[RegistrationOut]


class OrderOut(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    reference: str | None
    status: OrderStatus
    customer_email: str | None
    customer_name: str | None
    paid: bool
    billing: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    attendees: list[AttendeeOut]
    warnings: list[str] = Field(description="e.g. registration is off for the event (O9)")


class TicketDay(BaseModel):
    start: datetime
    end: datetime


class TicketMeeting(BaseModel):
    """One Zoom meeting on a ticket. Zoom-side fields stay empty until the worker confirmed them."""

    link_id: uuid.UUID
    label: str
    kind: str
    topic: str | None
    start: datetime | None
    end: datetime | None
    duration_minutes: int | None
    timezone: str | None
    recurrence: list[TicketDay] = Field(description="the days of a recurring meeting")
    meeting_id: int | None
    passcode: str | None
    join_url: str | None = Field(description="the attendee's own link (the open link if off)")
    registration_state: RegistrationState | None


class TicketOut(BaseModel):
    attendee_id: uuid.UUID
    ticket_code: str
    email: str
    first_name: str
    last_name: str
    valid: bool = Field(description="false when the attendee or order is cancelled/not completed")
    event_id: uuid.UUID
    event_topic: str
    event_timezone: str
    event_version: int
    meetings: list[TicketMeeting]
    warnings: list[str]


class ImportRow(BaseModel):
    row: int = Field(description="line number in the file (the header is line 1)")
    email: str
    status: str = Field(description="created | invalid | duplicate | refused")
    errors: list[str]


class ImportResult(BaseModel):
    order_id: uuid.UUID | None = Field(description="the completed order holding created rows")
    created: int
    invalid: int
    duplicate: int
    refused: int
    rows: list[ImportRow]


class AttendeeStatus(StrEnum):
    """Where an attendee's ticket stands, read from the attendee and their order."""

    ACTIVE = "active"  # order completed, ticket valid
    WAITING = "waiting"  # order pending, processing or on hold: no ticket yet
    CANCELLED = "cancelled"  # cancelled alone, or the order cancelled or refunded


class AttendeeListItem(AttendeeOut):
    """One attendee on the event's attendee list, with the order they came in."""

    order_id: uuid.UUID
    order_reference: str | None
    order_status: OrderStatus
    status: AttendeeStatus


# --- bulk intake -------------------------------------------------------------------------

MAX_BULK_ORDERS = 1_000
MAX_BULK_ATTENDEES = 10_000


class BulkOrderIn(OrderCreate):
    """One order of a bulk request: an order as `POST /events/{id}/orders` takes it, plus its
    event (unless the request names one) and its own idempotency key."""

    event_id: uuid.UUID | None = Field(
        default=None, description="the order's event (default: the event of the request path)"
    )
    idempotency_key: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = Field(
        default=None,
        description="retry safely: the same key with the same order gets the first answer again",
    )


class BulkOrdersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Each order is validated on its own, so one bad order is refused alone (with its field
    # errors) and the others go on.
    orders: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BULK_ORDERS,
        description=f"up to {MAX_BULK_ORDERS:,} orders, each as `BulkOrderIn`",
    )


class BulkFieldError(BaseModel):
    field: str
    message: str


class BulkOrderResult(BaseModel):
    index: int = Field(description="the order's position in the request, from 0")
    result: str = Field(description="created | replayed | refused")
    order: OrderOut | None = Field(description="the order as stored (created or replayed)")
    code: str | None = Field(
        description="why it was refused: invalid_input, not_found, conflict, capacity_exceeded, "
        "idempotency_key_reused"
    )
    detail: str | None
    errors: list[BulkFieldError]


class BulkOrdersOut(BaseModel):
    created: int
    replayed: int
    refused: int
    results: list[BulkOrderResult]
