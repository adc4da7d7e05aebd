"""The Zoom properties zoombridge keeps on HubSpot contacts, in their own property group.

The four of the seed (average webinar attendance, last registered webinar URL, total
registrations, total attended) and the contacts domain's others (first and last attended, last
registration, no-shows). Values are the contacts domain's own figures, as HubSpot stores
properties: strings, times in epoch milliseconds.
"""

from __future__ import annotations

from zoombridge.contacts.models import Contact
from zoombridge.hubspot import PropertyDefinition, PropertyGroupDefinition, PropertyType
from zoombridge.hubspot.requests import property_string

GROUP = PropertyGroupDefinition("zoombridge_zoom", "Zoom webinars (zoombridge)")


def _define(name: str, label: str, kind: PropertyType, description: str) -> PropertyDefinition:
    field_type = {PropertyType.NUMBER: "number", PropertyType.STRING: "text"}.get(kind, "date")
    return PropertyDefinition(name, label, kind, field_type, GROUP.name, description)


PROPERTIES: tuple[PropertyDefinition, ...] = (
    _define(
        "zoom_average_webinar_attendance",
        "Average webinar attendance (%)",
        PropertyType.NUMBER,
        "Mean share of each ended webinar attended (a registered no-show counts 0 %).",
    ),
    _define(
        "zoom_last_registered_webinar_url",
        "Last registered webinar URL",
        PropertyType.STRING,
        "Registration page (else join link) of the webinar registered for last.",
    ),
    _define(
        "zoom_total_registrations",
        "Total webinar registrations",
        PropertyType.NUMBER,
        "Webinars registered for and not cancelled.",
    ),
    _define(
        "zoom_total_webinars_attended",
        "Total webinars attended",
        PropertyType.NUMBER,
        "Webinars attended.",
    ),
    _define(
        "zoom_first_attended_at",
        "First webinar attended",
        PropertyType.DATETIME,
        "When the contact first joined a webinar.",
    ),
    _define(
        "zoom_last_attended_at",
        "Last webinar attended",
        PropertyType.DATETIME,
        "When the contact last left a webinar.",
    ),
    _define(
        "zoom_last_registered_at",
        "Last webinar registration",
        PropertyType.DATETIME,
        "When the contact last registered for a webinar.",
    ),
    _define(
        "zoom_no_show_count",
        "Webinar no-shows",
        PropertyType.NUMBER,
        "Ended webinars registered for and not attended.",
    ),
)
NAMES = tuple(p.name for p in PROPERTIES)


def values(contact: Contact) -> dict[str, str]:
    """The contact's Zoom properties as HubSpot strings ("" = no value)."""
    raw = {
        "zoom_average_webinar_attendance": contact.avg_attendance_percent,
        "zoom_last_registered_webinar_url": contact.last_registered_webinar_url,
        "zoom_total_registrations": contact.total_registrations,
        "zoom_total_webinars_attended": contact.total_webinars_attended,
        "zoom_first_attended_at": contact.first_attended_at,
        "zoom_last_attended_at": contact.last_attended_at,
        "zoom_last_registered_at": contact.last_registered_at,
        "zoom_no_show_count": contact.no_show_count,
    }
    return {name: property_string(value) for name, value in raw.items()}


def changes(current: dict[str, str], sent: dict[str, str]) -> dict[str, str]:
    """What to send: values that differ from those HubSpot confirmed. An empty value is sent
    only to clear one sent before (never to a property that never had one)."""
    return {
        name: value
        for name, value in current.items()
        if sent.get(name, "") != value and (value != "" or sent.get(name))
    }
