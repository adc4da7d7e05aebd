"""REST API for notifications: SMTP settings, email templates, the outbox and reminders."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from zoombridge.accounts.deps import TokenDep, requires
from zoombridge.accounts.permissions import OUTBOX_READERS, Permission
from zoombridge.errors import NotFoundError
from zoombridge.events.reach import api_event_in_reach
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
from zoombridge.notifications import listing, service
from zoombridge.notifications.models import Audience, EmailState
from zoombridge.notifications.schemas import (
    EmailOut,
    EmailTemplateIn,
    EmailTemplateOut,
    ReminderOut,
    SmtpSettingsIn,
    SmtpSettingsOut,
)
from zoombridge.notifications.tickets import resend_tickets

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/settings/smtp", dependencies=[requires(Permission.MANAGE_SETTINGS)])
async def get_smtp(session: SessionDep, _token: TokenDep) -> SmtpSettingsOut:
    row = await service.get_smtp(session)
    if row is None:
        raise NotFoundError("No SMTP settings yet: PUT them; until then emails wait, unsent.")
    return SmtpSettingsOut.from_model(row)


@router.put("/settings/smtp", dependencies=[requires(Permission.MANAGE_SETTINGS)])
async def put_smtp(body: SmtpSettingsIn, session: SessionDep, _token: TokenDep) -> SmtpSettingsOut:
    return SmtpSettingsOut.from_model(await service.put_smtp(session, body))


@router.delete(
    "/settings/smtp", status_code=204, dependencies=[requires(Permission.MANAGE_SETTINGS)]
)
async def delete_smtp(session: SessionDep, _token: TokenDep) -> Response:
    await service.delete_smtp(session)
    return Response(status_code=204)


@router.get("/email-templates", dependencies=[requires(Permission.MANAGE_SETTINGS)])
async def list_templates(
    session: SessionDep,
    _token: TokenDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[EmailTemplateOut]:
    templates = await service.list_templates(session)
    return page_of(templates, cursor=cursor, limit=limit, key=lambda t: t.key)


@router.get("/email-templates/{key}", dependencies=[requires(Permission.MANAGE_SETTINGS)])
async def get_template(key: str, session: SessionDep, _token: TokenDep) -> EmailTemplateOut:
    return await service.get_template(session, key)


@router.put("/email-templates/{key}", dependencies=[requires(Permission.MANAGE_SETTINGS)])
async def put_template(
    key: str, body: EmailTemplateIn, session: SessionDep, _token: TokenDep
) -> EmailTemplateOut:
    return await service.put_template(session, key, body)


@router.delete("/email-templates/{key}", dependencies=[requires(Permission.MANAGE_SETTINGS)])
async def reset_template(key: str, session: SessionDep, _token: TokenDep) -> EmailTemplateOut:
    """Back to the built-in text; answers the template as it now is."""
    return await service.reset_template(session, key)


@router.get(
    "/emails",
    dependencies=[requires(*OUTBOX_READERS)],
)
async def list_emails(
    session: SessionDep,
    _token: TokenDep,
    state: EmailState | None = None,
    kind: Annotated[
        str | None, Query(max_length=64, description="the template key, e.g. event_ticket")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=255, description="the recipient's address or name, or subject")
    ] = None,
    created_from: Annotated[date | None, Query(description="queued on or after (UTC day)")] = None,
    created_to: Annotated[date | None, Query(description="queued on or before (UTC day)")] = None,
    audience: Audience | None = None,
    event_id: uuid.UUID | None = None,
    booking_id: uuid.UUID | None = None,
    attendee_id: uuid.UUID | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[EmailOut]:
    """The outbox, newest first."""
    filters = listing.EmailFilters(
        state, kind, q, created_from, created_to, audience, event_id, booking_id, attendee_id
    )
    return await listing.list_emails(session, filters, cursor=cursor, limit=limit)


@router.get(
    "/emails/{email_id}",
    dependencies=[requires(*OUTBOX_READERS)],
)
async def get_email(email_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EmailOut:
    return EmailOut.from_model(await service.get_email(session, email_id), with_body=True)


@router.get(
    "/reminders",
    dependencies=[requires(*OUTBOX_READERS)],
)
async def list_reminders(
    session: SessionDep,
    _token: TokenDep,
    booking_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[ReminderOut]:
    """Reminders, soonest due first."""
    return await listing.list_reminders(
        session, booking_id=booking_id, event_id=event_id, cursor=cursor, limit=limit
    )


@router.post(
    "/events/{event_id}/tickets/resend",
    summary="Email every active attendee their ticket again (O8: after meeting details change)",
    responses={200: {"content": {"application/json": {"example": {"queued": 12}}}}},
    dependencies=[requires(Permission.MANAGE_ORDERS), Depends(api_event_in_reach)],
)
async def resend_event_tickets(
    event_id: uuid.UUID, session: SessionDep, _token: TokenDep
) -> dict[str, int]:
    return {"queued": await resend_tickets(session, event_id)}
