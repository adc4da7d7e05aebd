"""The SQLite adapter that runs each statement in one hand-off to aiosqlite's thread: the same
answers as the stock adapter (rows, RETURNING in batches, rowcount, errors, streamed results),
and one hand-off per statement."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from zoombridge.db import sqlite_driver
from zoombridge.db.engine import create_engine

_META = MetaData()
_ITEMS = Table(
    "items",
    _META,
    Column("id", Integer, primary_key=True),
    Column("name", String(32), unique=True, nullable=False),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with made.begin() as conn:
        await conn.run_sync(_META.create_all)
    yield made
    await made.dispose()


def test_the_product_engine_uses_it(engine: AsyncEngine) -> None:
    assert sqlite_driver.dbapi() is not None, "the installed aiosqlite is one it knows"
    assert type(engine.dialect.dbapi).__name__ == "_OneHopDBAPI"


async def test_rows_returning_rowcount_and_errors(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        # Many rows with RETURNING: SQLAlchemy sends them in multi-row batches.
        made = await conn.execute(
            insert(_ITEMS).returning(_ITEMS.c.name), [{"name": f"n{i}"} for i in range(2500)]
        )
        assert sorted(made.scalars()) == sorted(f"n{i}" for i in range(2500))
        changed = await conn.execute(
            update(_ITEMS).where(_ITEMS.c.name.like("n1%")).values(name=_ITEMS.c.name + "x")
        )
        assert changed.rowcount == 1111  # n1, n10–n19, n100–n199, n1000–n1999
        one = await conn.execute(insert(_ITEMS).values(name="single"))
        assert one.inserted_primary_key is not None
        assert one.inserted_primary_key[0] == 2501  # from the cursor's lastrowid
        assert await conn.scalar(select(_ITEMS.c.name).where(_ITEMS.c.id == 2501)) == "single"
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(_ITEMS).values(name="single"))
    async with engine.connect() as conn:
        # Still usable after the error, and streamed results keep working.
        streamed = await conn.stream(select(_ITEMS.c.id).order_by(_ITEMS.c.id))
        seen = [row[0] async for row in streamed]
        assert len(seen) == 2501
        assert await conn.scalar(text("SELECT count(*) FROM items")) == 2501


async def test_one_hand_off_per_statement(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.connect() as conn:
        await conn.scalar(text("SELECT 1"))  # connected, warmed
        calls: list[str] = []
        original: Callable[..., Any] = aiosqlite.Connection._execute

        async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kw: Any) -> Any:
            calls.append(getattr(fn, "__name__", repr(fn)))
            return await original(self, fn, *args, **kw)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        for n in range(10):
            assert await conn.scalar(select(_ITEMS.c.id).where(_ITEMS.c.id == n)) is None
        await conn.rollback()
    statements = [c for c in calls if c == "_run"]
    assert len(statements) == 10
    # The stock adapter also opens, fetches and closes a cursor in hand-offs of their own.
    assert len(calls) <= 10 + 2, calls  # plus BEGIN and ROLLBACK at most
