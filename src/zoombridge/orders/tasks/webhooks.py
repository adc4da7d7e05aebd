"""What Zoom's registration webhook events mean for registrations (applied by the engine's inbox):

- registration_created / _approved -> confirms a registration we wanted (our request reached
  Zoom but its answer was lost: Zoom's word saves a resend);
- registration_cancelled / _denied of someone we want registered -> the row stops (FAILED) with
  a note. We do NOT register them again by ourselves: a cancellation in Zoom is usually the
  organiser's decision there, and re-registering would undo it behind their back (and spend the
  person's daily registration requests). "Retry" on the row registers them again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.engine import audit
from zoombridge.engine.inbox import WebhookRoutes, event_time, payload_object
from zoombridge.engine.models import InboundWebhook, Outcome
from zoombridge.events.models import MeetingLink
from zoombridge.events.tasks.webhooks import links_for
from zoombridge.orders.models import Registration, RegistrationState, RegistrationWant


def _registrant(webhook: InboundWebhook) -> dict[str, Any]:
    registrant = payload_object(webhook.payload).get("registrant")
    return registrant if isinstance(registrant, dict) else {}


async def _registration(
    session: AsyncSession, link: MeetingLink, email: str
) -> Registration | None:
    return (
        await session.scalars(
            select(Registration).where(
                Registration.link_id == link.id, Registration.email == email.lower()
            )
        )
    ).one_or_none()


async def on_registered(session: AsyncSession, webhook: InboundWebhook, now: datetime) -> None:
    person = _registrant(webhook)
    email = str(person.get("email") or "")
    if not email:
        return
    for link in await links_for(session, webhook):
        row = await _registration(session, link, email)
        if row is None or row.want is not RegistrationWant.REGISTERED:
            continue  # registered in Zoom directly: not ours to manage
        if person.get("id") and not row.zoom_registrant_id:
            row.zoom_registrant_id = str(person["id"])
        if person.get("join_url") and not row.join_url:
            row.join_url = str(person["join_url"])
        if (
            row.state in (RegistrationState.PENDING, RegistrationState.DEFERRED)
            and row.zoom_registrant_id
            and row.join_url
        ):
            row.state = RegistrationState.REGISTERED
            row.confirmed_at = event_time(webhook)
            row.not_before = None
            row.last_error = None


async def on_cancelled(session: AsyncSession, webhook: InboundWebhook, now: datetime) -> None:
    email = str(_registrant(webhook).get("email") or "")
    if not email:
        return
    action = webhook.event.partition(".")[2]
    for link in await links_for(session, webhook):
        row = await _registration(session, link, email)
        if row is None or row.want is not RegistrationWant.REGISTERED:
            continue  # agrees with what we want (our own cancellation, or not ours)
        at = event_time(webhook)
        if row.state is not RegistrationState.REGISTERED or (
            row.confirmed_at is not None and row.confirmed_at > at
        ):
            continue  # older than our latest registration of them, or we are at it already
        verb = "cancelled" if action == "registration_cancelled" else "denied"
        row.state = RegistrationState.FAILED
        row.last_error = (
            f"Registration {verb} in Zoom on {at:%Y-%m-%d %H:%M} UTC, while the order still "
            "wants it. Not registered again automatically; retry this registration to register "
            "them again."
        )
        audit.record(
            session,
            f"webhook:{action}",
            {
                "connection": link.connection_id,
                "event": link.event_id,
                "link": link.id,
                "registration": row.id,
            },
            outcome=Outcome.FAILED,
            message=row.last_error,
            items=0,
        )


def route(routes: WebhookRoutes) -> None:
    """Register the orders domain's handlers with the inbox."""
    routes.on(("registration_created", "registration_approved"), on_registered)
    routes.on(("registration_cancelled", "registration_denied"), on_cancelled)
