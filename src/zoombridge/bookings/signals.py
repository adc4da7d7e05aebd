"""What the bookings domain announces (see `zoombridge.kit.signals`): notifications emails both
sides and keeps the booking's reminders in step with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zoombridge.bookings.models import Booking, Employee
from zoombridge.kit.signals import Signal


@dataclass(frozen=True)
class BookingMade:
    booking: Booking
    employee: Employee
    now: datetime  # reminders are planned from this moment (a test clock in tests)


@dataclass(frozen=True)
class BookingChanged:
    booking: Booking
    previous_employee: Employee
    employee: Employee  # the same row as previous_employee unless reassigned
    rescheduled: bool
    reassigned: bool
    # The customer's address before the change: unsent customer emails follow a correction.
    previous_customer_email: str
    reminder_offsets_changed: bool
    now: datetime


@dataclass(frozen=True)
class BookingCancelled:
    booking: Booking
    employee: Employee


booking_made: Signal[BookingMade] = Signal("booking.made")
booking_changed: Signal[BookingChanged] = Signal("booking.changed")
booking_cancelled: Signal[BookingCancelled] = Signal("booking.cancelled")
