from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.connections.factories import CLIENT_SECRET, WEBHOOK_SECRET_TOKEN, make_connection
from zoombridge.connections.models import ZoomConnection, ZoomPlan
from zoombridge.connections.repository import ConnectionNameTakenError, ZoomConnectionRepository
from zoombridge.db.encryption import SecretBox


async def test_round_trip(db_sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with db_sessionmaker() as session, session.begin():
        added = await ZoomConnectionRepository(session).add(make_connection(api_url=None))
        connection_id = added.id

    async with db_sessionmaker() as session:
        loaded = await ZoomConnectionRepository(session).get(connection_id)

    assert loaded is not None
    assert loaded.name == "Main account"
    assert loaded.account_id == "AbCdEfGhIjKlMnOp"
    assert loaded.client_id == "client-id-123"
    assert isinstance(loaded.client_secret, SecretStr)
    assert loaded.client_secret.get_secret_value() == CLIENT_SECRET
    assert loaded.webhook_secret_token is not None
    assert loaded.webhook_secret_token.get_secret_value() == WEBHOOK_SECRET_TOKEN
    assert loaded.plan is ZoomPlan.BUSINESS
    assert loaded.webinar_addon is True
    assert loaded.api_url is None
    assert loaded.last_tested_at is None
    assert loaded.created_at.tzinfo is UTC
    assert loaded.updated_at == loaded.created_at


async def test_secret_is_encrypted_at_rest(db_session: AsyncSession, secret_box: SecretBox) -> None:
    await ZoomConnectionRepository(db_session).add(make_connection())

    raw = (
        await db_session.execute(
            text("SELECT client_secret, webhook_secret_token FROM zoom_connections")
        )
    ).one()

    for stored, plaintext in zip(raw, (CLIENT_SECRET, WEBHOOK_SECRET_TOKEN), strict=True):
        assert plaintext not in stored
        assert secret_box.decrypt(stored).get_secret_value() == plaintext


async def test_secret_never_shows_in_repr_str_or_dump(db_session: AsyncSession) -> None:
    connection = await ZoomConnectionRepository(db_session).add(make_connection())

    shown = [repr(connection), str(connection), repr(connection.client_secret)]
    shown += [str(connection.client_secret), f"{connection.webhook_secret_token}"]
    shown.append(repr(vars(connection)))
    for text_ in shown:
        assert CLIENT_SECRET not in text_
        assert WEBHOOK_SECRET_TOKEN not in text_
    assert "Main account" in repr(connection)


async def test_plain_string_secret_is_wrapped() -> None:
    connection = make_connection(client_secret=CLIENT_SECRET, webhook_secret_token=None)

    assert isinstance(connection.client_secret, SecretStr)
    assert CLIENT_SECRET not in repr(vars(connection))


async def test_name_is_unique(db_session: AsyncSession) -> None:
    repository = ZoomConnectionRepository(db_session)
    await repository.add(make_connection(name="Main"))

    with pytest.raises(ConnectionNameTakenError, match="'Main' already exists"):
        await repository.add(make_connection(name="Main", account_id="other"))

    # The failed add does not spoil the caller's transaction.
    await repository.add(make_connection(name="Second"))
    assert [c.name for c in await repository.list()] == ["Main", "Second"]


async def test_database_enforces_unique_name(
    db_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with db_sessionmaker() as session, session.begin():
        session.add(make_connection(name="Main"))

    async with db_sessionmaker() as session:
        session.add(make_connection(name="Main"))
        with pytest.raises(IntegrityError) as caught:
            await session.flush()
    assert "uq_zoom_connections_name" in str(caught.value) or "UNIQUE" in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value)


async def test_database_enforces_plan_values(db_session: AsyncSession) -> None:
    await ZoomConnectionRepository(db_session).add(make_connection())

    with pytest.raises(IntegrityError, match="ck_zoom_connections_plan"):
        async with db_session.begin_nested():
            await db_session.execute(text("UPDATE zoom_connections SET plan = 'gold'"))


async def test_get_by_name_list_and_delete(db_session: AsyncSession) -> None:
    repository = ZoomConnectionRepository(db_session)
    b = await repository.add(make_connection(name="b"))
    await repository.add(make_connection(name="a", webhook_secret_token=None))

    assert [c.name for c in await repository.list()] == ["a", "b"]
    found = await repository.get_by_name("b")
    assert found is b
    assert await repository.get_by_name("missing") is None

    await repository.delete(b)

    assert [c.name for c in await repository.list()] == ["a"]
    assert await repository.get(b.id) is None


async def test_update_changes_secret_and_updated_at(
    db_sessionmaker: async_sessionmaker[AsyncSession], secret_box: SecretBox
) -> None:
    async with db_sessionmaker() as session, session.begin():
        connection = await ZoomConnectionRepository(session).add(make_connection())
    created_at = connection.created_at

    async with db_sessionmaker() as session, session.begin():
        loaded = await ZoomConnectionRepository(session).get(connection.id)
        assert loaded is not None
        loaded.client_secret = SecretStr("rotated-secret")

    async with db_sessionmaker() as session:
        again = await ZoomConnectionRepository(session).get(connection.id)
        stored = await session.scalar(text("SELECT client_secret FROM zoom_connections"))
    assert again is not None
    assert again.client_secret.get_secret_value() == "rotated-secret"
    assert secret_box.decrypt(stored).get_secret_value() == "rotated-secret"
    assert again.updated_at >= created_at


async def test_datetimes_come_back_utc_aware(
    db_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    helsinki = timezone(timedelta(hours=2))
    tested_at = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=helsinki)
    async with db_sessionmaker() as session, session.begin():
        await ZoomConnectionRepository(session).add(make_connection(last_tested_at=tested_at))

    async with db_sessionmaker() as session:
        loaded = (await session.scalars(select(ZoomConnection))).one()
        # Comparison in SQL sees the same instant whatever the zone of the parameter.
        later = await session.scalar(
            select(ZoomConnection.name).where(
                ZoomConnection.last_tested_at > datetime(2026, 3, 1, 7, 30, 15, tzinfo=UTC)
            )
        )
        earlier = await session.scalar(
            select(ZoomConnection.name).where(
                ZoomConnection.last_tested_at > datetime(2026, 3, 1, 7, 30, 16, tzinfo=UTC)
            )
        )

    assert loaded.last_tested_at == tested_at
    assert loaded.last_tested_at is not None
    assert loaded.last_tested_at.tzinfo is UTC
    assert loaded.last_tested_at.hour == 7
    assert loaded.created_at.tzinfo is UTC
    assert later == "Main account"
    assert earlier is None
