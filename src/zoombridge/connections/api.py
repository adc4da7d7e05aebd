"""REST API for Zoom connections: `/api/v1/connections` (C1–C6). Secrets are write-only."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Response

from zoombridge.accounts.deps import TokenDep, requires
from zoombridge.accounts.permissions import CONNECTION_READERS, Permission
from zoombridge.connections import listing, service
from zoombridge.connections.models import ZoomKind
from zoombridge.connections.schemas import (
    MeetingChoiceRead,
    PickerUpdate,
    WebhookEventRead,
    ZoomConnectionCreate,
    ZoomConnectionRead,
    ZoomConnectionUpdate,
    ZoomHostRead,
)
from zoombridge.kit.http import SessionDep
from zoombridge.kit.pages import (
    DEFAULT_LIMIT,
    SHORT_LIST_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    ShortLimitQuery,
    page_of,
)

router = APIRouter(prefix="/api/v1/connections", tags=["connections"])


@router.post("", status_code=201, dependencies=[requires(Permission.MANAGE_CONNECTIONS)])
async def create_connection(
    body: ZoomConnectionCreate, session: SessionDep, _token: TokenDep
) -> ZoomConnectionRead:
    connection = await service.create_connection(session, body)
    return ZoomConnectionRead.from_model(connection)


@router.get(
    "",
    dependencies=[requires(*CONNECTION_READERS)],
)
async def list_connections(
    session: SessionDep,
    _token: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[ZoomConnectionRead]:
    rows = [ZoomConnectionRead.from_model(c) for c in await service.list_connections(session)]
    return page_of(rows, cursor=cursor, limit=limit)


@router.get(
    "/{connection_id}",
    dependencies=[requires(*CONNECTION_READERS)],
)
async def get_connection(
    connection_id: uuid.UUID, session: SessionDep, _token: TokenDep
) -> ZoomConnectionRead:
    return ZoomConnectionRead.from_model(await service.get_connection(session, connection_id))


@router.patch("/{connection_id}", dependencies=[requires(Permission.MANAGE_CONNECTIONS)])
async def update_connection(
    connection_id: uuid.UUID, body: ZoomConnectionUpdate, session: SessionDep, _token: TokenDep
) -> ZoomConnectionRead:
    connection = await service.update_connection(session, connection_id, body)
    return ZoomConnectionRead.from_model(connection)


@router.delete(
    "/{connection_id}", status_code=204, dependencies=[requires(Permission.MANAGE_CONNECTIONS)]
)
async def delete_connection(
    connection_id: uuid.UUID, session: SessionDep, _token: TokenDep
) -> Response:
    await service.delete_connection(session, connection_id)
    return Response(status_code=204)


@router.post(
    "/{connection_id}/test", status_code=202, dependencies=[requires(Permission.MANAGE_CONNECTIONS)]
)
async def request_test_access(
    connection_id: uuid.UUID, session: SessionDep, _token: TokenDep
) -> ZoomConnectionRead:
    """Ask the worker to test the credentials; `GET` the connection for the result."""
    return ZoomConnectionRead.from_model(await service.request_test(session, connection_id))


@router.post(
    "/{connection_id}/hosts/fetch",
    status_code=202,
    dependencies=[requires(Permission.MANAGE_CONNECTIONS)],
)
async def fetch_hosts(
    connection_id: uuid.UUID, session: SessionDep, _token: TokenDep
) -> ZoomConnectionRead:
    """Ask the worker to list the account's users (and the picker hosts' meetings)."""
    return ZoomConnectionRead.from_model(await service.request_hosts(session, connection_id))


@router.get(
    "/{connection_id}/hosts",
    dependencies=[requires(*CONNECTION_READERS)],
)
async def list_hosts(
    connection_id: uuid.UUID,
    session: SessionDep,
    _token: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[ZoomHostRead]:
    hosts = [ZoomHostRead.from_model(h) for h in await service.list_hosts(session, connection_id)]
    return page_of(hosts, cursor=cursor, limit=limit, filters={"connection": connection_id})


@router.put("/{connection_id}/picker", dependencies=[requires(Permission.MANAGE_CONNECTIONS)])
async def set_picker(
    connection_id: uuid.UUID, body: PickerUpdate, session: SessionDep, _token: TokenDep
) -> ZoomConnectionRead:
    return ZoomConnectionRead.from_model(await service.set_picker(session, connection_id, body))


@router.get(
    "/{connection_id}/meetings",
    dependencies=[requires(*CONNECTION_READERS)],
)
async def list_meeting_choices(
    connection_id: uuid.UUID,
    session: SessionDep,
    _token: TokenDep,
    kind: ZoomKind | None = None,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[MeetingChoiceRead]:
    """The meetings or webinars the "link existing" picker offers (as last fetched)."""
    choices = await service.list_meeting_choices(session, connection_id, kind)
    return page_of(
        [MeetingChoiceRead.from_model(c) for c in choices],
        cursor=cursor,
        limit=limit,
        filters={"connection": connection_id, "kind": kind},
    )


@router.get(
    "/{connection_id}/webhook-events", dependencies=[requires(Permission.MANAGE_CONNECTIONS)]
)
async def list_webhook_events(
    connection_id: uuid.UUID,
    session: SessionDep,
    _token: TokenDep,
    state: Literal["applied", "pending", "failed"] | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[WebhookEventRead]:
    """Zoom's webhook events received for this connection, newest first; `state=failed` lists
    the ones the worker could not apply, each with its reason."""
    return await listing.list_webhook_events(
        session, connection_id, state=state, cursor=cursor, limit=limit
    )
