"""From an email to a contact, many at a time: create, find by a secondary email, or refuse.

Used by the webinar sync (a page of registrants or attendees at once), the receivers of orders
and bookings, the register action and hand-made contacts. Only first name, last name and email
are used (H1). An existing contact's names are never overwritten by a later spelling; blank
ones are filled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts.exclusions import Excluded, Exclusions, Reason
from zoombridge.contacts.models import Contact, ContactEmail, ContactSource, SourceKind
from zoombridge.contacts.service.store import insert_ignoring
from zoombridge.kit.text import one_line

NAME_MAX = 64


@dataclass(frozen=True)
class Person:
    email: str  # normalised (trimmed, lower-cased)
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class Resolved:
    contact_id: uuid.UUID | None
    excluded: Excluded | None = None  # why no contact is credited
    via_secondary: str | None = None  # the contact's primary email, when credited through it
    created: bool = False


def clean_name(value: str | None) -> str:
    return one_line(value or "")[:NAME_MAX]


@dataclass(frozen=True)
class _Known:
    contact_id: uuid.UUID
    primary: str
    deleted: bool
    first_name: str
    last_name: str


async def _known(session: AsyncSession, wanted: list[str]) -> dict[str, tuple[_Known, bool]]:
    """email -> (its contact, whether the email is a secondary one): primaries and secondary
    emails in one statement (a primary wins over a secondary of another contact)."""
    found: dict[str, tuple[_Known, bool]] = {}
    if not wanted:
        return found
    contact = (Contact.id, Contact.email, Contact.deleted_at, Contact.first_name, Contact.last_name)
    primaries = select(
        Contact.email.label("matched"), literal(False).label("secondary"), *contact
    ).where(Contact.email.in_(wanted))
    secondaries = (
        select(ContactEmail.email.label("matched"), literal(True).label("secondary"), *contact)
        .join(Contact, Contact.id == ContactEmail.contact_id)
        .where(ContactEmail.email.in_(wanted))
    )
    rows = await session.execute(union_all(primaries, secondaries))
    for matched, secondary, contact_id, primary, deleted_at, first, last in rows:
        known = _Known(contact_id, primary, deleted_at is not None, first, last)
        if not secondary:
            found[matched] = (known, False)
        else:
            found.setdefault(matched, (known, True))
    return found


def _deleted(primary: str) -> Excluded:
    return Excluded(
        Reason.DELETED,
        f"the contact {primary} was deleted in zoombridge and is not made again (restore it "
        "to sync it)",
    )


async def resolve(
    session: AsyncSession,
    people: Iterable[Person],
    exclusions: Exclusions,
    source: SourceKind,
    now: datetime,
) -> dict[str, Resolved]:
    """Each person's contact (made when new), or why there is none; keyed by email."""
    by_email: dict[str, Person] = {}
    for person in people:
        by_email.setdefault(person.email, person)
    result: dict[str, Resolved] = {}
    candidates: list[str] = []
    for email in by_email:
        excluded = exclusions.check(email)
        if excluded is not None:
            result[email] = Resolved(None, excluded)
        else:
            candidates.append(email)
    known = await _known(session, candidates)
    new_rows: list[dict[str, Any]] = []
    for email in candidates:
        person = by_email[email]
        if email in known:
            contact, secondary = known[email]
            if contact.deleted:
                result[email] = Resolved(None, _deleted(contact.primary))
                continue
            result[email] = Resolved(
                contact.contact_id, None, contact.primary if secondary else None
            )
            await _fill_names(session, contact, person)
            continue
        new_rows.append(
            {
                "id": uuid.uuid4(),
                "email": email,
                "first_name": clean_name(person.first_name),
                "last_name": clean_name(person.last_name),
                "fields": {},
                "total_registrations": 0,
                "total_webinars_attended": 0,
                "no_show_count": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
    if new_rows:
        made = await insert_ignoring(session, Contact, new_rows, ["email"], returning="email")
        for row in new_rows:
            if row["email"] in made:
                result[row["email"]] = Resolved(row["id"], None, None, created=True)
        # Made by another transaction meanwhile (its row won the unique email): read those.
        others = [row["email"] for row in new_rows if row["email"] not in made]
        if others:
            stored = await session.execute(
                select(Contact.email, Contact.id, Contact.deleted_at).where(
                    Contact.email.in_(others)
                )
            )
            for email, contact_id, deleted_at in stored:
                if deleted_at is not None:  # deleted meanwhile
                    result[email] = Resolved(None, _deleted(email))
                else:
                    result[email] = Resolved(contact_id, None, None)
    await add_sources(
        session, [r.contact_id for r in result.values() if r.contact_id is not None], source, now
    )
    return result


async def _fill_names(session: AsyncSession, contact: _Known, person: Person) -> None:
    first, last = clean_name(person.first_name), clean_name(person.last_name)
    if (contact.first_name or not first) and (contact.last_name or not last):
        return
    row = await session.get(Contact, contact.contact_id)
    if row is None:
        return
    if not row.first_name and first:
        row.first_name = first
    if not row.last_name and last:
        row.last_name = last


async def add_sources(
    session: AsyncSession, contact_ids: Iterable[uuid.UUID], kind: SourceKind, now: datetime
) -> None:
    rows = [{"contact_id": cid, "kind": kind, "first_at": now} for cid in set(contact_ids)]
    await insert_ignoring(session, ContactSource, rows, ["contact_id", "kind"])
