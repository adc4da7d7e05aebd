"""What every list page shares: reading its filters from the query string (a value that does
not parse is dropped, never an error page), the pager under the table, and the refusal of a
cursor that no longer fits (the list starts again from its first page)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request

from zoombridge.kit.pages import DEFAULT_LIMIT, MAX_LIMIT, Page

E = TypeVar("E", bound=StrEnum)


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
