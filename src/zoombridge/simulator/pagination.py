"""Zoom's paginated envelope and `next_page_token` (opaque, bound to one list, 15 minutes)."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from zoombridge.simulator.errors import ZoomError

T = TypeVar("T")
TOKEN_LIFETIME_S = 15 * 60


def _invalid() -> ZoomError:
    return ZoomError(400, 300, "Invalid next page token.")


def encode_token(listing: str, position: int, now: datetime) -> str:
    raw = json.dumps({"l": listing, "p": position, "e": int(now.timestamp()) + TOKEN_LIFETIME_S})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str, listing: str, now: datetime) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position = int(data["p"])
        expires = int(data["e"])
        owner = str(data["l"])
    except (ValueError, KeyError, TypeError):
        raise _invalid() from None
    if owner != listing or expires < now.timestamp() or position < 0:
        raise _invalid()
    return position


def paginate(
    items: Sequence[T],
    *,
    page_size: int,
    token: str | None,
    listing: str,
    now: datetime,
    position_of: Callable[[T], int] | None = None,
    page_number: int | None = None,
) -> tuple[list[T], dict[str, Any]]:
    """One page and the envelope fields (page_count, page_size, total_records, next_page_token,
    and page_number where the operation takes one).

    With `position_of` (a stable, increasing sequence number) the token remembers the last
    item handed out, so items added meanwhile do not shift pages; without it, the index.
    Without a token, Zoom's older `page_number` picks the page (1 is the first).
    """
    start = 0
    if token:
        after = decode_token(token, listing, now)
        start = after if position_of is None else _first_after(items, after, position_of)
    elif page_number is not None:
        start = (page_number - 1) * page_size
    page = list(items[start : start + page_size])
    more = start + page_size < len(items)
    next_token = ""
    if more and page:
        last = position_of(page[-1]) if position_of is not None else start + page_size
        next_token = encode_token(listing, last, now)
    envelope: dict[str, Any] = {
        "page_count": math.ceil(len(items) / page_size) if items else 0,
        "page_size": page_size,
        "total_records": len(items),
        "next_page_token": next_token,
    }
    if page_number is not None:
        envelope["page_number"] = start // page_size + 1
    return page, envelope


def _first_after(items: Sequence[T], after: int, position_of: Callable[[T], int]) -> int:
    low, high = 0, len(items)
    while low < high:
        mid = (low + high) // 2
        if position_of(items[mid]) <= after:
            low = mid + 1
        else:
            high = mid
    return low
