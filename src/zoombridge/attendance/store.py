"""Writing marks: who a participant is (`person_key`) and an insert that ignores duplicates.

The person key is the lower-cased email when Zoom gives one; else "id:" and Zoom's user id
(signed-in users) or the participant uuid (webhooks); else "name:" and the display name. Guests
without an email who share a name therefore count as one person — Zoom gives nothing better.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.attendance.merge import MarkKind
from zoombridge.attendance.models import AttendanceMark, MarkSource
from zoombridge.db.base import utc_now

_KEY_FIELDS = ("link_id", "instance_uuid", "person_key", "source", "kind", "at", "connection")


def person_key(email: str | None, zoom_id: str | None, name: str | None) -> str:
    if email and email.strip():
        return email.strip().lower()[:255]
    if zoom_id and zoom_id.strip():
        return f"id:{zoom_id.strip()}"[:255]
    return f"name:{(name or '').strip()}"[:255]


def mark_row(
    *,
    link_id: uuid.UUID,
    instance_uuid: str,
    email: str | None,
    zoom_id: str | None,
    name: str | None,
    source: MarkSource,
    kind: MarkKind,
    at: datetime,
    connection: str | None,
    registrant_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "link_id": link_id,
        "instance_uuid": (instance_uuid or "")[:64],
        "person_key": person_key(email, zoom_id, name),
        "email": (email or "").strip().lower()[:255],
        "name": (name or "")[:255],
        "source": source,
        "kind": kind,
        "at": at,
        "connection": (connection or "")[:64],
        "registrant_id": (registrant_id or "")[:64],
        "received_at": utc_now(),
    }


async def add_marks(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows`; a row whose identity is already stored (a duplicate) is skipped."""
    if not rows:
        return
    # One row per identity inside the batch too (ON CONFLICT cannot touch a row twice).
    unique = list({tuple(r[f] for f in _KEY_FIELDS): r for r in rows}.values())
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = pg_insert(AttendanceMark).on_conflict_do_nothing(
            constraint="uq_attendance_marks_identity"
        )
    elif dialect == "sqlite":
        statement = sqlite_insert(AttendanceMark).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        statement = insert(AttendanceMark)
    await session.execute(statement, unique)
