"""Who never becomes a contact (H3), and why, in words the audit shows.

Checked in this order: an invalid email; the platform's own users (zoombridge's staff accounts,
and every further source in `PLATFORM_USER_SOURCES` — the HubSpot account's users once a HubSpot
connection exists); the Zoom account's users of the connection; an excluded domain (settings).
A contact deleted in zoombridge (the tombstone) and a secondary email are not exclusions of the
email but of its use: they are found when the contact is looked up (`resolve`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.accounts.models import User
from zoombridge.contacts import emails
from zoombridge.contacts.models import ContactHost, ContactSettings


class Reason:
    """Reason codes of skipped emails (`ContactSyncNote.reason`, `not_synced`)."""

    INVALID = "invalid_email"
    NO_EMAIL = "no_email"
    PLATFORM_USER = "platform_user"
    ZOOM_USER = "zoom_user"
    EXCLUDED_DOMAIN = "excluded_domain"
    DELETED = "deleted_contact"
    SECONDARY = "secondary_email"


LABELS = {
    Reason.INVALID: "invalid email",
    Reason.NO_EMAIL: "no email",
    Reason.PLATFORM_USER: "a user of the platform",
    Reason.ZOOM_USER: "a user of the Zoom account",
    Reason.EXCLUDED_DOMAIN: "excluded domain",
    Reason.DELETED: "contact deleted in zoombridge",
    Reason.SECONDARY: "secondary email of a contact",
}

# Each source answers (what it is, the lower-cased emails of its users).
PlatformUserSource = Callable[[AsyncSession], Awaitable[tuple[str, frozenset[str]]]]


async def zoombridge_staff(session: AsyncSession) -> tuple[str, frozenset[str]]:
    rows = await session.scalars(select(func.lower(User.email)))
    return "a zoombridge user", frozenset(rows)


PLATFORM_USER_SOURCES: list[PlatformUserSource] = [zoombridge_staff]


@dataclass(frozen=True)
class Excluded:
    reason: str
    detail: str


@dataclass
class Exclusions:
    domains: list[str] = field(default_factory=list)
    platform_users: dict[str, str] = field(default_factory=dict)  # email -> which platform
    zoom_users: frozenset[str] = frozenset()

    def check(self, email: str) -> Excluded | None:
        """Why `email` (normalised) may not become a contact, or None."""
        wrong = emails.problem(email)
        if wrong is not None:
            reason = Reason.NO_EMAIL if not email else Reason.INVALID
            return Excluded(reason, wrong)
        platform = self.platform_users.get(email)
        if platform is not None:
            return Excluded(Reason.PLATFORM_USER, f"the email belongs to {platform}")
        if email in self.zoom_users:
            return Excluded(Reason.ZOOM_USER, "the email belongs to a user of the Zoom account")
        domain = emails.in_domains(email, self.domains)
        if domain is not None:
            return Excluded(Reason.EXCLUDED_DOMAIN, f"the domain {domain} is excluded")
        return None


async def settings_row(session: AsyncSession) -> ContactSettings:
    """The CRM settings (made with the defaults on first use)."""
    row = await session.get(ContactSettings, 1)
    if row is None:
        row = ContactSettings(id=1, sync_webinars=False, excluded_domains=[])
        session.add(row)
        await session.flush()
    return row


async def load(session: AsyncSession, connection_id: uuid.UUID | None = None) -> Exclusions:
    """The exclusions in force: settings' domains, platform users, and the Zoom users of
    `connection_id` (or of every connection when None)."""
    settings = await session.get(ContactSettings, 1)
    platform: dict[str, str] = {}
    for source in PLATFORM_USER_SOURCES:
        what, found = await source(session)
        for email in found:
            platform.setdefault(emails.normalize(email), what)
    hosts = select(ContactHost.email).where(ContactHost.gone.is_(False))
    if connection_id is not None:
        hosts = hosts.where(ContactHost.connection_id == connection_id)
    return Exclusions(
        domains=list(settings.excluded_domains) if settings is not None else [],
        platform_users=platform,
        zoom_users=frozenset(await session.scalars(hosts)),
    )
