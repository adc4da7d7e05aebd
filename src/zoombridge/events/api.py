"""REST API for events: `/api/v1/events` (E1–E11). Nothing here waits for Zoom: changes are
desired state that the worker applies; answers show what Zoom last confirmed."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from zoombridge.accounts.deps import ActorDep, TokenDep, requires
from zoombridge.accounts.permissions import EVENT_READERS, Permission
from zoombridge.events import service
from zoombridge.events.models import EventStatus
from zoombridge.events.reach import api_event_in_reach, check_department_of_new_event
from zoombridge.events.schemas import (
    EventCreate,
    EventPreview,
    EventSummary,
    EventUpdate,
    EventView,
    ZoomState,
)
from zoombridge.kit.http import SessionDep
from zoombridge.kit.pages import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page

router = APIRouter(
    prefix="/api/v1/events", tags=["events"], dependencies=[Depends(api_event_in_reach)]
)


@router.post("", status_code=201, dependencies=[requires(Permission.MANAGE_EVENTS)])
async def create_event(body: EventCreate, session: SessionDep, actor: ActorDep) -> EventView:
    check_department_of_new_event(actor, body.department_id)
    event = await service.create_event(session, body)
    return await service.get_event_view(session, event.id)


@router.post("/preview", dependencies=[requires(Permission.MANAGE_EVENTS)])
async def preview_draft(body: EventCreate, session: SessionDep, _token: TokenDep) -> EventPreview:
    """What creating this event would send to Zoom; nothing is stored."""
    return await service.preview_draft(session, body)


@router.get(
    "",
    dependencies=[requires(*EVENT_READERS)],
)
async def list_events(
    session: SessionDep,
    actor: ActorDep,
    status: EventStatus | None = None,
    q: Annotated[str | None, Query(description="words in the topic")] = None,
    connection_id: uuid.UUID | None = None,
    start_from: Annotated[date | None, Query(description="starting on or after (UTC day)")] = None,
    start_to: Annotated[date | None, Query(description="starting on or before (UTC day)")] = None,
    zoom_state: ZoomState | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[EventSummary]:
    """Events, soonest first, with each one's Zoom state and registration counts."""
    filters = service.EventFilters(
        status, q, connection_id, start_from, start_to, zoom_state, actor.department_ids
    )
    return await service.list_events(session, filters, cursor=cursor, limit=limit)


@router.get(
    "/{event_id}",
    dependencies=[requires(*EVENT_READERS)],
)
async def get_event(event_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EventView:
    return await service.get_event_view(session, event_id)


@router.patch("/{event_id}", dependencies=[requires(Permission.MANAGE_EVENTS)])
async def update_event(
    event_id: uuid.UUID, body: EventUpdate, session: SessionDep, actor: ActorDep
) -> EventView:
    if "department_id" in body.model_fields_set:
        check_department_of_new_event(actor, body.department_id)
    await service.update_event(session, event_id, body)
    return await service.get_event_view(session, event_id)


@router.delete("/{event_id}", dependencies=[requires(Permission.MANAGE_EVENTS)])
async def delete_event(event_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EventView:
    """Cancels the event; the worker deletes the Zoom meetings zoombridge created."""
    await service.delete_event(session, event_id)
    return await service.get_event_view(session, event_id)


@router.get(
    "/{event_id}/preview",
    dependencies=[requires(*EVENT_READERS)],
)
async def preview_event(event_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EventPreview:
    return await service.preview_event(session, event_id)


@router.post(
    "/{event_id}/fix-approval", status_code=202, dependencies=[requires(Permission.MANAGE_EVENTS)]
)
async def fix_approval(event_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EventView:
    await service.request_approval_fix(session, event_id)
    return await service.get_event_view(session, event_id)


@router.post("/{event_id}/sync", status_code=202, dependencies=[requires(Permission.MANAGE_EVENTS)])
async def sync_now(event_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EventView:
    await service.request_sync(session, event_id)
    return await service.get_event_view(session, event_id)


@router.post(
    "/{event_id}/links/{link_id}/recreate",
    status_code=202,
    dependencies=[requires(Permission.MANAGE_EVENTS)],
)
async def recreate_meeting(
    event_id: uuid.UUID, link_id: uuid.UUID, session: SessionDep, _token: TokenDep
) -> EventView:
    """A meeting deleted in Zoom is made again: everyone is registered on the new one and
    emailed their new join link."""
    await service.recreate_meeting(session, event_id, link_id)
    return await service.get_event_view(session, event_id)


@router.post(
    "/{event_id}/links/{link_id}/unlink",
    status_code=202,
    dependencies=[requires(Permission.MANAGE_EVENTS)],
)
async def unlink_meeting(
    event_id: uuid.UUID, link_id: uuid.UUID, session: SessionDep, _token: TokenDep
) -> EventView:
    """The event lets go of a meeting deleted in Zoom and runs without it."""
    await service.unlink_meeting(session, event_id, link_id)
    return await service.get_event_view(session, event_id)
