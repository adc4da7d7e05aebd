"""Participations and the timeline entries they add to each contact.

A participation resent unchanged (same contact, state and times) is kept once and counted in
`repeats`: a client's retry never shows twice on the timeline, and tests can still see it.
Completing an event works out each attendee's attended time from their joinedAt/leftAt.
"""

from __future__ import annotations

from datetime import datetime

from zoombridge.hubspot_simulator.clock import from_epoch_ms
from zoombridge.hubspot_simulator.state import (
    Account,
    Contact,
    MarketingEvent,
    Participation,
    TimelineEntry,
)

STATES = {"register": "REGISTERED", "attend": "ATTENDED", "cancel": "CANCELLED"}
KINDS = {"REGISTERED": "registered", "ATTENDED": "attended", "CANCELLED": "cancelled"}


def record(
    event: MarketingEvent,
    contact: Contact,
    state: str,
    occurred_at_ms: int,
    joined_at_ms: int | None,
    left_at_ms: int | None,
    now: datetime,
) -> Participation:
    known = event.by_key.get((contact.id, state, occurred_at_ms, joined_at_ms, left_at_ms))
    if known is not None:
        known.repeats += 1
        return known
    participation = Participation(
        contact_id=contact.id,
        state=state,
        occurred_at_ms=occurred_at_ms,
        joined_at_ms=joined_at_ms,
        left_at_ms=left_at_ms,
        received_at=now,
    )
    event.add(participation)
    details: dict[str, object] = {}
    if joined_at_ms is not None:
        details["joinedAt"] = from_epoch_ms(joined_at_ms).isoformat()
    if left_at_ms is not None:
        details["leftAt"] = from_epoch_ms(left_at_ms).isoformat()
    contact.timeline.append(
        TimelineEntry(
            at=from_epoch_ms(occurred_at_ms),
            kind=KINDS[state],
            event_name=event.name,
            external_event_id=event.external_event_id,
            details=details,
        )
    )
    return participation


def attended_seconds(event: MarketingEvent, contact_id: int) -> int:
    total = 0
    for p in event.by_contact.get(contact_id, []):
        timed = p.joined_at_ms is not None and p.left_at_ms is not None
        if p.state == "ATTENDED" and timed:
            assert p.joined_at_ms is not None
            assert p.left_at_ms is not None
            total += max(0, p.left_at_ms - p.joined_at_ms) // 1000
    return total


def complete_attendance(account: Account, event: MarketingEvent) -> None:
    """Adds the attended duration to every attendee's attendance entries."""
    for contact_id in {p.contact_id for p in event.participations if p.state == "ATTENDED"}:
        contact = account.contacts.get(contact_id)
        if contact is None:
            continue
        seconds = attended_seconds(event, contact_id)
        for entry in contact.timeline:
            if entry.external_event_id == event.external_event_id and entry.kind == "attended":
                entry.details["attendedSeconds"] = seconds
