"""`/api/v1/hubspot` routes: HubSpot connections (the token is never answered), "test access",
the Zoom properties, webinars pushed ("sync now"), tombstones and workflow calls received.

Every route needs "Manage contacts (CRM)". Nothing here calls HubSpot: requests are stamps
and due rows the worker acts on; `GET` shows what it recorded. The inbound workflow endpoint
is in `hubspot_sync.webhooks` (HubSpot's signature or an API key, not an API token).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from zoombridge.accounts.deps import TokenDep, requires
from zoombridge.accounts.permissions import Permission
from zoombridge.hubspot_sync import service
from zoombridge.hubspot_sync.schemas import (
    HubSpotConnectionCreate,
    HubSpotConnectionOut,
    HubSpotConnectionUpdate,
    TombstoneOut,
    WebinarPushOut,
    WorkflowCallOut,
)
from zoombridge.kit.http import SessionDep
from zoombridge.kit.pages import SHORT_LIST_LIMIT, CursorQuery, Page, ShortLimitQuery, page_of

router = APIRouter(prefix="/api/v1/hubspot", tags=["hubspot"])
MANAGE = [requires(Permission.MANAGE_CONTACTS)]


@router.get("/connections", summary="HubSpot connections", dependencies=MANAGE)
async def list_hubspot_connections(
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[HubSpotConnectionOut]:
    rows = [HubSpotConnectionOut.of(r) for r in await service.list_connections(session)]
    return page_of(rows, cursor=cursor, limit=limit)


@router.post(
    "/connections",
    status_code=201,
    summary="Connect a HubSpot account with a private app's access token",
    dependencies=MANAGE,
)
async def create_hubspot_connection(
    data: HubSpotConnectionCreate, session: SessionDep, _: TokenDep
) -> HubSpotConnectionOut:
    """The worker then tests access and makes the property group and the Zoom properties."""
    return HubSpotConnectionOut.of(await service.create_connection(session, data))


@router.get("/connections/{connection_id}", dependencies=MANAGE)
async def get_hubspot_connection(
    connection_id: uuid.UUID, session: SessionDep, _: TokenDep
) -> HubSpotConnectionOut:
    return HubSpotConnectionOut.of(await service.get_connection(session, connection_id))


@router.patch("/connections/{connection_id}", dependencies=MANAGE)
async def update_hubspot_connection(
    connection_id: uuid.UUID, data: HubSpotConnectionUpdate, session: SessionDep, _: TokenDep
) -> HubSpotConnectionOut:
    """Only the fields sent change; a new token, Hub ID or URL is tested again."""
    return HubSpotConnectionOut.of(await service.update_connection(session, connection_id, data))


@router.delete("/connections/{connection_id}", status_code=204, dependencies=MANAGE)
async def delete_hubspot_connection(
    connection_id: uuid.UUID, session: SessionDep, _: TokenDep
) -> Response:
    await service.delete_connection(session, connection_id)
    return Response(status_code=204)


@router.post("/connections/{connection_id}/test", status_code=202, dependencies=MANAGE)
async def request_hubspot_access_test(
    connection_id: uuid.UUID, session: SessionDep, _: TokenDep
) -> HubSpotConnectionOut:
    """Ask the worker to prove the token and name each missing scope with its feature."""
    return HubSpotConnectionOut.of(await service.request_test(session, connection_id))


@router.post("/connections/{connection_id}/setup", status_code=202, dependencies=MANAGE)
async def set_up_hubspot_properties(
    connection_id: uuid.UUID, session: SessionDep, _: TokenDep
) -> HubSpotConnectionOut:
    """Ask the worker to make the property group and the Zoom properties (again)."""
    return HubSpotConnectionOut.of(await service.request_setup(session, connection_id))


@router.get("/connections/{connection_id}/webinars", dependencies=MANAGE)
async def list_hubspot_pushes(
    connection_id: uuid.UUID,
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[WebinarPushOut]:
    """Each synced webinar's push: due or not, when, its counts and its last error."""
    return page_of(await service.pushes(session, connection_id), cursor=cursor, limit=limit)


@router.post(
    "/connections/{connection_id}/webinars/{webinar_id}/sync",
    status_code=202,
    summary="Sync now: push the webinar to HubSpot again",
    dependencies=MANAGE,
)
async def push_webinar_now(
    connection_id: uuid.UUID, webinar_id: uuid.UUID, session: SessionDep, _: TokenDep
) -> WebinarPushOut:
    row = await service.request_push(session, connection_id, webinar_id)
    [view] = [p for p in await service.pushes(session, connection_id) if p.id == row.id]
    return view


@router.get("/connections/{connection_id}/tombstones", dependencies=MANAGE)
async def list_hubspot_tombstones(
    connection_id: uuid.UUID,
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[TombstoneOut]:
    """Contacts deleted in HubSpot, which zoombridge does not create there again."""
    rows = await service.tombstones(session, connection_id)
    return page_of(rows, cursor=cursor, limit=limit, key=lambda row: str(row.contact_id))


@router.delete(
    "/connections/{connection_id}/tombstones/{contact_id}", status_code=204, dependencies=MANAGE
)
async def forget_hubspot_tombstone(
    connection_id: uuid.UUID, contact_id: uuid.UUID, session: SessionDep, _: TokenDep
) -> Response:
    """Let zoombridge create this contact in HubSpot again at the next push."""
    await service.forget_tombstone(session, connection_id, contact_id)
    return Response(status_code=204)


@router.get("/connections/{connection_id}/workflow-calls", dependencies=MANAGE)
async def list_hubspot_workflow_calls(
    connection_id: uuid.UUID,
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[WorkflowCallOut]:
    """HubSpot workflow calls received, newest first, with what they were answered."""
    rows = await service.workflow_calls(session, connection_id)
    return page_of(rows, cursor=cursor, limit=limit)
