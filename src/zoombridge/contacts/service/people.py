"""Contacts by hand: create, change, add a secondary email, merge, delete (tombstone), restore.

A deleted contact keeps its row with `deleted_at` set: that row is the tombstone a later sync
finds (the email is not made a contact again), and "restore" clears it. Merging moves the other
contact's emails (its primary becomes a secondary), registrations, attendance and requests onto
this one, then removes the other row.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts import exclusions
from zoombridge.contacts.models import (
    Contact,
    ContactAttendance,
    ContactEmail,
    ContactRegisterRequest,
    ContactRegistration,
    ContactSource,
    SourceKind,
)
from zoombridge.contacts.schemas import (
    ContactCreate,
    ContactOut,
    ContactProperties,
    ContactUpdate,
)
from zoombridge.contacts.service import properties
from zoombridge.contacts.service.resolve import add_sources
from zoombridge.contacts.service.store import insert_ignoring
from zoombridge.errors import Conflict, NotFoundError, invalid


async def get_contact(session: AsyncSession, contact_id: uuid.UUID) -> Contact:
    contact = await session.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError("No contact has this id.")
    return contact


async def emails_of(session: AsyncSession, contact: Contact) -> list[str]:
    """Primary first, then the secondary emails."""
    secondary = await session.scalars(
        select(ContactEmail.email)
        .where(ContactEmail.contact_id == contact.id)
        .order_by(ContactEmail.email)
    )
    return [contact.email, *secondary]


async def views(session: AsyncSession, contacts: Sequence[Contact]) -> list[ContactOut]:
    ids = [c.id for c in contacts]
    secondary: dict[uuid.UUID, list[str]] = defaultdict(list)
    sources: dict[uuid.UUID, list[SourceKind]] = defaultdict(list)
    if ids:
        for contact_id, email in await session.execute(
            select(ContactEmail.contact_id, ContactEmail.email)
            .where(ContactEmail.contact_id.in_(ids))
            .order_by(ContactEmail.email)
        ):
            secondary[contact_id].append(email)
        for contact_id, kind in await session.execute(
            select(ContactSource.contact_id, ContactSource.kind)
            .where(ContactSource.contact_id.in_(ids))
            .order_by(ContactSource.first_at, ContactSource.kind)
        ):
            sources[contact_id].append(kind)
    return [
        ContactOut(
            id=c.id,
            email=c.email,
            first_name=c.first_name,
            last_name=c.last_name,
            secondary_emails=secondary[c.id],
            sources=sources[c.id],
            fields=dict(c.fields or {}),
            deleted=c.deleted_at is not None,
            deleted_at=c.deleted_at,
            properties=ContactProperties.model_validate(c, from_attributes=True),
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in contacts
    ]


async def view(session: AsyncSession, contact: Contact) -> ContactOut:
    [one] = await views(session, [contact])
    return one


async def owner_of(session: AsyncSession, email: str) -> Contact | None:
    """The contact whose primary or secondary email `email` is (deleted ones included)."""
    contact = await session.scalar(select(Contact).where(Contact.email == email))
    if contact is not None:
        return contact
    return await session.scalar(
        select(Contact)
        .join(ContactEmail, ContactEmail.contact_id == Contact.id)
        .where(ContactEmail.email == email)
    )


def _taken(email: str, owner: Contact) -> Conflict:
    if owner.deleted_at is not None:
        return Conflict(
            f"{email} belongs to a deleted contact ({owner.email}); restore that contact instead."
        )
    return Conflict(f"{email} is already an email of the contact {owner.email}.")


def _fields(values: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in values.items()}


async def create_contact(session: AsyncSession, data: ContactCreate, now: datetime) -> Contact:
    excluded = (await exclusions.load(session)).check(data.email)
    if excluded is not None:
        raise invalid("email", f"{data.email} cannot be a contact: {excluded.detail}.")
    owner = await owner_of(session, data.email)
    if owner is not None:
        raise _taken(data.email, owner)
    contact = Contact(
        email=data.email,
        first_name=data.first_name,
        last_name=data.last_name,
        fields=_fields(data.fields),
    )
    session.add(contact)
    await session.flush()
    await add_sources(session, [contact.id], SourceKind.ADDED_BY_HAND, now)
    return contact


async def update_contact(
    session: AsyncSession, contact_id: uuid.UUID, data: ContactUpdate
) -> Contact:
    contact = await get_contact(session, contact_id)
    if data.first_name is not None:
        contact.first_name = data.first_name
    if data.last_name is not None:
        contact.last_name = data.last_name
    if data.fields is not None:
        contact.fields = _fields(data.fields)
    await session.flush()
    return contact


async def add_secondary_email(
    session: AsyncSession, contact_id: uuid.UUID, email: str, now: datetime
) -> Contact:
    contact = await get_contact(session, contact_id)
    owner = await owner_of(session, email)
    if owner is not None:
        raise _taken(email, owner)
    session.add(ContactEmail(contact_id=contact.id, email=email, added_at=now))
    await session.flush()
    return contact


async def merge(
    session: AsyncSession, contact_id: uuid.UUID, other_id: uuid.UUID, now: datetime
) -> Contact:
    """Merge `other_id` into `contact_id`: the other's emails become secondary emails here."""
    if contact_id == other_id:
        raise invalid("other_id", "A contact cannot be merged with itself.")
    contact = await get_contact(session, contact_id)
    other = await session.get(Contact, other_id)
    if other is None:
        raise invalid("other_id", "No contact has this id.")
    if contact.deleted_at is not None or other.deleted_at is not None:
        raise Conflict("A deleted contact cannot be merged; restore it first.")
    others_emails = await emails_of(session, other)
    await session.execute(
        update(ContactEmail)
        .where(ContactEmail.contact_id == other.id)
        .values(contact_id=contact.id)
        .execution_options(synchronize_session=False)
    )
    for model in (ContactRegistration, ContactAttendance, ContactRegisterRequest):
        await session.execute(
            update(model)
            .where(model.contact_id == other.id)
            .values(contact_id=contact.id)
            .execution_options(synchronize_session=False)
        )
    kinds = list(
        await session.scalars(
            select(ContactSource.kind).where(ContactSource.contact_id == other.id)
        )
    )
    await insert_ignoring(
        session,
        ContactSource,
        [{"contact_id": contact.id, "kind": k, "first_at": now} for k in kinds],
        ["contact_id", "kind"],
    )
    contact.fields = {**dict(other.fields or {}), **dict(contact.fields or {})}
    contact.first_name = contact.first_name or other.first_name
    contact.last_name = contact.last_name or other.last_name
    await session.delete(other)
    await session.flush()
    session.add(ContactEmail(contact_id=contact.id, email=others_emails[0], added_at=now))
    await session.flush()
    await properties.recompute(session, [contact.id])
    await session.refresh(contact)
    return contact


async def delete_contact(session: AsyncSession, contact_id: uuid.UUID, now: datetime) -> Contact:
    contact = await get_contact(session, contact_id)
    if contact.deleted_at is None:
        contact.deleted_at = now
    await session.flush()
    return contact


async def restore_contact(session: AsyncSession, contact_id: uuid.UUID) -> Contact:
    contact = await get_contact(session, contact_id)
    contact.deleted_at = None
    await session.flush()
    return contact
