"""Contacts and a webinar's syncs as lists in the shared envelope (`zoombridge.kit.pages`):
contacts by email, syncs newest first, cut by keyset a page at a time."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts.models import Contact, ContactSync
from zoombridge.contacts.schemas import ContactOut, SegmentQuery, SyncOut
from zoombridge.contacts.service import people, segments, webinars
from zoombridge.kit.pages import Page, paginate


async def contacts_page(
    session: AsyncSession, query: SegmentQuery, *, cursor: str | None, limit: int
) -> Page[ContactOut]:
    """The contacts matching the segment conditions, by email."""
    where = await segments.where_clause(session, query)
    rows, next_cursor, total = await paginate(
        session,
        select(Contact).where(where),
        (Contact.email, Contact.id),
        cursor=cursor,
        limit=limit,
        # The cursor is only good for the same conditions (not the page size).
        filters={"query": query.model_dump_json(exclude={"limit", "cursor"})},
    )
    return Page(items=await people.views(session, rows), next_cursor=next_cursor, total=total)


async def syncs_page(
    session: AsyncSession, webinar_id: uuid.UUID, *, cursor: str | None, limit: int
) -> Page[SyncOut]:
    """The webinar's syncs, newest first, each with its notes by category."""
    await webinars.get_webinar(session, webinar_id)
    rows, next_cursor, total = await paginate(
        session,
        select(ContactSync).where(ContactSync.webinar_id == webinar_id),
        (ContactSync.started_at, ContactSync.id),
        cursor=cursor,
        limit=limit,
        filters={"webinar": webinar_id},
        descending=True,
    )
    return Page(
        items=[await webinars.sync_view(session, run) for run in rows],
        next_cursor=next_cursor,
        total=total,
    )
