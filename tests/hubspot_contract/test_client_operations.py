"""Every operation the client uses, exercised against the simulator under HubSpot's specs.

Each scenario drives the real client over loopback HTTP through the validating transport, so
the request it sends and the answer the simulator gives are both checked against the
operation's schemas. A scenario passes only if its operation was seen answered 2xx with no
violation; `test_every_client_operation_has_a_contract_scenario` fails when the client gains
an operation no scenario covers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.fixtures.hubspot_simulator import ClientFactory
from tests.fixtures.hubspot_spec import ContractRecorder, require_reference_dir
from zoombridge.hubspot import (
    OPERATIONS,
    ContactInput,
    ContactNotFound,
    HubSpotClient,
    MarketingEventCreate,
    MarketingEventUpdate,
    Participant,
    PropertyDefinition,
    PropertyGroupDefinition,
    PropertyOption,
    PropertyType,
    SubscriberState,
)
from zoombridge.hubspot_simulator import HubSpotSimulatorServer

START = datetime(2030, 5, 1, 15, 0, tzinfo=UTC)
PEOPLE = [
    ContactInput(f"p{i}@example.com", {"firstname": "P", "lastname": str(i)}) for i in range(3)
]


async def with_event(hs: HubSpotClient) -> str:
    event = MarketingEventCreate(
        "webinar-1",
        "Launch webinar",
        "Acme",
        START,
        START + timedelta(hours=1),
        "https://zoom.us/w/1",
    )
    await hs.create_marketing_event(event)
    return event.external_event_id


async def upsert(hs: HubSpotClient) -> None:
    out = await hs.upsert_contacts(PEOPLE)
    assert len(out.succeeded) == 3


async def batch_read(hs: HubSpotClient) -> None:
    await upsert(hs)
    out = await hs.read_contacts_by_email(["p0@example.com", "nobody@example.com"])
    assert out.outcomes[0].ok
    assert isinstance(out.outcomes[1].error, ContactNotFound)


async def get(hs: HubSpotClient) -> None:
    await upsert(hs)
    by_email = await hs.get_contact("P1@example.com", by_email=True, properties=["lastname"])
    assert (await hs.get_contact(by_email.id)).email == "p1@example.com"


async def listing(hs: HubSpotClient) -> None:
    await upsert(hs)
    assert len([c async for c in hs.list_contacts(properties=["firstname"], page_size=2)]) == 3


async def archive(hs: HubSpotClient) -> None:
    await upsert(hs)
    contact = await hs.get_contact("p2@example.com", by_email=True)
    await hs.archive_contact(contact.id)
    with pytest.raises(ContactNotFound):
        await hs.get_contact(contact.id)
    gone = await hs.read_contacts_by_email(["p2@example.com"], archived=True)
    assert gone.results()[0].archived


async def search(hs: HubSpotClient) -> None:
    await upsert(hs)
    found = [
        c.email
        async for c in hs.search_contacts(
            [{"filters": [{"propertyName": "lastname", "operator": "IN", "values": ["1", "2"]}]}],
            properties=["email"],
            page_size=1,
        )
    ]
    assert sorted(found) == ["p1@example.com", "p2@example.com"]


async def properties(hs: HubSpotClient) -> None:
    group = await hs.create_property_group(PropertyGroupDefinition("zoom", "Zoom", 1))
    assert group.created
    assert not (await hs.create_property_group(PropertyGroupDefinition("zoom", "Zoom"))).created
    made = await hs.create_property(
        PropertyDefinition(
            "zoom_attended",
            "Attended",
            PropertyType.ENUMERATION,
            "select",
            "zoom",
            options=[PropertyOption("Yes", "yes", 0)],
        )
    )
    assert made.created
    assert (await hs.get_property("zoom_attended")).group_name == "zoom"
    assert "zoom_attended" in {p.name for p in await hs.list_properties()}
    assert (await hs.get_property_group("zoom")).label == "Zoom"
    assert "zoom" in {g.name for g in await hs.list_property_groups()}


async def access(hs: HubSpotClient) -> None:
    report = await hs.test_access()
    assert report.ok, report


async def events(hs: HubSpotClient) -> None:
    event_id = await with_event(hs)
    again = await hs.create_marketing_event(
        MarketingEventCreate(event_id, "Launch webinar", "Acme")
    )
    assert not again.created
    moved = await hs.update_marketing_event(
        event_id, MarketingEventUpdate(start=START + timedelta(hours=1), event_name="Moved")
    )
    assert moved.event_name == "Moved"
    assert (await hs.cancel_marketing_event(event_id)).cancelled
    done = await hs.complete_marketing_event(event_id, start=START, end=START + timedelta(hours=1))
    assert done.completed
    assert (await hs.get_marketing_event(event_id)).event_name == "Moved"


async def participations(hs: HubSpotClient) -> None:
    await upsert(hs)
    event_id = await with_event(hs)
    people = [
        Participant("p0@example.com", START),
        Participant("new@example.com", START, contact_properties={"firstname": "N"}),
    ]
    out = await hs.record_participations(event_id, SubscriberState.REGISTER, people)
    assert len(out.succeeded) == 2
    attended = Participant(
        "p0@example.com", START, joined_at=START, left_at=START + timedelta(minutes=40)
    )
    await hs.record_participations(event_id, SubscriberState.ATTEND, [attended])
    await hs.record_participations(
        event_id, SubscriberState.CANCEL, [Participant("new@example.com", START)]
    )
    counters = await hs.participation_counters(event_id)
    assert (counters.registered, counters.attended, counters.cancelled) == (1, 1, 1)


Scenario = Callable[[HubSpotClient], Awaitable[None]]
SCENARIOS: dict[str, Scenario] = {
    "contacts.batch_upsert": upsert,
    "contacts.batch_read": batch_read,
    "contacts.get": get,
    "contacts.list": listing,
    "contacts.archive": archive,
    "contacts.search": search,
    "properties.create": properties,
    "properties.batch_create": access,
    "properties.get": properties,
    "properties.list": properties,
    "groups.create": properties,
    "groups.get": properties,
    "groups.list": properties,
    "events.create": events,
    "events.batch_upsert": access,
    "events.get": events,
    "events.update": events,
    "events.cancel": events,
    "events.complete": events,
    "events.list": access,
    "participations.record_by_email": participations,
    "participations.counters": participations,
}


def test_every_client_operation_has_a_contract_scenario() -> None:
    assert sorted(SCENARIOS) == sorted(OPERATIONS)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
async def test_operation_against_the_spec(
    name: str,
    hubspot_sim: HubSpotSimulatorServer,
    hubspot_client: ClientFactory,
    hubspot_recorder: ContractRecorder,
) -> None:
    require_reference_dir()
    await SCENARIOS[name](hubspot_client(hubspot_sim))
    assert OPERATIONS[name].operation_id in hubspot_recorder.covered()
