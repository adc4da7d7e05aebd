"""Putting meeting ids and instance UUIDs into URL paths the way Zoom wants them.

Zoom instance UUIDs are base64 and may contain `/`, `+` and `=`. Zoom decodes the path once
before routing, so a UUID that starts with `/` or contains `//` must be URL-encoded twice
(`/` → `%252F`); every other UUID is encoded once. httpx keeps `%25`/`%2F` as written.
"""

from __future__ import annotations

from urllib.parse import quote


def needs_double_encoding(value: str) -> bool:
    return value.startswith("/") or "//" in value


def encode_path_segment(value: str | int) -> str:
    """One path segment (meeting id, UUID, user id, registrant id), encoded for Zoom."""
    text = str(value)
    once = quote(text, safe="")
    if needs_double_encoding(text):
        return quote(once, safe="")
    return once
