"""PLACEHOLDER (being written): turning due reminders into outbox emails."""

from __future__ import annotations

from zoombridge.sync.context import SyncContext


async def fire_due_reminders(ctx: SyncContext) -> int:
    return 0
