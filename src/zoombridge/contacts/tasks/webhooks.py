"""Zoom's webinar events bring a synced webinar's next sync forward (the sync reads Zoom's lists
itself, so an event only says "look soon"): a registration soon (bursts coalesce into one
sync), an ended webinar after a minute (Zoom's report lags the end), a finished recording at
once. Events of webinars that are not synced are ignored."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts.models import ContactWebinar
from zoombridge.engine.inbox import WebhookRoutes, action_of, meeting_id_of, payload_object
from zoombridge.engine.models import InboundWebhook

DELAYS = {
    "registration_created": timedelta(minutes=2),
    "registration_approved": timedelta(minutes=2),
    "registration_cancelled": timedelta(minutes=2),
    "registration_denied": timedelta(minutes=2),
    "ended": timedelta(minutes=1),
    "completed": timedelta(0),
}


async def nudge(session: AsyncSession, webhook: InboundWebhook, now: datetime) -> None:
    if not webhook.event.startswith(("webinar.", "recording.")):
        return
    zoom_id = meeting_id_of(payload_object(webhook.payload))
    if zoom_id is None:
        return
    webinar = await session.scalar(
        select(ContactWebinar).where(
            ContactWebinar.connection_id == webhook.connection_id,
            ContactWebinar.zoom_webinar_id == zoom_id,
        )
    )
    if webinar is None:
        return
    when = now + DELAYS.get(action_of(webhook), timedelta(minutes=2))
    if webinar.sync_due and (webinar.not_before is None or webinar.not_before <= when):
        return  # already due as soon or sooner
    webinar.sync_due, webinar.not_before, webinar.sync_trigger = True, when, "webhook"


def route(routes: WebhookRoutes) -> None:
    """Register the contacts domain's handlers with the inbox."""
    routes.on(tuple(DELAYS), nudge)
