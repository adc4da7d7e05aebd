"""Faults and refusals: dropped connections and 5xx are resent (every operation is safe to
resend), and what cannot succeed comes back as a typed error that names what to do, never
the token."""

from __future__ import annotations

import logging

import pytest

from tests.fixtures.hubspot_simulator import ClientFactory, HubSpotAdmin
from tests.hubspot.helpers import people
from zoombridge.hubspot import (
    ContactInput,
    MarketingEventCreate,
    MissingScopes,
    PropertyGroupDefinition,
    RetryPolicy,
    TokenInvalid,
    Unavailable,
)
from zoombridge.hubspot_simulator import HubSpotSimulatorServer

NO_WAIT = RetryPolicy(base_delay=0.0, max_delay=0.0, max_attempts=3)


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "5xx"])
async def test_a_lost_or_failed_upsert_is_resent_and_lands_once(
    kind: str,
    hubspot_sim: HubSpotSimulatorServer,
    hubspot_admin: HubSpotAdmin,
    hubspot_client: ClientFactory,
) -> None:
    hs = hubspot_client(hubspot_sim, retry=NO_WAIT)
    hubspot_admin.script(kind)
    out = await hs.upsert_contacts([ContactInput(e) for e in people(3)])
    assert len(out.succeeded) == 3
    assert hs.stats.retries == 1
    assert len(hubspot_admin.contacts(hubspot_sim.config.hub_id)) == 3


async def test_a_create_whose_answer_was_lost_is_reported_created_once(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim, retry=NO_WAIT)
    hubspot_admin.script("drop_after")  # created on HubSpot's side, the answer lost
    made = await hs.create_marketing_event(MarketingEventCreate("w1", "Launch", "Acme"))
    assert made.created
    assert made.value.event_name == "Launch"
    assert len(hubspot_admin.events(hubspot_sim.config.hub_id)) == 1
    hubspot_admin.script("drop_after")
    group = await hs.create_property_group(PropertyGroupDefinition("zoom", "Zoom"))
    assert group.created


async def test_a_chunk_that_keeps_failing_is_recorded_on_its_inputs_and_the_others_land(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim, retry=NO_WAIT, batch_concurrency=1)
    hubspot_admin.script("5xx", count=3)  # the first chunk's three attempts
    out = await hs.upsert_contacts([ContactInput(e) for e in people(150)])
    assert [type(o.error) for o in out.failed] == [Unavailable] * 100
    assert all(o.error is not None and o.error.retryable for o in out.failed)
    assert len(out.succeeded) == 50


async def test_a_revoked_token_is_named_without_showing_it(
    hubspot_sim: HubSpotSimulatorServer,
    hubspot_admin: HubSpotAdmin,
    hubspot_client: ClientFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = hubspot_sim.config.token
    hs = hubspot_client(hubspot_sim)
    hubspot_admin.revoke(hubspot_sim.config.hub_id)
    with pytest.raises(TokenInvalid) as refused:
        await hs.get_contact("1")
    error = refused.value
    assert "Private Apps" in error.user_message
    report = await hs.test_access()
    assert not report.token_valid
    out = await hs.upsert_contacts([ContactInput(e) for e in people(250)])
    assert {type(o.error) for o in out.outcomes} == {TokenInvalid}
    assert [o.sent for o in out.outcomes].count(False) >= 100  # later chunks not sent
    texts = [
        str(error),
        repr(error),
        error.user_message,
        repr(hs),
        str(report.messages),
        caplog.text,
        *(str(o.error) for o in out.outcomes),
    ]
    assert not [t for t in texts if token in t]


async def test_missing_scopes_are_named_with_the_feature_that_needs_them(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hub = hubspot_sim.config.hub_id
    scopes = [
        "crm.objects.contacts.read",
        "crm.objects.contacts.write",
        "crm.schemas.contacts.read",
        "crm.objects.marketing_events.read",
    ]
    hs = hubspot_client(hubspot_sim, token=hubspot_admin.add_token(hub, scopes))
    with pytest.raises(MissingScopes) as refused:
        await hs.create_marketing_event(MarketingEventCreate("w", "W", "Acme"))
    error = refused.value
    assert error.scopes == ["crm.objects.marketing_events.write"]
    assert "marketing events" in error.user_message
    assert "Settings > Integrations > Private Apps" in error.user_message
    report = await hs.test_access()
    assert report.token_valid
    assert not report.ok
    assert report.missing == {
        "contact_properties": ["crm.schemas.contacts.write"],
        "marketing_events": ["crm.objects.marketing_events.write"],
    }
    assert len(report.messages) == 2
    assert "Zoom properties on contacts" in report.messages[0]
    assert all(c.status != "unknown" for c in report.checks)
