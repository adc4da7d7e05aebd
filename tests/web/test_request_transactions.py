"""The request's transaction: the API token's "last used" is written every few minutes, not on
every request; on SQLite an API read never waits for the write lock, and serve's writes queue
for it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from tests.fixtures.api import ApiHarness
from tests.orders.factories import create_event
from zoombridge.accounts.models import ApiToken
from zoombridge.accounts.service import TOKEN_USE_PRECISION, create_api_token
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine, sqlite_path
from zoombridge.db.session import create_sessionmaker
from zoombridge.db.write_turns import WriteQueue, waiters_folder
from zoombridge.settings import Settings
from zoombridge.web.app import create_app


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


async def test_serve_queues_api_writes_for_the_lock_and_never_its_reads(
    database_url: str, secret_box: SecretBox, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the write queue is for SQLite's one write lock")
    path = sqlite_path(make_url(database_url))
    assert path is not None
    queue = WriteQueue(waiters_folder(path), max_wait=30.0)
    engine = create_engine(database_url, secret_box=secret_box, sqlite_write_turns=queue)
    maker = create_sessionmaker(engine)
    try:
        async with maker() as session:
            token, _ = await create_api_token(session, "tests")
            await session.commit()
        assert not queue.held
        event = await create_event(maker)
        app = create_app(Settings(data_dir=tmp_path), sessionmaker=maker)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://zoombridge.test",
            headers={"Authorization": f"Bearer {token}"},
        ) as http:
            assert (await http.get("/api/v1/events")).status_code == 200  # token's use recorded
            attendee = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Tester"}
            async with maker() as holder:
                await holder.execute(text("UPDATE api_tokens SET name = 'renamed'"))
                assert queue.held  # another of serve's writers has the turn (and the lock)
                read = await asyncio.wait_for(http.get("/api/v1/events"), 10)
                assert read.status_code == 200, read.text  # answered without queueing
                order = asyncio.create_task(
                    http.post(
                        f"/api/v1/events/{event.event_id}/orders", json={"attendees": [attendee]}
                    )
                )
                deadline = asyncio.get_running_loop().time() + 10
                while queue.waiting == 0:  # it read, then queued for its writes
                    assert asyncio.get_running_loop().time() < deadline
                    await asyncio.sleep(0.005)
                assert not order.done()
                await holder.rollback()
            created = await asyncio.wait_for(order, 10)
            assert created.status_code == 201, created.text
        assert not queue.held
        assert queue.waiting == 0
    finally:
        await engine.dispose()
