"""Writes asked for at about the same time go in one transaction, each in its own savepoint: one
that fails is rolled back alone and raises to its caller, the others are committed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from zoombridge.db.engine import create_engine
from zoombridge.engine.shared_writes import SharedWrites

_META = MetaData()
_NOTES = Table("notes", _META, Column("id", Integer, primary_key=True), Column("text", String(20)))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}")
    async with made.begin() as conn:
        await conn.run_sync(_META.create_all)
    yield made
    await made.dispose()


def transaction_of(
    engine: AsyncEngine,
) -> tuple[Callable[[Callable[[AsyncSession], Awaitable[Any]]], Awaitable[Any]], list[int]]:
    maker = async_sessionmaker(engine, expire_on_commit=False)
    begun: list[int] = []
    event.listen(engine.sync_engine, "begin", lambda _conn: begun.append(1))

    async def transaction(work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        async with maker() as session, session.begin():
            return await work(session)

    return transaction, begun


def note(text: str) -> Callable[[AsyncSession], Awaitable[str]]:
    async def work(session: AsyncSession) -> str:
        if text == "bad":
            await session.execute(insert(_NOTES).values(text=text))  # written, then undone
            raise ValueError("this write is refused")
        await session.execute(insert(_NOTES).values(text=text))
        await asyncio.sleep(0)  # the others are asked for while this one runs
        return text.upper()

    return work


async def stored(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list(await conn.scalars(select(_NOTES.c.text).order_by(_NOTES.c.id)))


async def test_writes_asked_together_share_one_transaction(engine: AsyncEngine) -> None:
    transaction, begun = transaction_of(engine)
    shared = SharedWrites(transaction)
    answers = await asyncio.gather(*(shared.run(note(f"n{i}")) for i in range(12)))
    assert answers == [f"N{i}" for i in range(12)]
    assert await stored(engine) == [f"n{i}" for i in range(12)]
    # The first goes at once; all asked for meanwhile go together in the next.
    assert len(begun) <= 2, begun


async def test_one_refused_write_is_rolled_back_alone(engine: AsyncEngine) -> None:
    transaction, _ = transaction_of(engine)
    shared = SharedWrites(transaction)
    results = await asyncio.gather(
        shared.run(note("a")),
        shared.run(note("bad")),
        shared.run(note("b")),
        return_exceptions=True,
    )
    assert results[0] == "A"
    assert isinstance(results[1], ValueError)
    assert results[2] == "B"
    assert await stored(engine) == ["a", "b"]
    # It goes on working after a refusal.
    assert await shared.run(note("c")) == "C"
    assert await stored(engine) == ["a", "b", "c"]
