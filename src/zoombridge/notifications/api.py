"""REST API for notifications: SMTP settings, email templates, the outbox and reminders."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from zoombridge.errors import NotFoundError
from zoombridge.notifications import service
from zoombridge.notifications.models import EmailState
from zoombridge.notifications.schemas import (
    EmailOut,
    EmailTemplateIn,
    EmailTemplateOut,
    ReminderOut,
    SmtpSettingsIn,
    SmtpSettingsOut,
)
from zoombridge.web.deps import SessionDep, TokenDep

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/settings/smtp")
async def get_smtp(session: SessionDep, _token: TokenDep) -> SmtpSettingsOut:
    row = await service.get_smtp(session)
    if row is None:
        raise NotFoundError("No SMTP settings yet: PUT them; until then emails wait, unsent.")
    return SmtpSettingsOut.from_model(row)


@router.put("/settings/smtp")
async def put_smtp(body: SmtpSettingsIn, session: SessionDep, _token: TokenDep) -> SmtpSettingsOut:
    return SmtpSettingsOut.from_model(await service.put_smtp(session, body))


@router.delete("/settings/smtp", status_code=204)
async def delete_smtp(session: SessionDep, _token: TokenDep) -> Response:
    await service.delete_smtp(session)
    return Response(status_code=204)


@router.get("/email-templates")
async def list_templates(session: SessionDep, _token: TokenDep) -> list[EmailTemplateOut]:
    return await service.list_templates(session)


@router.get("/email-templates/{key}")
async def get_template(key: str, session: SessionDep, _token: TokenDep) -> EmailTemplateOut:
    return await service.get_template(session, key)


@router.put("/email-templates/{key}")
async def put_template(
    key: str, body: EmailTemplateIn, session: SessionDep, _token: TokenDep
) -> EmailTemplateOut:
    return await service.put_template(session, key, body)


@router.delete("/email-templates/{key}")
async def reset_template(key: str, session: SessionDep, _token: TokenDep) -> EmailTemplateOut:
    """Back to the built-in text; answers the template as it now is."""
    return await service.reset_template(session, key)


@router.get("/emails")
async def list_emails(
    session: SessionDep,
    _token: TokenDep,
    booking_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    state: EmailState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[EmailOut]:
    rows = await service.list_emails(
        session, booking_id=booking_id, event_id=event_id, state=state, limit=limit
    )
    return [EmailOut.from_model(row) for row in rows]


@router.get("/emails/{email_id}")
async def get_email(email_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> EmailOut:
    return EmailOut.from_model(await service.get_email(session, email_id), with_body=True)


@router.get("/reminders")
async def list_reminders(
    session: SessionDep,
    _token: TokenDep,
    booking_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
) -> list[ReminderOut]:
    rows = await service.list_reminders(session, booking_id=booking_id, event_id=event_id)
    return [ReminderOut.model_validate(row) for row in rows]
