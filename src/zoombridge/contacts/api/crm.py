"""`/api/v1/crm` routes: the CRM settings and hosts, the synced webinars (switch, sync now,
audit, attendees without a contact) and the automations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from zoombridge.accounts.deps import TokenDep, requires
from zoombridge.accounts.permissions import Permission
from zoombridge.contacts.models import ContactAutomation
from zoombridge.contacts.schemas import (
    AutomationCreated,
    AutomationIn,
    AutomationOut,
    ConnectionHostsIn,
    CrmSettingsIn,
    CrmSettingsOut,
    HostOut,
    HostUpdate,
    LinkAttendeeIn,
    NotSyncedAttendeeOut,
    SyncOut,
    WebinarOut,
    WebinarUpdate,
)
from zoombridge.contacts.service import listing, register, settings, webinars
from zoombridge.db.base import utc_now
from zoombridge.kit.http import SessionDep
from zoombridge.kit.pages import SHORT_LIST_LIMIT, CursorQuery, Page, ShortLimitQuery, page_of

router = APIRouter(prefix="/api/v1", tags=["contacts"])
MANAGE = [requires(Permission.MANAGE_CONTACTS)]


# --- CRM settings, hosts ---------------------------------------------------------------------


@router.get("/crm/settings", summary="The CRM settings", dependencies=MANAGE)
async def get_settings(session: SessionDep, _: TokenDep) -> CrmSettingsOut:
    return await settings.view(session)


@router.patch(
    "/crm/settings", summary="Change the sync switch or the excluded domains", dependencies=MANAGE
)
async def update_settings(data: CrmSettingsIn, session: SessionDep, _: TokenDep) -> CrmSettingsOut:
    await settings.update_settings(session, data, utc_now())
    return await settings.view(session)


@router.put(
    "/crm/connections/{connection_id}/hosts",
    summary="Whose webinars of this connection are synced: none, all or selected hosts",
    dependencies=MANAGE,
)
async def set_hosts_mode(
    connection_id: uuid.UUID, data: ConnectionHostsIn, session: SessionDep, _: TokenDep
) -> CrmSettingsOut:
    await settings.set_hosts_mode(session, connection_id, data.hosts_mode, utc_now())
    return await settings.view(session)


@router.post(
    "/crm/connections/{connection_id}/list",
    status_code=202,
    summary="List the Zoom users and the hosts' webinars again (by the worker)",
    dependencies=MANAGE,
)
async def request_listing(
    connection_id: uuid.UUID, session: SessionDep, _: TokenDep
) -> CrmSettingsOut:
    await settings.request_listing(session, connection_id, utc_now())
    return await settings.view(session)


@router.get("/crm/hosts", summary="The Zoom users of the connections", dependencies=MANAGE)
async def list_crm_hosts(
    session: SessionDep,
    _: TokenDep,
    connection_id: uuid.UUID | None = None,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[HostOut]:
    found = await settings.list_hosts(session, connection_id)
    return page_of(
        [HostOut.model_validate(h, from_attributes=True) for h in found],
        cursor=cursor,
        limit=limit,
        filters={"connection_id": connection_id},
    )


@router.patch(
    "/crm/hosts/{host_id}", summary="Select a host, or change its switches", dependencies=MANAGE
)
async def update_host(
    host_id: uuid.UUID, data: HostUpdate, session: SessionDep, _: TokenDep
) -> HostOut:
    host = await settings.update_host(session, host_id, data, utc_now())
    return HostOut.model_validate(host, from_attributes=True)


# --- webinars --------------------------------------------------------------------------------


@router.get("/crm/webinars", summary="The hosts' webinars, synced or not", dependencies=MANAGE)
async def list_webinars(
    session: SessionDep,
    _: TokenDep,
    connection_id: uuid.UUID | None = None,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[WebinarOut]:
    page = page_of(
        await webinars.list_webinars(session, connection_id),
        cursor=cursor,
        limit=limit,
        filters={"connection_id": connection_id},
    )
    return Page(
        items=await webinars.views(session, page.items),
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.get("/crm/webinars/{webinar_id}", summary="One webinar", dependencies=MANAGE)
async def get_webinar(webinar_id: uuid.UUID, session: SessionDep, _: TokenDep) -> WebinarOut:
    [view] = await webinars.views(session, [await webinars.get_webinar(session, webinar_id)])
    return view


@router.patch(
    "/crm/webinars/{webinar_id}", summary="Switch the webinar's sync on or off", dependencies=MANAGE
)
async def update_webinar(
    webinar_id: uuid.UUID, data: WebinarUpdate, session: SessionDep, _: TokenDep
) -> WebinarOut:
    webinar = await webinars.set_sync_enabled(session, webinar_id, data.sync_enabled)
    [view] = await webinars.views(session, [webinar])
    return view


@router.post(
    "/crm/webinars/{webinar_id}/sync",
    status_code=202,
    summary="Sync now (the worker syncs it at its next pass)",
    dependencies=MANAGE,
)
async def sync_webinar_now(webinar_id: uuid.UUID, session: SessionDep, _: TokenDep) -> WebinarOut:
    [view] = await webinars.views(session, [await webinars.request_sync(session, webinar_id)])
    return view


@router.get(
    "/crm/webinars/{webinar_id}/syncs",
    summary="The webinar's audit: its latest syncs, each with its notes by category",
    dependencies=MANAGE,
)
async def list_syncs(
    webinar_id: uuid.UUID,
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=100, description="rows per page (default 20)")] = 20,
) -> Page[SyncOut]:
    return await listing.syncs_page(session, webinar_id, cursor=cursor, limit=limit)


@router.get(
    "/crm/webinars/{webinar_id}/not-synced",
    summary="Attendees no contact was credited with (no email, excluded), or linked by hand",
    dependencies=MANAGE,
)
async def not_synced(
    webinar_id: uuid.UUID,
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[NotSyncedAttendeeOut]:
    return page_of(
        await webinars.not_synced_attendees(session, webinar_id),
        cursor=cursor,
        limit=limit,
        filters={"webinar": webinar_id},
    )


@router.post(
    "/crm/webinars/{webinar_id}/attendees/{attendance_id}/link",
    summary="Credit an attendee (e.g. a guest without email) to a contact",
    dependencies=MANAGE,
)
async def link_attendee(
    webinar_id: uuid.UUID,
    attendance_id: uuid.UUID,
    data: LinkAttendeeIn,
    session: SessionDep,
    _: TokenDep,
) -> list[NotSyncedAttendeeOut]:
    await webinars.link_attendee(session, webinar_id, attendance_id, data.contact_id)
    return await webinars.not_synced_attendees(session, webinar_id)


# --- automations -----------------------------------------------------------------------------


def automation_view(row: ContactAutomation) -> AutomationOut:
    return AutomationOut(
        id=row.id,
        name=row.name,
        zoom_webinar_id=row.zoom_webinar_id,
        webinar_field=row.webinar_field,
        enabled=row.enabled,
        url=f"/webhooks/automations/{row.id}",
        last_used_at=row.last_used_at,
        uses=row.uses,
    )


def _created(row: ContactAutomation, secret: str) -> AutomationCreated:
    return AutomationCreated(**automation_view(row).model_dump(), secret=secret)


@router.get("/crm/automations", summary="Inbound automation webhooks", dependencies=MANAGE)
async def list_automations(
    session: SessionDep,
    _: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[AutomationOut]:
    rows = [automation_view(a) for a in await register.list_automations(session)]
    return page_of(rows, cursor=cursor, limit=limit)


@router.post(
    "/crm/automations",
    status_code=201,
    summary="A webhook URL registering the posted person to a webinar (its secret shown once)",
    dependencies=MANAGE,
)
async def create_automation(
    data: AutomationIn, session: SessionDep, _: TokenDep
) -> AutomationCreated:
    return _created(*await register.create_automation(session, data))


@router.post(
    "/crm/automations/{automation_id}/secret",
    summary="A new secret for the automation (the old one stops working)",
    dependencies=MANAGE,
)
async def rotate_secret(
    automation_id: uuid.UUID, session: SessionDep, _: TokenDep
) -> AutomationCreated:
    return _created(*await register.rotate_secret(session, automation_id))


@router.delete(
    "/crm/automations/{automation_id}",
    status_code=204,
    summary="Remove an automation",
    dependencies=MANAGE,
)
async def delete_automation(automation_id: uuid.UUID, session: SessionDep, _: TokenDep) -> Response:
    await register.delete_automation(session, automation_id)
    return Response(status_code=204)
