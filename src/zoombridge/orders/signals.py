"""What the orders domain announces (see `zoombridge.kit.signals`)."""

from __future__ import annotations

from zoombridge.kit.signals import Signal
from zoombridge.orders.models import Attendee, Order

# The order has just become completed (created so, moved to completed, or imported from CSV):
# its active attendees' tickets are due (O6; notifications emails them when enabled).
order_completed: Signal[Order] = Signal("order.completed")

# Many orders completed at once (bulk intake), in one message: a receiver connected here does
# the work of `order_completed` for all of them in a few statements. While nothing is connected
# here, each order is announced on `order_completed` instead.
orders_completed: Signal[list[Order]] = Signal("orders.completed")

# Tickets that were valid and no longer are: one attendee cancelled alone, or a whole completed
# order cancelled, refunded or put back on hold (each attendee of it that was active).
tickets_cancelled: Signal[list[Attendee]] = Signal("order.tickets_cancelled")
