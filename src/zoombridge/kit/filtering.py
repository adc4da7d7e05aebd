"""What list filters share: a search word matched anywhere in a column, and a range of whole
UTC days. Each domain's `listing` module builds its WHERE clauses from these, so every list
reads `q`, `*_from` and `*_to` the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import InstrumentedAttribute


def like_pattern(text: str) -> str:
    """`text` as a LIKE pattern matching it anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_words(q: str | None) -> str | None:
    """The search text as given, trimmed; None when there is nothing to search for."""
    text = (q or "").strip()
    return text or None


def matches(
    text: str, *columns: InstrumentedAttribute[Any] | ColumnElement[Any]
) -> ColumnElement[bool]:
    """Any of `columns` contains `text`, case-insensitively (ILIKE on PostgreSQL, LIKE with
    lower() on SQLite: both ignore case for ASCII)."""
    pattern = like_pattern(text)
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def in_days(
    column: InstrumentedAttribute[Any], first: date | None, last: date | None
) -> list[ColumnElement[bool]]:
    """`column` on or after `first` and on or before `last` (whole UTC days, both inclusive)."""
    clauses: list[ColumnElement[bool]] = []
    if first is not None:
        clauses.append(column >= day_start(first))
    if last is not None:
        clauses.append(column < day_start(last + timedelta(days=1)))
    return clauses
