"""REST API for events: `/api/v1/events` (E1–E11). Nothing here waits for Zoom: changes are
desired state that the worker applies; answers show what Zoom last confirmed."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from zoombridge.events import service
from zoombridge.events.models import EventStatus
from zoombridge.events.schemas import (
    EventCreate,
    EventPreview,
    EventSummary,
    EventUpdate,
    EventView,
)
from zoombridge.web.deps import SessionDep, TokenDep

router = APIRouter(prefix="/api/v1/events", tags=["events"])


@router.post("", status_code=201)
async def create_event(body: EventCreate, session: SessionDep, _token: TokenDep) -> EventView:
    event = await service.create_event(session, body)
    return await service.get_event_view(session, event.id)


@router.post("/preview")
async def preview_draft(body: EventCreate, session: SessionDep, _token: TokenDep) -> EventPreview:
    """What creating this event would send to Zoom; nothing is stored."""
    return await service.preview_draft(session, body)


@router.get("")
async def list_events(
    session: SessionDep, _token: TokenDep, status: EventStatus | None = None
) -> list[EventSummary]:
    return await service.list_events(session, status)


@router.get("/{event_id}")
async def get_event(event_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EventView:
    return await service.get_event_view(session, event_id)


@router.patch("/{event_id}")
async def update_event(
    event_id: uuid.UUID, body: EventUpdate, session: SessionDep, _token: TokenDep
) -> EventView:
    await service.update_event(session, event_id, body)
    return await service.get_event_view(session, event_id)


@router.delete("/{event_id}")
async def delete_event(event_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EventView:
    """Cancels the event; the worker deletes the Zoom meetings zoombridge created."""
    await service.delete_event(session, event_id)
    return await service.get_event_view(session, event_id)


@router.get("/{event_id}/preview")
async def preview_event(event_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EventPreview:
    return await service.preview_event(session, event_id)


@router.post("/{event_id}/fix-approval", status_code=202)
async def fix_approval(event_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EventView:
    await service.request_approval_fix(session, event_id)
    return await service.get_event_view(session, event_id)


@router.post("/{event_id}/sync", status_code=202)
async def sync_now(event_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EventView:
    await service.request_sync(session, event_id)
    return await service.get_event_view(session, event_id)
