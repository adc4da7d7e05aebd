"""`/api/v1` routes for contacts: list and search, by hand, merge, tombstones, timeline, the
register action, and saved segments with their CSV."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from zoombridge.accounts.deps import TokenDep, requires
from zoombridge.accounts.permissions import Permission
from zoombridge.contacts.models import ContactRegisterRequest, ContactSegment
from zoombridge.contacts.schemas import (
    ContactCreate,
    ContactOut,
    ContactUpdate,
    MergeIn,
    RegisterIn,
    RegisterPersonIn,
    RegisterRequestOut,
    SearchIn,
    SecondaryEmailIn,
    SegmentIn,
    SegmentOut,
    SegmentQuery,
    TimelineEntryOut,
)
from zoombridge.contacts.service import listing, people, register, segments, timeline
from zoombridge.db.base import utc_now
from zoombridge.errors import invalid
from zoombridge.kit.http import SessionDep, sessionmaker_of
from zoombridge.kit.pages import (
    DEFAULT_LIMIT,
    SHORT_LIST_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    ShortLimitQuery,
    by_position,
    page_of,
)
from zoombridge.kit.text import check_one_line

router = APIRouter(prefix="/api/v1", tags=["contacts"])
MANAGE = [requires(Permission.MANAGE_CONTACTS)]
CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


# --- contacts --------------------------------------------------------------------------------


@router.get("/contacts", summary="List or search contacts", dependencies=MANAGE)
async def list_contacts(
    session: SessionDep,
    _: TokenDep,
    q: Annotated[str | None, Query(max_length=255, description="Part of an email or name")] = None,
    deleted: Annotated[bool, Query(description="List the deleted contacts instead")] = False,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[ContactOut]:
    """Contacts by email, a page at a time."""
    if q:
        try:
            check_one_line(q)
        except ValueError as exc:
            raise invalid("q", str(exc)) from None
    query = SearchIn.model_validate(
        {
            "q": q or None,
            "conditions": [{"kind": "state", "state": "deleted"}] if deleted else [],
        }
    )
    return await listing.contacts_page(session, query, cursor=cursor, limit=limit)


@router.post(
    "/contacts/search",
    summary="Contacts matching segment conditions (all/any), counted, a page at a time",
    dependencies=MANAGE,
)
async def search(data: SearchIn, session: SessionDep, _: TokenDep) -> Page[ContactOut]:
    return await listing.contacts_page(session, data, cursor=data.cursor, limit=data.limit)


def _csv(body: AsyncIterator[str], name: str) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.post(
    "/contacts/search.csv",
    response_class=StreamingResponse,
    responses=CSV,
    summary="Contacts matching segment conditions, as CSV",
    dependencies=MANAGE,
)
async def search_csv(
    data: SegmentQuery, request: Request, session: SessionDep, _: TokenDep
) -> StreamingResponse:
    await segments.where_clause(session, data)  # bad conditions are refused before streaming
    return _csv(segments.export_csv(sessionmaker_of(request), data), "contacts")


@router.post("/contacts", status_code=201, summary="Add a contact by hand", dependencies=MANAGE)
async def create_contact(data: ContactCreate, session: SessionDep, _: TokenDep) -> ContactOut:
    contact = await people.create_contact(session, data, utc_now())
    return await people.view(session, contact)


@router.get(
    "/contacts/{contact_id}", summary="One contact with its properties", dependencies=MANAGE
)
async def get_contact(contact_id: uuid.UUID, session: SessionDep, _: TokenDep) -> ContactOut:
    return await people.view(session, await people.get_contact(session, contact_id))


@router.patch("/contacts/{contact_id}", summary="Change names or fields", dependencies=MANAGE)
async def update_contact(
    contact_id: uuid.UUID, data: ContactUpdate, session: SessionDep, _: TokenDep
) -> ContactOut:
    return await people.view(session, await people.update_contact(session, contact_id, data))


@router.delete(
    "/contacts/{contact_id}",
    summary="Delete a contact (a tombstone: later syncs do not make it again)",
    dependencies=MANAGE,
)
async def delete_contact(contact_id: uuid.UUID, session: SessionDep, _: TokenDep) -> ContactOut:
    contact = await people.delete_contact(session, contact_id, utc_now())
    return await people.view(session, contact)


@router.post("/contacts/{contact_id}/restore", summary="Undo a deletion", dependencies=MANAGE)
async def restore_contact(contact_id: uuid.UUID, session: SessionDep, _: TokenDep) -> ContactOut:
    return await people.view(session, await people.restore_contact(session, contact_id))


@router.post(
    "/contacts/{contact_id}/merge",
    summary="Merge another contact into this one (its emails become secondary emails)",
    dependencies=MANAGE,
)
async def merge(
    contact_id: uuid.UUID, data: MergeIn, session: SessionDep, _: TokenDep
) -> ContactOut:
    contact = await people.merge(session, contact_id, data.other_id, utc_now())
    return await people.view(session, contact)


@router.post(
    "/contacts/{contact_id}/emails",
    summary="Add a secondary email (its registrations are credited to this contact)",
    dependencies=MANAGE,
)
async def add_email(
    contact_id: uuid.UUID, data: SecondaryEmailIn, session: SessionDep, _: TokenDep
) -> ContactOut:
    contact = await people.add_secondary_email(session, contact_id, data.email, utc_now())
    return await people.view(session, contact)


@router.get(
    "/contacts/{contact_id}/timeline",
    summary="The contact's timeline, newest first",
    dependencies=MANAGE,
)
async def get_timeline(
    contact_id: uuid.UUID,
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[TimelineEntryOut]:
    contact = await people.get_contact(session, contact_id)
    entries = await timeline.timeline(session, contact, await people.emails_of(session, contact))
    return by_position(
        [TimelineEntryOut.model_validate(e, from_attributes=True) for e in entries],
        cursor=cursor,
        limit=limit,
        filters={"contact": contact_id},
    )


# --- register action ---------------------------------------------------------------------------


async def _request_view(session: SessionDep, row: ContactRegisterRequest) -> RegisterRequestOut:
    return await register.request_view(session, row)


@router.post(
    "/contacts/{contact_id}/register",
    status_code=202,
    summary="Register the contact to a webinar (by id, or by a contact field holding it)",
    dependencies=MANAGE,
)
async def register_contact(
    contact_id: uuid.UUID, data: RegisterIn, session: SessionDep, _: TokenDep
) -> RegisterRequestOut:
    contact = await people.get_contact(session, contact_id)
    row = await register.register_contact(
        session, contact, webinar_id=data.webinar_id, webinar_field=data.webinar_field
    )
    return await _request_view(session, row)


@router.post(
    "/contacts/register",
    status_code=202,
    summary="Register a person (made a contact when new) to a webinar",
    dependencies=MANAGE,
)
async def register_person(
    data: RegisterPersonIn, session: SessionDep, _: TokenDep
) -> RegisterRequestOut:
    row = await register.register_person(session, data, utc_now())
    return await _request_view(session, row)


@router.get(
    "/contacts/{contact_id}/registrations",
    summary="The contact's register requests and what Zoom answered",
    dependencies=MANAGE,
)
async def list_requests(
    contact_id: uuid.UUID,
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[RegisterRequestOut]:
    await people.get_contact(session, contact_id)
    page = page_of(
        await register.requests_of(session, contact_id),
        cursor=cursor,
        limit=limit,
        filters={"contact": contact_id},
    )
    return Page(
        items=[await _request_view(session, r) for r in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.get(
    "/contact-registrations/{request_id}", summary="One register request", dependencies=MANAGE
)
async def get_request(
    request_id: uuid.UUID, session: SessionDep, _: TokenDep
) -> RegisterRequestOut:
    return await _request_view(session, await register.get_request(session, request_id))


# --- segments --------------------------------------------------------------------------------


async def _segment_view(session: SessionDep, segment: ContactSegment) -> SegmentOut:
    return SegmentOut(
        id=segment.id,
        name=segment.name,
        match=segment.match,
        conditions=list(segment.conditions),
        count=await segments.count(session, segments.query_of(segment)),
        created_at=segment.created_at,
        updated_at=segment.updated_at,
    )


@router.get("/segments", summary="Saved segments with their counts", dependencies=MANAGE)
async def list_segments(
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[SegmentOut]:
    page = page_of(await segments.list_segments(session), cursor=cursor, limit=limit)
    return Page(
        items=[await _segment_view(session, s) for s in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.post("/segments", status_code=201, summary="Save a segment", dependencies=MANAGE)
async def create_segment(data: SegmentIn, session: SessionDep, _: TokenDep) -> SegmentOut:
    return await _segment_view(session, await segments.create_segment(session, data))


@router.get("/segments/{segment_id}", summary="One saved segment", dependencies=MANAGE)
async def get_segment(segment_id: uuid.UUID, session: SessionDep, _: TokenDep) -> SegmentOut:
    return await _segment_view(session, await segments.get_segment(session, segment_id))


@router.put("/segments/{segment_id}", summary="Change a saved segment", dependencies=MANAGE)
async def update_segment(
    segment_id: uuid.UUID, data: SegmentIn, session: SessionDep, _: TokenDep
) -> SegmentOut:
    return await _segment_view(session, await segments.update_segment(session, segment_id, data))


@router.delete(
    "/segments/{segment_id}",
    status_code=204,
    summary="Delete a saved segment",
    dependencies=MANAGE,
)
async def delete_segment(segment_id: uuid.UUID, session: SessionDep, _: TokenDep) -> Response:
    await segments.delete_segment(session, segment_id)
    return Response(status_code=204)


@router.get(
    "/segments/{segment_id}/contacts", summary="The segment's contacts", dependencies=MANAGE
)
async def segment_contacts(
    segment_id: uuid.UUID,
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[ContactOut]:
    segment = await segments.get_segment(session, segment_id)
    query = segments.query_of(segment)
    return await listing.contacts_page(session, query, cursor=cursor, limit=limit)


@router.get(
    "/segments/{segment_id}/contacts.csv",
    response_class=StreamingResponse,
    responses=CSV,
    summary="The segment's contacts as CSV",
    dependencies=MANAGE,
)
async def segment_csv(
    segment_id: uuid.UUID, request: Request, session: SessionDep, _: TokenDep
) -> StreamingResponse:
    segment = await segments.get_segment(session, segment_id)
    query = segments.query_of(segment)
    return _csv(segments.export_csv(sessionmaker_of(request), query), "segment")
