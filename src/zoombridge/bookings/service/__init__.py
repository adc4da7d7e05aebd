"""Services, employees and bookings (B1–B5): validation and Zoom desired state.

Nothing here calls Zoom. A booking of a Zoom-enabled service is its meeting's desired state
(see `bookings.models`): each change Zoom must see bumps `desired_version` and makes the row due;
the worker creates, updates, moves or deletes the meeting. Each change is announced
(`bookings.signals`), and notifications writes its emails and reminders in the same transaction;
every refusal happens before anything is written, so a refused request changes nothing.

An employee's Zoom user is worked out when read, from the connection's fetched hosts as they are
now (a later fetch may add or remove the user): an explicit pick must still be among them; with
none, the host whose email is the employee's. A booking stores what it resolved on the employee
row, so the worker hosts the meeting with the user the booking was checked against."""

from __future__ import annotations

from zoombridge.bookings.service.changes import (
    cancel_booking,
    create_booking,
    request_sync,
    update_booking,
)
from zoombridge.bookings.service.employees import (
    create_employee,
    get_employee,
    list_employees,
    update_employee,
    zoom_user_choices,
)
from zoombridge.bookings.service.listing import BookingFilters, list_bookings
from zoombridge.bookings.service.services import (
    create_service,
    get_service,
    list_services,
    update_service,
)
from zoombridge.bookings.service.views import get_booking

__all__ = [
    "BookingFilters",
    "cancel_booking",
    "create_booking",
    "create_employee",
    "create_service",
    "get_booking",
    "get_employee",
    "get_service",
    "list_bookings",
    "list_employees",
    "list_services",
    "request_sync",
    "update_booking",
    "update_employee",
    "update_service",
    "zoom_user_choices",
]
