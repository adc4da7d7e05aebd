"""Rate limits against the simulator: planned pacing sends no 429; HubSpot's short-term 429
and its Retry-After are obeyed; a DAILY 429 stops the day, which ends at midnight in the
account's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.fixtures.hubspot_simulator import ClientFactory, HubSpotAdmin
from tests.hubspot.helpers import SharedClock, people
from zoombridge.hubspot import (
    ContactInput,
    DailyLimitReached,
    RateLimits,
    Tier,
)
from zoombridge.hubspot_simulator import HubSpotSimulatorServer


async def test_planned_pacing_keeps_every_window_under_the_limit(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    account = hubspot_admin.create_account(tier="free", burst_limit=4, window_ms=2000)
    hs = hubspot_client(
        hubspot_sim,
        token=account["token"],
        hub_id=account["hub_id"],
        limits=RateLimits(burst=4, window_s=2.0, daily=1_000),
    )
    out = await hs.upsert_contacts([ContactInput(e) for e in people(1_100)])
    assert (out.calls, len(out.succeeded)) == (11, 1_100)
    assert hs.stats.rate_limited == 0
    assert hubspot_admin.stats()["rate_limited"] == {}
    assert hubspot_admin.account(account["hub_id"])["peak_in_window"] == 4


async def test_a_ten_secondly_429_is_waited_out_and_resent(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    # The connection claims Professional, but the account allows 3 requests a second.
    account = hubspot_admin.create_account(tier="free", burst_limit=3, window_ms=1000)
    hs = hubspot_client(
        hubspot_sim, token=account["token"], hub_id=account["hub_id"], tier=Tier.PROFESSIONAL
    )
    out = await hs.upsert_contacts([ContactInput(e) for e in people(800)])
    assert len(out.succeeded) == 800
    assert hs.stats.rate_limited > 0
    assert hubspot_admin.stats()["rate_limited"] == {"TEN_SECONDLY_ROLLING": hs.stats.rate_limited}
    assert set(hs.stats.rate_limit_pauses) == {1.0}  # the simulator's Retry-After
    assert hubspot_admin.account(account["hub_id"])["peak_in_window"] == 3


async def test_retry_after_is_what_the_client_waits(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim)
    hubspot_admin.script("429", retry_after_s=2)
    out = await hs.upsert_contacts([ContactInput("ann@example.com")])
    assert out.outcomes[0].ok
    assert hs.stats.rate_limit_pauses == [2.0]
    assert hs.stats.by_status[429] == 1


async def test_a_daily_429_stops_until_midnight_in_the_accounts_time_zone(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    account = hubspot_admin.create_account(time_zone="America/New_York", daily_limit=3)
    clock = SharedClock()
    clock.set(hubspot_admin, datetime(2030, 3, 9, 4, 50, tzinfo=UTC))  # 23:50 in New York
    # The connection does not know the cap: only HubSpot's answer tells.
    hs = hubspot_client(
        hubspot_sim,
        token=account["token"],
        hub_id=account["hub_id"],
        time_zone="America/New_York",
        clock=clock,
    )
    for email in people(3):
        assert (await hs.upsert_contacts([ContactInput(email)])).outcomes[0].ok
    out = await hs.upsert_contacts([ContactInput("fourth@example.com")])
    error = out.outcomes[0].error
    assert isinstance(error, DailyLimitReached)
    assert error.resume_at == datetime(2030, 3, 9, 5, 0, tzinfo=UTC)
    assert "midnight in the account's time zone" in error.user_message
    sent = hubspot_admin.stats()["calls"]
    refused = await hs.upsert_contacts([ContactInput("fifth@example.com")])
    assert isinstance(refused.outcomes[0].error, DailyLimitReached)
    assert not refused.outcomes[0].sent
    assert hubspot_admin.stats()["calls"] == sent  # refused before sending
    clock.advance(hubspot_admin, 11 * 60)  # 00:01 in New York
    assert (await hs.upsert_contacts([ContactInput("fourth@example.com")])).outcomes[0].ok


async def test_utc_midnight_is_not_the_accounts_midnight(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    account = hubspot_admin.create_account(time_zone="America/New_York", daily_limit=1)
    clock = SharedClock()
    clock.set(hubspot_admin, datetime(2030, 3, 9, 23, 55, tzinfo=UTC))  # 18:55 in New York
    hs = hubspot_client(
        hubspot_sim,
        token=account["token"],
        hub_id=account["hub_id"],
        time_zone="America/New_York",
        clock=clock,
        limits=RateLimits(burst=100, window_s=10, daily=1),
    )
    assert (await hs.upsert_contacts([ContactInput("a@example.com")])).outcomes[0].ok
    clock.advance(hubspot_admin, 10 * 60)  # 00:05 UTC, 19:05 in New York
    with pytest.raises(DailyLimitReached) as refused:
        await hs.get_contact("a@example.com", by_email=True)
    assert refused.value.resume_at == datetime(2030, 3, 10, 5, 0, tzinfo=UTC)


async def test_the_clients_own_daily_budget_refuses_before_sending(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim, limits=RateLimits(burst=100, window_s=10, daily=2))
    out = await hs.upsert_contacts([ContactInput(e) for e in people(300)])
    assert out.calls == 2
    assert [o.ok for o in out.outcomes].count(True) == 200
    assert all(isinstance(o.error, DailyLimitReached) and not o.sent for o in out.failed)
    assert hubspot_admin.stats()["calls"] == 2
    assert hs.stats.refused_before_sending == 1


async def test_search_has_its_own_limit_and_no_headers(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    hs = hubspot_client(hubspot_sim)
    await hs.upsert_contacts([ContactInput(e, {"firstname": "P"}) for e in people(12)])
    query = [{"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "P"}]}]
    found = [c async for c in hs.search_contacts(query, page_size=1)]
    assert len(found) == 12
    assert hs.stats.rate_limited == 0  # 12 pages at 4 a second, planned
    assert hubspot_admin.stats()["rate_limited"] == {}


async def test_the_headers_lower_a_limit_planned_too_high(
    hubspot_sim: HubSpotSimulatorServer, hubspot_admin: HubSpotAdmin, hubspot_client: ClientFactory
) -> None:
    account = hubspot_admin.create_account(tier="free", burst_limit=3, window_ms=1000)
    hs = hubspot_client(
        hubspot_sim,
        token=account["token"],
        hub_id=account["hub_id"],
        tier=Tier.ENTERPRISE,
        batch_concurrency=1,
    )
    await hs.upsert_contacts([ContactInput(e) for e in people(700)])
    assert hs.stats.rate_limited == 0  # sent one at a time, the first answer's headers told
    assert hs.stats.daily_remaining == 250_000 - 7
