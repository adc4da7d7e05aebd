"""HubSpot sync's worker steps: connection requests (test access, the Zoom properties), pushes
made due by webinar syncs, and the pushes themselves."""

from __future__ import annotations

from zoombridge.engine.context import SyncContext
from zoombridge.engine.steps import Step
from zoombridge.hubspot_sync.tasks import access, push
from zoombridge.hubspot_sync.tasks.clients import HubSpotPool

__all__ = ["HubSpotPool", "steps"]


def steps(pool: HubSpotPool) -> list[Step]:
    """The steps in pass order, calling HubSpot through `pool`."""

    async def requests(ctx: SyncContext) -> int:
        return await access.run_requests(ctx, pool)

    async def pushes(ctx: SyncContext) -> int:
        return await push.push_due_webinars(ctx, pool)

    return [
        Step("hubspot connections", requests),
        Step("hubspot pushes due", push.mark_due),
        Step("hubspot pushes", pushes),
    ]
