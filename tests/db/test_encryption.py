from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.connections.factories import CLIENT_SECRET, make_connection
from zoombridge.connections.repository import ZoomConnectionRepository
from zoombridge.db.encryption import (
    EncryptionNotConfiguredError,
    SecretBox,
    SecretDecryptionError,
    SecretKeyError,
    load_secret_box,
)
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.settings import Settings


def test_encrypts_and_decrypts() -> None:
    box = SecretBox.generate()

    token = box.encrypt("hunter2")

    assert "hunter2" not in token
    assert box.encrypt("hunter2") != token  # random IV: equal secrets do not look equal
    assert box.decrypt(token) == SecretStr("hunter2")
    assert box.encrypt(SecretStr("hunter2")) != token
    assert box.decrypt(box.encrypt(SecretStr("hunter2"))).get_secret_value() == "hunter2"


def test_wrong_key_is_a_typed_error_without_the_ciphertext() -> None:
    token = SecretBox.generate().encrypt("hunter2")

    with pytest.raises(SecretDecryptionError) as caught:
        SecretBox.generate().decrypt(token, what="the client secret")

    message = str(caught.value)
    assert "the client secret" in message
    assert "ZOOMBRIDGE_SECRET_KEY" in message
    assert token not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_invalid_key_names_its_source_not_its_value() -> None:
    with pytest.raises(
        SecretKeyError, match="ZOOMBRIDGE_SECRET_KEY is not a valid Fernet key"
    ) as e:
        load_secret_box(Settings(secret_key=SecretStr("not-a-real-key")))

    assert "not-a-real-key" not in str(e.value)


def test_rotation_with_old_keys() -> None:
    old, new = SecretBox.new_key(), SecretBox.new_key()
    token = SecretBox(old).encrypt("hunter2")

    rotating = load_secret_box(
        Settings(secret_key=SecretStr(new), secret_key_old=SecretStr(f" {old} , "))
    )

    assert rotating.decrypt(token).get_secret_value() == "hunter2"
    assert rotating.needs_rotation(token)
    rotated = rotating.rotate(token)
    assert not rotating.needs_rotation(rotated)
    assert SecretBox(new).decrypt(rotated).get_secret_value() == "hunter2"
    with pytest.raises(SecretDecryptionError):
        SecretBox(old).decrypt(rotated)
    assert new not in repr(rotating)


def test_key_file_is_generated_private_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    first = load_secret_box(settings)
    key_file = tmp_path / "data" / "secret.key"
    key = key_file.read_text()
    second = load_secret_box(settings)

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text() == key
    assert second.decrypt(first.encrypt("hunter2")).get_secret_value() == "hunter2"
    assert [p.name for p in key_file.parent.iterdir()] == ["secret.key"]


def test_configured_key_wins_over_key_file(tmp_path: Path) -> None:
    key = SecretBox.new_key()

    box = load_secret_box(Settings(data_dir=tmp_path, secret_key=SecretStr(key)))

    assert not (tmp_path / "secret.key").exists()
    assert SecretBox(key).decrypt(box.encrypt("x")).get_secret_value() == "x"


def test_empty_key_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("")

    with pytest.raises(SecretKeyError, match="is empty; restore it"):
        load_secret_box(Settings(data_dir=tmp_path))


async def test_reading_with_the_wrong_key_raises_the_typed_error(
    database_url: str, db_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with db_sessionmaker() as session, session.begin():
        connection = await ZoomConnectionRepository(session).add(make_connection())

    wrong = create_engine(database_url, secret_box=SecretBox.generate())
    try:
        async with create_sessionmaker(wrong)() as session:
            with pytest.raises(SecretDecryptionError) as caught:
                await ZoomConnectionRepository(session).get(connection.id)
            # Non-secret columns stay readable with the wrong key, e.g. to list names.
            names = (await session.execute(text("SELECT name FROM zoom_connections"))).all()
    finally:
        await wrong.dispose()

    assert CLIENT_SECRET not in str(caught.value)
    assert names == [("Main account",)]


async def test_engine_without_a_key_refuses_encrypted_columns(database_url: str) -> None:
    keyless = create_engine(database_url)
    try:
        async with create_sessionmaker(keyless)() as session:
            session.add(make_connection())
            with pytest.raises(EncryptionNotConfiguredError, match="no encryption key"):
                await session.flush()
    finally:
        await keyless.dispose()
