from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.connections.factories import CLIENT_SECRET, make_connection
from zoombridge.db import migrate
from zoombridge.db.base import NaiveDatetimeError
from zoombridge.db.encryption import load_secret_box
from zoombridge.db.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    UnsupportedDatabaseError,
    create_engine,
    create_engine_from_settings,
    normalize_url,
)
from zoombridge.db.session import create_sessionmaker, transaction
from zoombridge.settings import Settings


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///var/zb.db", "sqlite+aiosqlite:///var/zb.db"),
        ("sqlite+aiosqlite:////abs/zb.db", "sqlite+aiosqlite:////abs/zb.db"),
        ("postgresql://zb@db/zoombridge", "postgresql+psycopg://zb@db/zoombridge"),
        ("postgres://zb@db/zoombridge", "postgresql+psycopg://zb@db/zoombridge"),
        ("postgresql+psycopg://zb@db/zoombridge", "postgresql+psycopg://zb@db/zoombridge"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string() == expected


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(UnsupportedDatabaseError, match="unsupported database URL scheme 'mysql'"):
        create_engine("mysql://zb@db/zoombridge")


async def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/new/folder/zb.db")
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: await connection.scalar(text(f"PRAGMA {name}"))
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
    finally:
        await engine.dispose()

    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
    }
    assert (tmp_path / "new" / "folder" / "zb.db").is_file()


async def test_savepoint_rolls_back_only_its_part(db_session: AsyncSession) -> None:
    db_session.add(make_connection(name="kept"))
    await db_session.flush()

    async with db_session.begin_nested() as savepoint:
        db_session.add(make_connection(name="undone"))
        await db_session.flush()
        await savepoint.rollback()

    names = (await db_session.scalars(text("SELECT name FROM zoom_connections"))).all()
    assert names == ["kept"]


async def test_transaction_commits_or_rolls_back(
    db_sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    async with transaction(db_sessionmaker) as session:
        session.add(make_connection(name="committed"))

    async def fail_midway() -> None:
        async with transaction(db_sessionmaker) as session:
            session.add(make_connection(name="rolled back"))
            await session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_midway()

    async with engine.connect() as connection:
        names = (await connection.scalars(text("SELECT name FROM zoom_connections"))).all()
    assert names == ["committed"]


async def test_naive_datetime_is_refused(db_session: AsyncSession) -> None:
    db_session.add(make_connection(last_tested_at=datetime(2026, 1, 1, 12, 0)))

    with pytest.raises(NaiveDatetimeError, match="naive datetime 2026-01-01T12:00:00"):
        await db_session.flush()


async def test_engine_from_settings_works_with_no_configuration(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    await migrate.upgrade_async(settings.effective_database_url)

    engine = create_engine_from_settings(settings)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            session.add(make_connection())
    finally:
        await engine.dispose()

    assert {"secret.key", "zoombridge.db"} <= {p.name for p in (tmp_path / "data").iterdir()}
    stored = sqlite3.connect(tmp_path / "data" / "zoombridge.db").execute(
        "SELECT client_secret FROM zoom_connections"
    )
    token = stored.fetchone()[0]
    stored.connection.close()
    assert load_secret_box(settings).decrypt(token).get_secret_value() == CLIENT_SECRET
