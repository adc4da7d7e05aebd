"""The text of each email: a customised `EmailTemplate` row, else the built-in default."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.notifications.defaults import BY_KEY
from zoombridge.notifications.models import EmailTemplate


async def effective(session: AsyncSession, key: str) -> tuple[str, str]:
    """(subject, body) of the template `key` as it would be sent now."""
    row = await session.scalar(select(EmailTemplate).where(EmailTemplate.key == key))
    if row is not None:
        return row.subject, row.body
    kind = BY_KEY[key]
    return kind.subject, kind.body
