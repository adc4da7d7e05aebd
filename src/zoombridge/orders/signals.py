"""What the orders domain announces (see `zoombridge.kit.signals`)."""

from __future__ import annotations

from zoombridge.kit.signals import Signal
from zoombridge.orders.models import Attendee, Order

# Orders that have just become completed (created so, moved to completed, imported from CSV,
# or a whole bulk request's at once): their active attendees' tickets are due (O6;
# notifications emails them when enabled) and they become contacts. One message carries every
# order completed by one request, so a receiver does its work for all of them in a few
# statements: a bulk request of 1,000 orders pays a receiver's cost once, as one order does.
orders_completed: Signal[list[Order]] = Signal("orders.completed")

# Tickets that were valid and no longer are: one attendee cancelled alone, or a whole completed
# order cancelled, refunded or put back on hold (each attendee of it that was active).
tickets_cancelled: Signal[list[Attendee]] = Signal("order.tickets_cancelled")
