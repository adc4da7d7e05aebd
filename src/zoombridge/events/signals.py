"""What the events domain announces (see `zoombridge.kit.signals`): orders keep registrations
in step with the event's meetings, notifications keep its reminders in step with its starts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from zoombridge.events.models import Event, MeetingLink
from zoombridge.events.schemas import EventSummary
from zoombridge.kit.signals import Signal


@dataclass(frozen=True)
class EventSaved:
    event: Event
    created: bool
    # A meeting link was added or dropped: who is registered where must be worked out again.
    links_changed: bool
    # Registration was switched on or off (O9): registrations are wanted again, or not.
    registration_switched: bool
    # Its name, date or time changed (the version was bumped): attendees are told.
    schedule_changed: bool = False


@dataclass(frozen=True)
class EventSyncRequested:
    """ "Sync now": the event's meetings are due at once; their registrations should be too."""

    event: Event
    link_ids: Sequence[uuid.UUID]


@dataclass(frozen=True)
class MeetingRecreated:
    """A meeting deleted in Zoom is to be made again: its registrants must be registered on
    the new one and told their new join link."""

    event: Event
    link: MeetingLink


@dataclass(frozen=True)
class EventsListed:
    """A page of the events list is being answered: domains above fill in what they own
    (the orders domain: registration counts), on these very summaries."""

    summaries: Sequence[EventSummary]


event_saved: Signal[EventSaved] = Signal("event.saved")
meeting_recreated: Signal[MeetingRecreated] = Signal("event.meeting_recreated")
event_cancelled: Signal[Event] = Signal("event.cancelled")
event_sync_requested: Signal[EventSyncRequested] = Signal("event.sync_requested")
events_listed: Signal[EventsListed] = Signal("event.listed")
