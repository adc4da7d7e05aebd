"""Identifiers shaped like Zoom's: 11-digit meeting ids, base64 UUIDs, 22-char user ids."""

from __future__ import annotations

import base64
import random
import secrets


def meeting_id(rng: random.Random) -> int:
    return rng.randint(10_000_000_000, 99_999_999_999)


def instance_uuid(rng: random.Random) -> str:
    """24 chars of standard base64 (may hold `/`, `+`, ends with `==`), like Zoom's UUIDs."""
    return base64.b64encode(rng.randbytes(16)).decode("ascii")


def short_id(rng: random.Random) -> str:
    """A 22-char url-safe id like Zoom's user and registrant ids."""
    return base64.urlsafe_b64encode(rng.randbytes(16)).decode("ascii").rstrip("=")


def digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(count))


def opaque_token() -> str:
    """Access tokens are secrets: drawn from `secrets`, never from the seeded generator."""
    return secrets.token_urlsafe(48)
