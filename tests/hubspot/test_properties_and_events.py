"""Property groups and properties (409 means it exists), marketing events and participations
through the client against the simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fixtures.hubspot_simulator import ClientFactory, HubSpotAdmin
from zoombridge.hubspot import (
    ContactInput,
    MarketingEventCreate,
    MarketingEventNotFound,
    Participant,
    PropertyDefinition,
    PropertyGroupDefinition,
    PropertyType,
    SubscriberState,
    ValidationFailed,
)
from zoombridge.hubspot_simulator import HubSpotSimulatorServer

START = datetime(2030, 6, 1, 16, 0, tzinfo=UTC)


async def test_creating_what_exists_returns_the_existing_one(
    hubspot_sim: HubSpotSimulatorServer, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim)
    group = PropertyGroupDefinition("zoom_webinars", "Zoom webinars")
    assert (await hs.create_property_group(group)).created
    again = await hs.create_property_group(PropertyGroupDefinition("zoom_webinars", "Other"))
    assert (again.created, again.value.label) == (False, "Zoom webinars")
    prop = PropertyDefinition(
        "zoom_last_webinar_url",
        "Last registered webinar URL",
        PropertyType.STRING,
        "text",
        "zoom_webinars",
    )
    assert (await hs.create_property(prop)).created
    second = await hs.create_property(prop)
    assert (second.created, second.value.type) == (False, "string")
    assert hs.stats.by_status[409] == 2


async def test_an_invalid_property_is_refused_with_the_reason(
    hubspot_sim: HubSpotSimulatorServer, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim)
    bad = PropertyDefinition(
        "Zoom Count", "Count", PropertyType.NUMBER, "number", "contactinformation"
    )
    with pytest.raises(ValidationFailed) as refused:
        await hs.create_property(bad)
    assert "lower-case" in refused.value.user_message


async def test_a_webinar_with_registrations_attendance_and_a_cancellation(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hub = hubspot_sim.config.hub_id
    hs = hubspot_client(hubspot_sim, external_account_id="zoom-acct-1")
    await hs.upsert_contacts([ContactInput("known@example.com", {"firstname": "Known"})])
    event = MarketingEventCreate("87654321", "Launch", "Acme", START, START + timedelta(hours=1))
    await hs.create_marketing_event(event)
    registrants = [
        Participant("known@example.com", START - timedelta(days=2)),
        Participant(
            "new@example.com", START - timedelta(days=1), contact_properties={"firstname": "New"}
        ),
        Participant("leaver@example.com", START - timedelta(days=1)),
    ]
    out = await hs.record_participations("87654321", SubscriberState.REGISTER, registrants)
    assert len(out.succeeded) == 3
    await hs.record_participations(
        "87654321",
        SubscriberState.ATTEND,
        [
            Participant(
                "known@example.com", START, joined_at=START, left_at=START + timedelta(minutes=45)
            )
        ],
    )
    await hs.record_participations(
        "87654321", SubscriberState.CANCEL, [Participant("leaver@example.com", START)]
    )
    await hs.complete_marketing_event("87654321", start=START, end=START + timedelta(hours=1))
    details = await hs.get_marketing_event("87654321")
    assert (details.registrants, details.attendees, details.cancellations, details.no_shows) == (
        2,
        1,
        1,
        1,
    )
    new = hubspot_admin.contact(hub, "new@example.com")
    assert new["properties"]["firstname"] == "New"
    known = hubspot_admin.contact(hub, "known@example.com")
    kinds = [(t["kind"], t.get("attendedSeconds")) for t in known["timeline"]]
    assert kinds == [("registered", None), ("attended", 45 * 60)]
    [stored] = hubspot_admin.events(hub)
    assert stored["external_account_id"] == "zoom-acct-1"


async def test_resending_a_participation_records_it_once(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim)
    await hs.create_marketing_event(MarketingEventCreate("w", "W", "Acme", START))
    person = Participant("ann@example.com", START)
    for _ in range(2):
        await hs.record_participations("w", SubscriberState.REGISTER, [person])
    [event] = hubspot_admin.events(hubspot_sim.config.hub_id)
    [participation] = event["participations"]
    assert participation["repeats"] == 1
    assert len(hubspot_admin.contact(hubspot_sim.config.hub_id, "ann@example.com")["timeline"]) == 1


async def test_another_apps_events_are_invisible(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    await hubspot_client(hubspot_sim).create_marketing_event(MarketingEventCreate("w", "W", "Acme"))
    other = hubspot_client(hubspot_sim, token=hubspot_admin.add_token(hubspot_sim.config.hub_id))
    with pytest.raises(MarketingEventNotFound) as missing:
        await other.get_marketing_event("w")
    assert "another app" in missing.value.user_message


async def test_participations_are_sent_100_per_call(
    hubspot_sim: HubSpotSimulatorServer, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim)
    await hs.create_marketing_event(MarketingEventCreate("w", "W", "Acme"))
    everyone = [Participant(f"a{i}@example.com", START) for i in range(201)]
    out = await hs.record_participations("w", SubscriberState.REGISTER, everyone)
    assert (out.calls, len(out.succeeded)) == (3, 201)
    assert (await hs.participation_counters("w")).registered == 201
