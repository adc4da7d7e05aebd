"""What the orders domain announces (see `zoombridge.kit.signals`)."""

from __future__ import annotations

from zoombridge.kit.signals import Signal
from zoombridge.orders.models import Attendee, Order

# The order has just become completed (created so, moved to completed, or imported from CSV):
# its active attendees' tickets are due (O6; notifications emails them when enabled).
order_completed: Signal[Order] = Signal("order.completed")

# Tickets that were valid and no longer are: one attendee cancelled alone, or a whole completed
# order cancelled, refunded or put back on hold (each attendee of it that was active).
tickets_cancelled: Signal[list[Attendee]] = Signal("order.tickets_cancelled")
