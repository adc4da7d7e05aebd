"""Alembic driven from code: the product, the CLI and the tests migrate the same way.

The migration scripts ship inside the package (`zoombridge/migrations`), so an installed
zoombridge can migrate its own database without the source tree.
"""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from zoombridge.db.engine import create_engine

SCRIPT_LOCATION = "zoombridge:migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for the packaged migrations; `url` overrides Settings."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        # Attributes, not set_main_option: a URL with `%` (an encoded password) would trip
        # configparser's interpolation.
        config.attributes["url"] = url
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of zoombridge."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations found in the zoombridge package")
    return head


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision` (blocking; not inside an event loop)."""
    _refuse_inside_event_loop("upgrade", "upgrade_async")
    asyncio.run(upgrade_async(url, revision))


def current(url: str) -> str | None:
    """The revision the database at `url` is at; None when it was never migrated."""
    _refuse_inside_event_loop("current", "current_async")
    return asyncio.run(current_async(url))


async def upgrade_async(target: str | AsyncEngine, revision: str = "head") -> None:
    """Migrate the database (a URL or an engine) to `revision` in one transaction."""
    engine = create_engine(target) if isinstance(target, str) else target
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_on, revision)
    finally:
        if isinstance(target, str):
            await engine.dispose()


async def downgrade_async(target: str | AsyncEngine, revision: str) -> None:
    """Migrate the database back to `revision` ("base": no tables at all)."""
    engine = create_engine(target) if isinstance(target, str) else target
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_on, revision)
    finally:
        if isinstance(target, str):
            await engine.dispose()


async def current_async(target: str | AsyncEngine) -> str | None:
    engine = create_engine(target) if isinstance(target, str) else target
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_on)
    finally:
        if isinstance(target, str):
            await engine.dispose()


def _upgrade_on(connection: Connection, revision: str) -> None:
    config = alembic_config()
    # env.py migrates on this connection instead of opening its own.
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _downgrade_on(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def _current_on(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _refuse_inside_event_loop(name: str, async_name: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        f"zoombridge.db.migrate.{name}() cannot run inside a running event loop; "
        f"use `await {async_name}(...)` instead"
    )
