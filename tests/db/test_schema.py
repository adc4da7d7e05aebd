"""The migrated schema: constraint names follow the convention, migrations match the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from zoombridge.db import migrate
from zoombridge.db.base import NAMING_CONVENTION
from zoombridge.db.registry import load_metadata


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, load_metadata()))


async def test_migrations_match_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff)

    assert diff == []


async def test_migrated_to_head(engine: AsyncEngine) -> None:
    assert await migrate.current_async(engine) == migrate.head_revision()


def _constraint_names(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    return {
        "pk": inspector.get_pk_constraint("zoom_connections")["name"],
        "uq": sorted(c["name"] for c in inspector.get_unique_constraints("zoom_connections")),
        "ix": sorted(
            # PostgreSQL also lists the index behind each unique constraint.
            i["name"]
            for i in inspector.get_indexes("zoom_connections")
            if not i.get("duplicates_constraint")
        ),
        "ck": sorted(c["name"] for c in inspector.get_check_constraints("zoom_connections")),
    }


async def test_constraint_names_follow_the_convention(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        names = await connection.run_sync(_constraint_names)

    assert names == {
        "pk": "pk_zoom_connections",
        "uq": ["uq_zoom_connections_name"],
        "ix": ["ix_zoom_connections_account_id"],
        "ck": ["ck_zoom_connections_plan"],
    }


def test_every_table_is_named_by_the_convention() -> None:
    assert set(NAMING_CONVENTION) == {"ix", "uq", "ck", "fk", "pk"}
    for table in load_metadata().sorted_tables:
        for constraint in table.constraints:
            assert isinstance(constraint.name, str), f"{table.name}: unnamed {constraint!r}"
            assert constraint.name.startswith(("pk_", "uq_", "ck_", "fk_")), constraint.name
        for index in table.indexes:
            assert isinstance(index.name, str)
            assert index.name.startswith(("ix_", "uq_")), index.name


async def test_upgrade_from_empty_and_downgrade(empty_database_url: str) -> None:
    assert await migrate.current_async(empty_database_url) is None

    await migrate.upgrade_async(empty_database_url)
    assert await migrate.current_async(empty_database_url) == migrate.head_revision()

    await migrate.downgrade_async(empty_database_url, "base")
    assert await migrate.current_async(empty_database_url) is None

    # Again from scratch: downgrade really removed everything.
    await migrate.upgrade_async(empty_database_url)
    assert await migrate.current_async(empty_database_url) == migrate.head_revision()
