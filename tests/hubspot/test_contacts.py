"""Contacts through the client against the simulator: batching at 100, per-input outcomes of
207 answers, repeated and invalid emails, secondary emails, archived contacts."""

from __future__ import annotations

from tests.fixtures.hubspot_simulator import ClientFactory, HubSpotAdmin
from tests.hubspot.helpers import people
from zoombridge.hubspot import (
    ContactInput,
    ContactNotFound,
    InvalidInput,
    PropertyDefinition,
    PropertyType,
    ValidationFailed,
)
from zoombridge.hubspot_simulator import HubSpotSimulatorServer


async def test_250_contacts_go_out_in_three_calls_of_at_most_100(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim)
    out = await hs.upsert_contacts([ContactInput(e, {"firstname": "P"}) for e in people(250)])
    assert out.calls == 3
    assert hs.stats.by_operation["contacts.batch_upsert"] == 3
    assert len(out.succeeded) == 250
    assert all(o.result is not None and o.result.new for o in out.outcomes)
    assert len(hubspot_admin.contacts(hubspot_sim.config.hub_id)) == 250
    again = await hs.upsert_contacts([ContactInput(e, {"lastname": "L"}) for e in people(250)])
    assert not any(o.result is not None and o.result.new for o in again.outcomes)


async def test_a_207_answer_is_read_per_input(
    hubspot_sim: HubSpotSimulatorServer, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim)
    await hs.create_property(
        PropertyDefinition(
            "zoom_total", "Total", PropertyType.NUMBER, "number", "contactinformation"
        )
    )
    inputs = [
        ContactInput("ok@example.com", {"zoom_total": 3}),
        ContactInput("wrongtype@example.com", {"zoom_total": "many"}),
        ContactInput("unknownprop@example.com", {"no_such_property": "x"}),
        ContactInput("not an email"),
        ContactInput("ok2@example.com", {"firstname": "Ann"}),
    ]
    out = await hs.upsert_contacts(inputs)
    assert [o.ok for o in out.outcomes] == [True, False, False, False, True]
    assert out.outcomes[0].result is not None
    assert out.outcomes[0].result.properties["zoom_total"] == "3"
    assert isinstance(out.outcomes[1].error, ValidationFailed)
    assert "many" in out.outcomes[1].error.user_message
    assert "no_such_property" in str(out.outcomes[2].error)
    assert isinstance(out.outcomes[3].error, InvalidInput)
    assert not out.outcomes[3].sent
    assert out.calls == 1


async def test_repeated_emails_are_merged_and_normalised(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim)
    out = await hs.upsert_contacts(
        [
            ContactInput(" Ada@Example.com ", {"firstname": "Ada"}),
            ContactInput("ada@example.com", {"lastname": "Lovelace"}),
        ]
    )
    assert [o.key for o in out.outcomes] == ["ada@example.com"] * 2
    assert out.outcomes[0].result == out.outcomes[1].result
    [ada] = hubspot_admin.contacts(hubspot_sim.config.hub_id)
    assert (ada["properties"]["firstname"], ada["properties"]["lastname"]) == ("Ada", "Lovelace")


async def test_a_secondary_email_updates_its_primary_contact(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hub = hubspot_sim.config.hub_id
    hs = hubspot_client(hubspot_sim)
    await hs.upsert_contacts([ContactInput("ann@example.com", {"firstname": "Ann"})])
    ann = hubspot_admin.contact(hub, "ann@example.com")
    hubspot_admin.add_secondary_email(hub, ann["id"], "ann.work@example.com")
    out = await hs.upsert_contacts([ContactInput("ann.work@example.com", {"lastname": "Lee"})])
    result = out.outcomes[0].result
    assert result is not None
    assert (result.id, result.new) == (str(ann["id"]), False)
    read = await hs.read_contacts_by_email(["ann.work@example.com"])
    contact = read.outcomes[0].result
    assert contact is not None
    assert contact.email == "ann@example.com"
    assert contact.secondary_emails == ["ann.work@example.com"]
    assert len(hubspot_admin.contacts(hub)) == 1


async def test_an_archived_contacts_email_makes_a_new_contact(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hub = hubspot_sim.config.hub_id
    hs = hubspot_client(hubspot_sim)
    first = (await hs.upsert_contacts([ContactInput("gone@example.com")])).results()[0]
    await hs.archive_contact(first.id)
    assert isinstance(
        (await hs.read_contacts_by_email(["gone@example.com"])).outcomes[0].error, ContactNotFound
    )
    archived = await hs.read_contacts_by_email(["gone@example.com"], archived=True)
    assert archived.results()[0].id == first.id
    second = (await hs.upsert_contacts([ContactInput("gone@example.com")])).results()[0]
    assert second.new
    assert second.id != first.id
    assert len(hubspot_admin.contacts(hub, include_archived=True)) == 2


async def test_reading_300_emails_takes_three_calls_and_names_the_missing(
    hubspot_sim: HubSpotSimulatorServer, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim)
    await hs.upsert_contacts([ContactInput(e) for e in people(150)])
    out = await hs.read_contacts_by_email(people(300), properties=["firstname"])
    assert out.calls == 3
    assert len(out.succeeded) == 150
    assert {type(o.error) for o in out.failed} == {ContactNotFound}
    assert [o.key for o in out.failed] == people(300)[150:]
