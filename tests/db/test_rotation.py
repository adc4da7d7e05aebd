from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from tests.connections.factories import CLIENT_SECRET, WEBHOOK_SECRET_TOKEN, make_connection
from tests.db.test_cli import run
from zoombridge.connections.repository import ZoomConnectionRepository
from zoombridge.db import migrate
from zoombridge.db.encryption import SecretBox, SecretDecryptionError
from zoombridge.db.engine import create_engine
from zoombridge.db.rotation import reencrypt_secrets
from zoombridge.db.session import create_sessionmaker, transaction
from zoombridge.settings import get_settings


async def _store_connection(url: str, key: str) -> None:
    engine = create_engine(url, secret_box=SecretBox(key))
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            await ZoomConnectionRepository(session).add(make_connection(name="a"))
            await ZoomConnectionRepository(session).add(
                make_connection(name="b", webhook_secret_token=None)
            )
    finally:
        await engine.dispose()


def _reveal(secret: SecretStr | None) -> str | None:
    return None if secret is None else secret.get_secret_value()


async def _read_secrets(url: str, box: SecretBox) -> list[tuple[str, str | None]]:
    engine = create_engine(url, secret_box=box)
    try:
        async with create_sessionmaker(engine)() as session:
            return [
                (c.client_secret.get_secret_value(), _reveal(c.webhook_secret_token))
                for c in await ZoomConnectionRepository(session).list()
            ]
    finally:
        await engine.dispose()


async def test_reencrypt_moves_every_secret_to_the_new_key(database_url: str) -> None:
    old, new = SecretBox.new_key(), SecretBox.new_key()
    await _store_connection(database_url, old)

    rotating = create_engine(database_url, secret_box=SecretBox(new, old_keys=[old]))
    try:
        async with transaction(create_sessionmaker(rotating)) as session:
            assert await reencrypt_secrets(session) == 3
        async with transaction(create_sessionmaker(rotating)) as session:
            assert await reencrypt_secrets(session) == 0  # nothing left on the old key
            stored = await session.scalars(text("SELECT client_secret FROM zoom_connections"))
            assert all(CLIENT_SECRET not in token for token in stored)
    finally:
        await rotating.dispose()

    expected = [(CLIENT_SECRET, WEBHOOK_SECRET_TOKEN), (CLIENT_SECRET, None)]
    assert await _read_secrets(database_url, SecretBox(new)) == expected
    with pytest.raises(SecretDecryptionError):
        await _read_secrets(database_url, SecretBox(old))


def test_rotate_secrets_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/zb.db"
    old, new = SecretBox.new_key(), SecretBox.new_key()
    migrate.upgrade(url)
    asyncio.run(_store_connection(url, old))
    monkeypatch.setenv("ZOOMBRIDGE_DATABASE_URL", url)
    monkeypatch.setenv("ZOOMBRIDGE_SECRET_KEY", new)
    get_settings.cache_clear()
    try:
        assert run("db", "rotate-secrets") == 1
        assert "cannot decrypt zoom_connections.client_secret" in capsys.readouterr().err

        monkeypatch.setenv("ZOOMBRIDGE_SECRET_KEY_OLD", old)
        get_settings.cache_clear()
        assert run("db", "rotate-secrets") == 0
        assert "re-encrypted 3 secret(s)" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()

    assert asyncio.run(_read_secrets(url, SecretBox(new))) == [
        (CLIENT_SECRET, WEBHOOK_SECRET_TOKEN),
        (CLIENT_SECRET, None),
    ]
