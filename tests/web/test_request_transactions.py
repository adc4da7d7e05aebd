"""The request's transaction: the API token's "last used" is written every few minutes, not on
every request, and on SQLite an API read never waits for the write lock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from tests.fixtures.api import ApiHarness
from tests.orders.factories import create_event
from zoombridge.accounts.models import ApiToken
from zoombridge.accounts.service import TOKEN_USE_PRECISION


async def _last_used(api: ApiHarness) -> object:
    async with api.sessionmaker() as session:
        return await session.scalar(select(ApiToken.last_used_at))


async def _age_token(api: ApiHarness, by: timedelta) -> None:
    async with api.sessionmaker() as session:
        token = await session.scalar(select(ApiToken))
        assert token is not None
        assert token.last_used_at is not None
        token.last_used_at -= by
        await session.commit()


async def test_last_used_is_recorded_on_first_use_then_at_most_every_few_minutes(
    api: ApiHarness,
) -> None:
    assert await _last_used(api) is None
    assert (await api.http.get("/api/v1/events")).status_code == 200  # a read records it too
    first = await _last_used(api)
    assert first is not None

    event = await create_event(api.sessionmaker)
    orders = f"/api/v1/events/{event.event_id}/orders"
    attendee = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Tester"}
    assert (await api.http.get("/api/v1/events")).status_code == 200
    assert (await api.http.post(orders, json={"attendees": [attendee]})).status_code == 201
    assert await _last_used(api) == first  # not written again within the precision

    await _age_token(api, TOKEN_USE_PRECISION + timedelta(seconds=1))
    aged = await _last_used(api)
    assert (await api.http.post(orders, json={"attendees": [attendee]})).status_code == 201
    assert await _last_used(api) != aged  # a write request records it in its transaction

    await _age_token(api, TOKEN_USE_PRECISION + timedelta(seconds=1))
    aged = await _last_used(api)
    assert (await api.http.get("/api/v1/events")).status_code == 200  # and a read request
    assert await _last_used(api) != aged


async def test_an_api_read_is_answered_while_another_connection_holds_the_write_lock(
    api: ApiHarness, database_url: str
) -> None:
    assert (await api.http.get("/api/v1/events")).status_code == 200  # token's use recorded
    async with api.sessionmaker() as writer:
        # An open write transaction (on SQLite: the database's one write lock, held).
        await writer.execute(text("UPDATE api_tokens SET name = 'renamed'"))
        answer = await api.http.get("/api/v1/events")
        assert answer.status_code == 200, answer.text
        await writer.rollback()
