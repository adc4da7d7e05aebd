"""PLACEHOLDER (being written): reconciling each booking's Zoom meeting."""

from __future__ import annotations

from zoombridge.sync.context import SyncContext


async def sync_bookings(ctx: SyncContext) -> int:
    return 0
