"""PLACEHOLDER (being written): pulling participant reports of ended meetings."""

from __future__ import annotations

from zoombridge.sync.context import SyncContext


async def pull_due_attendance(ctx: SyncContext) -> int:
    return 0
