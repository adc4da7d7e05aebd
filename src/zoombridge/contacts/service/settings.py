"""CRM settings (H2, H3): the global switch, excluded domains, and per connection which hosts.

A change that widens what is synced (the switch on, a host selected, all hosts) makes the
connection's listing due at once: the worker lists the account's users and the webinars of the
hosts in scope, and syncs the webinars it finds. Nothing here calls Zoom.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection
from zoombridge.contacts.exclusions import settings_row
from zoombridge.contacts.models import ContactConnection, ContactHost, HostsMode
from zoombridge.contacts.schemas import (
    ConnectionHostsOut,
    CrmSettingsIn,
    CrmSettingsOut,
    HostUpdate,
)
from zoombridge.errors import NotFoundError


async def view(session: AsyncSession) -> CrmSettingsOut:
    settings = await settings_row(session)
    rows = await session.execute(
        select(ZoomConnection, ContactConnection)
        .outerjoin(ContactConnection, ContactConnection.connection_id == ZoomConnection.id)
        .order_by(ZoomConnection.name)
    )
    return CrmSettingsOut(
        sync_webinars=settings.sync_webinars,
        excluded_domains=list(settings.excluded_domains),
        connections=[
            ConnectionHostsOut(
                connection_id=connection.id,
                name=connection.name,
                hosts_mode=scope.hosts_mode if scope else HostsMode.NONE,
                listed_at=scope.listed_at if scope else None,
                last_error=scope.last_error if scope else None,
            )
            for connection, scope in rows
        ],
    )


async def _list_soon(session: AsyncSession, now: datetime, connection_id: uuid.UUID | None) -> None:
    query = update(ContactConnection).values(not_before=now, attempts=0, last_error=None)
    if connection_id is not None:
        query = query.where(ContactConnection.connection_id == connection_id)
    await session.execute(query.execution_options(synchronize_session=False))


async def update_settings(session: AsyncSession, data: CrmSettingsIn, now: datetime) -> None:
    settings = await settings_row(session)
    switched_on = data.sync_webinars is True and not settings.sync_webinars
    if data.sync_webinars is not None:
        settings.sync_webinars = data.sync_webinars
    if data.excluded_domains is not None:
        settings.excluded_domains = sorted(set(data.excluded_domains))
    settings.updated_at = now
    if switched_on:
        await _list_soon(session, now, None)
    await session.flush()


async def connection_scope(
    session: AsyncSession, connection_id: uuid.UUID, now: datetime
) -> ContactConnection:
    if await session.get(ZoomConnection, connection_id) is None:
        raise NotFoundError("No Zoom connection has this id.")
    scope = await session.scalar(
        select(ContactConnection).where(ContactConnection.connection_id == connection_id)
    )
    if scope is None:
        scope = ContactConnection(connection_id=connection_id, not_before=now)
        session.add(scope)
        await session.flush()
    return scope


async def set_hosts_mode(
    session: AsyncSession, connection_id: uuid.UUID, mode: HostsMode, now: datetime
) -> ContactConnection:
    scope = await connection_scope(session, connection_id, now)
    scope.hosts_mode = mode
    scope.not_before, scope.attempts, scope.last_error = now, 0, None
    await session.flush()
    return scope


async def request_listing(
    session: AsyncSession, connection_id: uuid.UUID, now: datetime
) -> ContactConnection:
    """List the account's users and the hosts' webinars again (soon, by the worker)."""
    scope = await connection_scope(session, connection_id, now)
    scope.not_before, scope.attempts, scope.last_error = now, 0, None
    await session.flush()
    return scope


async def list_hosts(session: AsyncSession, connection_id: uuid.UUID | None) -> list[ContactHost]:
    query = select(ContactHost).order_by(ContactHost.email)
    if connection_id is not None:
        query = query.where(ContactHost.connection_id == connection_id)
    return list(await session.scalars(query))


async def update_host(
    session: AsyncSession, host_id: uuid.UUID, data: HostUpdate, now: datetime
) -> ContactHost:
    host = await session.get(ContactHost, host_id)
    if host is None:
        raise NotFoundError("No Zoom host has this id.")
    newly_selected = data.selected is True and not host.selected
    for name in ("selected", "sync_new_by_default", "sync_recordings"):
        value = getattr(data, name)
        if value is not None:
            setattr(host, name, value)
    if newly_selected:
        await _list_soon(session, now, host.connection_id)
    await session.flush()
    return host
