"""What every list page shares: reading its filters from the query string (a value that does
not parse is dropped, never an error page), the pager under the table, and the refusal of a
cursor that no longer fits (the list starts again from its first page)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request

from zoombridge.errors import InvalidInput
from zoombridge.kit.pages import DEFAULT_LIMIT, MAX_LIMIT, Page

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def text(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value or None


def choice(request: Request, name: str, kind: type[E]) -> E | None:
    try:
        return kind(request.query_params.get(name, ""))
    except ValueError:
        return None


def an_id(request: Request, name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.query_params.get(name, ""))
    except ValueError:
        return None


def a_day(request: Request, name: str) -> date | None:
    try:
        return date.fromisoformat(request.query_params.get(name, ""))
    except ValueError:
        return None


def limit(request: Request) -> int:
    try:
        return max(1, min(MAX_LIMIT, int(request.query_params.get("limit", DEFAULT_LIMIT))))
    except ValueError:
        return DEFAULT_LIMIT


def cursor(request: Request) -> str | None:
    return text(request, "cursor")


def pager(request: Request, page: Page[Any], shown_from: int) -> dict[str, object]:
    """What the pager partial shows: "41–60 of 312", a link to the next page keeping the
    filters, and one back to the first page."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "start")]
    first = request.url.path + ("?" + urlencode(kept) if kept else "")
    next_url = None
    if page.next_cursor:
        start = str(shown_from + len(page.items))
        following = [*kept, ("cursor", page.next_cursor), ("start", start)]
        next_url = request.url.path + "?" + urlencode(following)
    return {
        "first": shown_from + 1 if page.items else 0,
        "last": shown_from + len(page.items),
        "total": page.total,
        "next_url": next_url,
        "first_url": first if shown_from else None,
    }


def shown_from(request: Request) -> int:
    """Where the current page starts counting (carried in the link; only for the label)."""
    try:
        return max(0, int(request.query_params.get("start", "0")))
    except ValueError:
        return 0


async def one_page(
    request: Request, load: Callable[[str | None, int], Awaitable[Page[T]]]
) -> tuple[Page[T], dict[str, object]]:
    """The page the query string asks for (`load(cursor, limit)`) and its pager. A cursor made
    under other filters (the form changed since) starts the list again from its first page."""
    size = limit(request)
    try:
        page = await load(cursor(request), size)
        start = shown_from(request)
    except InvalidInput:
        page = await load(None, size)
        start = 0
    return page, pager(request, page, start)


def form_values(filters: Mapping[str, object]) -> dict[str, str]:
    """The filters as the form shows them back: empty for "any"."""
    return {k: "" if v is None else str(v) for k, v in filters.items()}


def any_set(filters: Mapping[str, object]) -> bool:
    return any(v not in (None, "") for v in filters.values())
