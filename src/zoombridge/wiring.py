"""The composition root: what the domains register with the engine and with each other.

The engine knows no domain and a lower domain never imports a higher one; this module is where
they are put together, once, by every process at start-up (the web app, the worker, the CLI,
the demo and the tests):

- `connect_signals()`: each domain's receivers of the signals of the domains below it
  (events refuses to lose a connection it uses; orders follows events' meetings; notifications
  emails what orders and bookings announce and plans reminders for events and bookings;
  contacts makes contacts of orders' attendees and bookings' customers; courses registers its
  learners on course events' meetings, gives notifications a course event's reminder recipients
  and its learners' emails; results gives courses a learner's results);
- `webhook_routes()`: which domain applies which Zoom webhook event;
- `worker_steps()`: the worker's steps, in the order each pass runs them.
"""

from __future__ import annotations

from datetime import timedelta

from zoombridge.attendance import tasks as attendance_tasks
from zoombridge.bookings import tasks as booking_tasks
from zoombridge.connections import tasks as connection_tasks
from zoombridge.contacts import receivers as contact_receivers
from zoombridge.contacts.tasks import listing as contact_listing
from zoombridge.contacts.tasks import registering as contact_registering
from zoombridge.contacts.tasks import sync as contact_sync
from zoombridge.contacts.tasks import webhooks as contact_webhooks
from zoombridge.courses import receivers as course_receivers
from zoombridge.engine.context import SyncContext
from zoombridge.engine.inbox import WebhookRoutes, inbox_step
from zoombridge.engine.steps import Step
from zoombridge.events import receivers as event_receivers
from zoombridge.events.tasks import drift, links
from zoombridge.events.tasks import webhooks as event_webhooks
from zoombridge.hubspot_sync import tasks as hubspot_tasks
from zoombridge.notifications import receivers as notification_receivers
from zoombridge.notifications.tasks import reminders, sending
from zoombridge.orders import receivers as order_receivers
from zoombridge.orders.tasks import registrations
from zoombridge.orders.tasks import webhooks as order_webhooks
from zoombridge.results import receivers as result_receivers
from zoombridge.results import tasks as result_tasks

DEFAULT_DRIFT_CHECK = timedelta(minutes=15)


def connect_signals() -> None:
    """Connect every domain's receivers (connecting twice changes nothing)."""
    event_receivers.connect()
    order_receivers.connect()
    notification_receivers.connect()
    contact_receivers.connect()
    course_receivers.connect()
    result_receivers.connect()


def webhook_routes() -> WebhookRoutes:
    routes = WebhookRoutes()
    event_webhooks.route(routes)
    order_webhooks.route(routes)
    attendance_tasks.route(routes)
    contact_webhooks.route(routes)
    return routes


def worker_steps(
    *,
    drift_check_every: timedelta = DEFAULT_DRIFT_CHECK,
    hubspot: hubspot_tasks.HubSpotPool | None = None,
) -> list[Step]:
    """Each pass: connection requests (test access, fetch hosts), stored webhook events,
    meeting links, registrations, bookings' meetings, due reminders, the outbox (emails),
    attendance of ended meetings, the contacts' hosts and webinars listed, webinars synced
    into contacts and contacts registered to webinars, the HubSpot connections' requests and
    webinar pushes (through `hubspot`, the process's HubSpot clients), xAPI statements planned
    and sent to the LRS, then the periodic drift check."""

    async def check_drift(ctx: SyncContext) -> int:
        return await drift.check_drift(ctx, drift_check_every)

    return [
        Step("connections", connection_tasks.run_connection_requests),
        inbox_step(webhook_routes()),
        Step("meeting links", links.sync_due_links),
        Step("registrations", registrations.sync_due_registrations),
        Step("bookings", booking_tasks.sync_bookings),
        Step("reminders", reminders.fire_due_reminders),
        Step("emails", sending.send_due_emails),
        Step("attendance", attendance_tasks.pull_due_attendance),
        Step("contact webinars listed", contact_listing.list_due_connections),
        Step("contact webinars synced", contact_sync.sync_due_webinars),
        Step("contact registrations", contact_registering.send_due_requests),
        *hubspot_tasks.steps(hubspot or hubspot_tasks.HubSpotPool()),
        Step("xapi statements", result_tasks.plan_statements),
        Step("xapi sending", result_tasks.send_statements),
        Step("drift check", check_drift),
    ]
