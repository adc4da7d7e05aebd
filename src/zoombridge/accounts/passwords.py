"""Password hashing with scrypt (standard library): salted, slow, constant-time compared."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1
_DIGEST_BYTES = 64


def _derive(password: str, salt: bytes) -> bytes:
    # The one place the slow work happens (tests count calls here).
    return hashlib.scrypt(
        password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DIGEST_BYTES, maxmem=64 * 2**20
    )


def _encode(salt: bytes, digest: bytes) -> str:
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


# What a sign-in with an unknown email is checked against, so that it costs one scrypt like a
# wrong password does (no telling registered emails apart by the time taken). Random bytes: no
# password derives to this digest.
_DUMMY_HASH = _encode(secrets.token_bytes(16), secrets.token_bytes(_DIGEST_BYTES))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    return _encode(salt, _derive(password, salt))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    return hmac.compare_digest(_derive(password, salt), expected)


def verify_nothing(password: str) -> None:
    """The work of `verify_password`, for an account that does not exist."""
    verify_password(password, _DUMMY_HASH)
