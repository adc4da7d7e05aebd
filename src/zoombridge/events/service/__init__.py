"""Business rules for events (E1–E11), shared by the REST API and the web UI.

Services write desired state and never call Zoom: each Zoom meeting or webinar an event uses is
a `MeetingLink` row that the worker reconciles (see docs/events.md for the rules):

- one link for a single event or a recurring multi-day event, one per day for `per_day`, one per
  slot for slot events; none with `zoom.mode = "none"`;
- a change Zoom must see (name, agenda, date, time, duration, time zone, days) bumps
  `event.version` and puts the affected links back to PENDING with the new desired version;
- deleting an event cancels it: the row stays (orders, tickets and the audit log keep their
  event), every link goes ABSENT so the worker deletes what zoombridge created.

Public functions: `create_event`, `update_event`, `delete_event`, `get_event`, `get_event_view`,
`list_events`, `preview_event`, `preview_draft`, `request_approval_fix`, `request_sync`."""

from __future__ import annotations

from zoombridge.events.service.changes import (
    create_event,
    delete_event,
    recreate_meeting,
    request_approval_fix,
    request_sync,
    unlink_meeting,
    update_event,
)
from zoombridge.events.service.links import get_event
from zoombridge.events.service.listing import EventFilters, list_events
from zoombridge.events.service.planning import REGISTRATION_OFF_WARNING
from zoombridge.events.service.views import (
    get_event_view,
    preview_draft,
    preview_event,
)

__all__ = [
    "REGISTRATION_OFF_WARNING",
    "EventFilters",
    "create_event",
    "delete_event",
    "get_event",
    "get_event_view",
    "list_events",
    "preview_draft",
    "preview_event",
    "recreate_meeting",
    "request_approval_fix",
    "request_sync",
    "unlink_meeting",
    "update_event",
]
