"""SMTP settings, email templates, the outbox and reminders as the API and UI see them.

Every function takes the request's session, flushes and never commits. Template text is checked
with `shortcodes.check` before it is stored, so a refused template leaves the stored one as it
was; the SMTP password is only ever written here, never read back out.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.errors import NotFoundError
from zoombridge.kit import shortcodes
from zoombridge.notifications.defaults import BY_KEY, TemplateKind, all_kinds
from zoombridge.notifications.models import (
    EmailState,
    EmailTemplate,
    OutboundEmail,
    Reminder,
    SmtpSettings,
)
from zoombridge.notifications.schemas import EmailTemplateIn, EmailTemplateOut, SmtpSettingsIn

# --- SMTP settings (one row) -------------------------------------------------------------------


async def get_smtp(session: AsyncSession) -> SmtpSettings | None:
    """The stored settings; None while none are set (emails then wait, unsent)."""
    rows = await session.scalars(select(SmtpSettings).order_by(SmtpSettings.created_at))
    return rows.first()


async def put_smtp(session: AsyncSession, data: SmtpSettingsIn) -> SmtpSettings:
    """Store the settings. No `password` keeps the stored one; an empty one clears it."""
    row = await get_smtp(session)
    if row is None:
        row = SmtpSettings(host=data.host, from_address=str(data.from_address))
        session.add(row)
    row.host = data.host
    row.port = data.port
    row.security = data.security
    row.username = data.username or None
    if data.password is not None:
        secret = data.password.get_secret_value()
        row.password = data.password if secret else None
    row.from_address = str(data.from_address)
    row.from_name = data.from_name
    row.timeout_seconds = data.timeout_seconds
    await session.flush()
    return row


async def delete_smtp(session: AsyncSession) -> None:
    for row in await session.scalars(select(SmtpSettings)):
        await session.delete(row)
    await session.flush()


# --- Email templates ---------------------------------------------------------------------------


def _kind(key: str) -> TemplateKind:
    kind = BY_KEY.get(key)
    if kind is None:
        raise NotFoundError(f"No email template {key!r}; the templates are: {', '.join(BY_KEY)}.")
    return kind


def _out(kind: TemplateKind, row: EmailTemplate | None) -> EmailTemplateOut:
    return EmailTemplateOut(
        key=kind.key,
        title=kind.title,
        audience=kind.audience,
        subject=row.subject if row else kind.subject,
        body=row.body if row else kind.body,
        customised=row is not None,
        shortcodes=list(kind.placeholders.allowed),
    )


async def _row(session: AsyncSession, key: str) -> EmailTemplate | None:
    return await session.scalar(select(EmailTemplate).where(EmailTemplate.key == key))


async def list_templates(session: AsyncSession) -> list[EmailTemplateOut]:
    rows = {row.key: row for row in await session.scalars(select(EmailTemplate))}
    return [_out(kind, rows.get(kind.key)) for kind in all_kinds()]


async def get_template(session: AsyncSession, key: str) -> EmailTemplateOut:
    kind = _kind(key)
    return _out(kind, await _row(session, key))


async def put_template(session: AsyncSession, key: str, data: EmailTemplateIn) -> EmailTemplateOut:
    """Customise a template; refused (TemplateError, field errors per part) when it names a
    shortcode it cannot use — the stored text is then left as it was."""
    kind = _kind(key)
    shortcodes.check(
        {
            "subject": (data.subject, kind.placeholders),
            "body": (data.body, kind.placeholders),
        }
    )
    row = await _row(session, key)
    if row is None:
        row = EmailTemplate(key=key, subject=data.subject, body=data.body)
        session.add(row)
    row.subject = data.subject
    row.body = data.body
    await session.flush()
    return _out(kind, row)


async def reset_template(session: AsyncSession, key: str) -> EmailTemplateOut:
    """Back to the built-in text."""
    kind = _kind(key)
    row = await _row(session, key)
    if row is not None:
        await session.delete(row)
        await session.flush()
    return _out(kind, None)


# --- Outbox and reminders ----------------------------------------------------------------------


async def list_emails(
    session: AsyncSession,
    *,
    booking_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    state: EmailState | None = None,
    limit: int = 200,
) -> list[OutboundEmail]:
    """The outbox, newest first."""
    query = select(OutboundEmail)
    if booking_id is not None:
        query = query.where(OutboundEmail.booking_id == booking_id)
    if event_id is not None:
        query = query.where(OutboundEmail.event_id == event_id)
    if state is not None:
        query = query.where(OutboundEmail.state == state)
    query = query.order_by(OutboundEmail.created_at.desc(), OutboundEmail.id).limit(limit)
    return list(await session.scalars(query))


async def get_email(session: AsyncSession, email_id: uuid.UUID) -> OutboundEmail:
    row = await session.get(OutboundEmail, email_id)
    if row is None:
        raise NotFoundError(f"No email {email_id}.")
    return row


async def list_reminders(
    session: AsyncSession,
    *,
    booking_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    limit: int = 500,
) -> list[Reminder]:
    """Reminders, soonest due first."""
    query = select(Reminder)
    if booking_id is not None:
        query = query.where(Reminder.booking_id == booking_id)
    if event_id is not None:
        query = query.where(Reminder.event_id == event_id)
    query = query.order_by(Reminder.due_at, Reminder.offset).limit(limit)
    return list(await session.scalars(query))
