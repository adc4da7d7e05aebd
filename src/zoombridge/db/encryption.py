"""Secrets at rest: Fernet encryption with a key from settings or a generated key file.

The key comes from `ZOOMBRIDGE_SECRET_KEY`; when that is unset a key is generated once and kept
in `<data_dir>/secret.key` (mode 0600). Previous keys listed in `ZOOMBRIDGE_SECRET_KEY_OLD` still
decrypt, so a key can be rotated without downtime: new writes use the current key, and
`reencrypt_secrets` rewrites old values. Neither keys nor plaintext ever appear in an exception.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr
from sqlalchemy import Text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from zoombridge.settings import Settings

logger = logging.getLogger(__name__)

KEY_FILE_NAME = "secret.key"


class EncryptionError(Exception):
    """Base class for everything that can go wrong with secrets at rest."""


class SecretKeyError(EncryptionError):
    """A configured or stored key is not a valid Fernet key."""


class SecretDecryptionError(EncryptionError):
    """A stored secret cannot be decrypted with any of the configured keys."""

    def __init__(self, what: str = "a stored secret") -> None:
        super().__init__(
            f"cannot decrypt {what}: it was encrypted with a different key. Set "
            "ZOOMBRIDGE_SECRET_KEY (or restore <data_dir>/secret.key) to the key in use when it "
            "was saved, or list that key in ZOOMBRIDGE_SECRET_KEY_OLD while rotating; otherwise "
            "re-enter the secret."
        )


class EncryptionNotConfiguredError(EncryptionError):
    """An encrypted column was used on an engine that has no key."""


class SecretBox:
    """Encrypts with the current key and decrypts with the current or any old key."""

    def __init__(
        self, key: str | bytes, *, old_keys: Sequence[str | bytes] = (), source: str = "key"
    ) -> None:
        self._primary = _fernet(key, source)
        self._all = MultiFernet(
            [self._primary, *(_fernet(old, f"{source} (old key)") for old in old_keys)]
        )
        self._key_count = 1 + len(old_keys)

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode("ascii")

    @classmethod
    def generate(cls) -> SecretBox:
        """A box with a fresh random key (tests, throwaway databases)."""
        return cls(cls.new_key(), source="generated key")

    def encrypt(self, plaintext: str | SecretStr) -> str:
        if isinstance(plaintext, SecretStr):
            plaintext = plaintext.get_secret_value()
        return self._primary.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str, *, what: str = "a stored secret") -> SecretStr:
        try:
            plaintext = self._all.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise SecretDecryptionError(what) from None
        return SecretStr(plaintext.decode("utf-8"))

    def needs_rotation(self, token: str) -> bool:
        """True when `token` decrypts only with an old key."""
        try:
            self._primary.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return True
        return False

    def rotate(self, token: str, *, what: str = "a stored secret") -> str:
        """The same secret re-encrypted with the current key."""
        try:
            return self._all.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError):
            raise SecretDecryptionError(what) from None

    def __repr__(self) -> str:
        return f"SecretBox(keys={self._key_count})"


def _fernet(key: str | bytes, source: str) -> Fernet:
    try:
        return Fernet(key.strip())
    except (ValueError, TypeError):
        # The key itself is never part of the message.
        raise SecretKeyError(
            f"the {source} is not a valid Fernet key (32 url-safe base64-encoded bytes); "
            'generate one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"'
        ) from None


def load_key_file(path: Path) -> str:
    """The key stored at `path`, generating it (mode 0600) on first use."""
    try:
        return _read_key_file(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    _create_key_file(path, SecretBox.new_key())
    # Read back: when two processes start at once, whichever file won is the key for both.
    return _read_key_file(path)


def _read_key_file(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning(
            "key file %s is readable by other users (mode %o); run: chmod 600 %s", path, mode, path
        )
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise SecretKeyError(f"key file {path} is empty; restore it from a backup")
    return key


def _create_key_file(path: Path, key: str) -> None:
    # Written to a private temporary file and linked into place, so no other process ever sees
    # a half-written key and an existing key is never overwritten.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, (key + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def load_secret_box(settings: Settings) -> SecretBox:
    """The box for `settings`: `secret_key`, else `<data_dir>/secret.key`, plus old keys."""
    old_keys = []
    if settings.secret_key_old is not None:
        old_keys = [
            k.strip() for k in settings.secret_key_old.get_secret_value().split(",") if k.strip()
        ]
    if settings.secret_key is not None:
        return SecretBox(
            settings.secret_key.get_secret_value(),
            old_keys=old_keys,
            source="ZOOMBRIDGE_SECRET_KEY",
        )
    path = settings.data_dir / KEY_FILE_NAME
    return SecretBox(load_key_file(path), old_keys=old_keys, source=f"key in {path}")


# Keys belong to an engine (through its dialect, the only thing a column type sees), so two
# engines in one process can use different keys - which is how a wrong key is tested.
_boxes: WeakKeyDictionary[Dialect, SecretBox] = WeakKeyDictionary()


def bind_secret_box(engine: AsyncEngine | Engine, box: SecretBox) -> None:
    """Use `box` for every encrypted column read or written through `engine`."""
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
    _boxes[sync_engine.dialect] = box


def secret_box_for(dialect: Dialect) -> SecretBox:
    try:
        return _boxes[dialect]
    except KeyError:
        raise EncryptionNotConfiguredError(
            "this database engine has no encryption key; create it with "
            "zoombridge.db.engine.create_engine(url, secret_box=...) or "
            "create_engine_from_settings(settings)"
        ) from None


class EncryptedString(TypeDecorator[SecretStr]):
    """Text encrypted at rest; `SecretStr` in Python so it never prints."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: SecretStr | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return secret_box_for(dialect).encrypt(value)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> SecretStr | None:
        if value is None:
            return None
        return secret_box_for(dialect).decrypt(str(value))
