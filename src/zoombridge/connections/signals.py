"""What the connections domain announces (see `zoombridge.kit.signals`)."""

from __future__ import annotations

from zoombridge.connections.models import ZoomConnection
from zoombridge.kit.signals import Signal

# About to delete this connection: a receiver whose rows still use it refuses with Conflict.
connection_deleting: Signal[ZoomConnection] = Signal("connection.deleting")
