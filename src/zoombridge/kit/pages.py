"""One page of a list, the same on every list route: `{items, next_cursor, total}`.

Pages are cut by keyset, not offset: the cursor holds the sort key of the last row shown, so a
row added or removed while someone pages through does not shift what comes next (an offset would
skip or repeat a row), and page 500 costs what page 1 costs. `total` counts every row matching
the filters, so a list can say "1–50 of 12,408" without fetching them.

The cursor is opaque to clients (base64 of a small JSON array) and carries a fingerprint of the
filters it was made under: a cursor reused with other filters is refused with a plain message
rather than silently giving a page of some other list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from zoombridge.errors import invalid

T = TypeVar("T")
Row = TypeVar("Row")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"rows per page (default {DEFAULT_LIMIT})")
]
# Settings-sized lists (tokens, users, templates, connections …) answer in the same envelope with
# room for all their rows on one page by default.
SHORT_LIST_LIMIT = MAX_LIMIT
ShortLimitQuery = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"rows per page (default {SHORT_LIST_LIMIT})"),
]
CursorQuery = Annotated[
    str | None, Query(description="`next_cursor` of the previous page; omit for the first page")
]


class Page(BaseModel, Generic[T]):
    """One page of a list and how to get the next one."""

    items: list[T]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )
    total: int = Field(description="rows matching the filters, on every page")


SortKey = InstrumentedAttribute[Any]


def _fingerprint(filters: Mapping[str, object]) -> str:
    text = json.dumps({k: str(v) for k, v in sorted(filters.items()) if v not in (None, "")})
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _plain(value: object) -> list[str]:
    """A sort-key value as a tagged string, so it decodes back to the same type."""
    if isinstance(value, datetime):
        return ["d", value.isoformat()]
    if isinstance(value, uuid.UUID):
        return ["u", str(value)]
    if isinstance(value, bool):
        return ["b", "1" if value else "0"]
    if isinstance(value, int):
        return ["i", str(value)]
    return ["s", str(value)]


def _typed(tag: str, text: str) -> object:
    if tag == "d":
        return datetime.fromisoformat(text)
    if tag == "u":
        return uuid.UUID(text)
    if tag == "b":
        return text == "1"
    if tag == "i":
        return int(text)
    if tag == "s":
        return text
    raise ValueError(tag)


def encode_cursor(values: Sequence[object], filters: Mapping[str, object]) -> str:
    payload = [_fingerprint(filters), [_plain(v) for v in values]]
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, filters: Mapping[str, object], width: int) -> list[object]:
    """The sort-key values a cursor holds; a readable refusal when it is not one of ours."""
    refusal = invalid(
        "cursor",
        "This cursor is not one this list gave out: start again without `cursor` "
        "(a cursor only works with the same filters it came with).",
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        fingerprint, values = json.loads(raw)
        typed = [_typed(str(tag), str(text)) for tag, text in values]
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise refusal from exc
    if fingerprint != _fingerprint(filters) or len(typed) != width:
        raise refusal
    return typed


async def paginate(
    session: AsyncSession,
    statement: Select[Row],
    keys: Sequence[SortKey],
    *,
    cursor: str | None,
    limit: int,
    filters: Mapping[str, object],
    descending: bool = False,
) -> tuple[list[Row], str | None, int]:
    """One page of `statement` (filters applied, no ORDER BY) sorted by `keys`.

    `keys` must end with a unique, non-null column (the id) so the order is total. Every key
    sorts the same way (all ascending or all descending), which lets one row-value comparison
    (`(a, b, id) > (:a, :b, :id)`) find where the next page starts, on SQLite and PostgreSQL.
    """
    total = int(
        await session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
        or 0
    )
    ordered = statement.order_by(*(key.desc() if descending else key.asc() for key in keys))
    if cursor:
        after = decode_cursor(cursor, filters, len(keys))
        row_key = tuple_(*keys)
        ordered = ordered.where(
            row_key < tuple_(*after) if descending else row_key > tuple_(*after)
        )
    rows = list((await session.scalars(ordered.limit(limit + 1))).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor([getattr(rows[-1], key.key) for key in keys], filters)
        if more and rows
        else None
    )
    return rows, next_cursor, total


def by_id(row: Any) -> str:
    """The usual `key` of `page_of`: the row's id."""
    return str(row.id)


def page_of(
    rows: Sequence[T],
    *,
    cursor: str | None,
    limit: int,
    filters: Mapping[str, object] | None = None,
    key: Callable[[T], str] = by_id,
) -> Page[T]:
    """A page cut from a short list already in memory (settings-sized lists: tokens, users,
    templates, connections), so every list route answers in the same envelope. `key` is each
    row's unique id, in the order `rows` is already sorted."""
    filters = filters or {}
    start = 0
    if cursor:
        [after] = decode_cursor(cursor, filters, 1)
        ids = [key(row) for row in rows]
        start = ids.index(str(after)) + 1 if str(after) in ids else len(rows)
    chosen = list(rows[start : start + limit])
    more = start + limit < len(rows)
    return Page(
        items=chosen,
        next_cursor=encode_cursor([key(chosen[-1])], filters) if more and chosen else None,
        total=len(rows),
    )


def by_position(
    rows: Sequence[T],
    *,
    cursor: str | None,
    limit: int,
    filters: Mapping[str, object] | None = None,
) -> Page[T]:
    """`page_of` for rows with no id of their own (a contact's timeline): the cursor holds the
    position of the last row shown, in the list as it is built on each request."""
    filters = filters or {}
    start = 0
    if cursor:
        [after] = decode_cursor(cursor, filters, 1)
        start = int(str(after)) + 1 if str(after).isdigit() else len(rows)
    chosen = list(rows[start : start + limit])
    more = start + limit < len(rows)
    last = str(start + len(chosen) - 1)
    return Page(
        items=chosen,
        next_cursor=encode_cursor([last], filters) if more and chosen else None,
        total=len(rows),
    )
