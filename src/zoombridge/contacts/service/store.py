"""Bulk writes that tolerate rows already there: the same on SQLite and PostgreSQL.

Syncs of two webinars may meet the same new person at the same moment; an insert that ignores
(or updates) the row the other one just wrote is what keeps both correct without locking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def _insert(session: AsyncSession, model: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(model)
    return sqlite_insert(model)


async def insert_ignoring(
    session: AsyncSession,
    model: Any,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    returning: str | None = None,
) -> set[Any]:
    """Insert `rows`; a row whose `keys` are already stored is left as it is. With
    `returning` (a column), the values of that column in the rows actually inserted."""
    if not rows:
        return set()
    unique = list({tuple(r[k] for k in keys): r for r in rows}.values())
    statement = _insert(session, model).on_conflict_do_nothing(index_elements=list(keys))
    if returning is None:
        await session.execute(statement, unique)
        return set()
    inserted = await session.execute(statement.returning(model.__table__.c[returning]), unique)
    return set(inserted.scalars())


async def upsert(
    session: AsyncSession,
    model: Any,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    update: Sequence[str],
    *,
    keep_when: str | None = None,
    keep: Sequence[str] = (),
) -> None:
    """Insert `rows`, or update the columns `update` of the row already stored under `keys`.

    `keep` columns are updated too, except on stored rows whose boolean column `keep_when` is
    true (e.g. a contact linked by hand is not unlinked by the next sync)."""
    if not rows:
        return
    unique = list({tuple(r[k] for k in keys): r for r in rows}.values())
    statement = _insert(session, model)
    table = model.__table__
    values: dict[str, Any] = {name: statement.excluded[name] for name in update}
    for name in keep:
        if keep_when is None:
            values[name] = statement.excluded[name]
            continue
        values[name] = case(
            (table.c[keep_when].is_(True), table.c[name]), else_=statement.excluded[name]
        )
    statement = statement.on_conflict_do_update(index_elements=list(keys), set_=values)
    await session.execute(statement, unique)
