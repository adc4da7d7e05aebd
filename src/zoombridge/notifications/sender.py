"""PLACEHOLDER (being written): sending due emails from the outbox."""

from __future__ import annotations

from zoombridge.sync.context import SyncContext


async def send_due_emails(ctx: SyncContext) -> int:
    return 0
