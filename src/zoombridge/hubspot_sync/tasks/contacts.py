"""A webinar's contacts written to HubSpot: read before create, tombstones, changes only.

A page of 100 contacts at a time: those with something to send (changed Zoom properties, or
never confirmed by HubSpot) are read by email first. Found: HubSpot's id is kept and only the
changed properties are upserted. Not found: read among deleted (archived) contacts; found there,
the contact was deleted in HubSpot and gets a tombstone (never created again); else it is
created with its name and properties. What HubSpot confirmed is committed after each call, so
after a crash nothing confirmed is sent again.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts import exclusions
from zoombridge.contacts.models import Contact
from zoombridge.contacts.service.properties import contacts_of_webinar
from zoombridge.engine.context import SyncContext
from zoombridge.hubspot import ContactInput, ContactNotFound, HubSpotError
from zoombridge.hubspot.models import BatchOutcome
from zoombridge.hubspot_sync import properties
from zoombridge.hubspot_sync.models import HubSpotContact
from zoombridge.hubspot_sync.tasks import auditing
from zoombridge.hubspot_sync.tasks.common import (
    CHUNK,
    Job,
    bounded,
    keep_lease,
    raise_if_stopped,
)


@dataclass
class _Item:
    contact_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    current: dict[str, str]
    sent: dict[str, str]
    known_id: str | None


async def push_contacts(ctx: SyncContext, job: Job) -> Counter[str]:
    counts: Counter[str] = Counter()
    rules = await ctx.transaction(exclusions.load)

    async def pages() -> AsyncIterator[Callable[[], Awaitable[None]]]:
        after: uuid.UUID | None = None
        while True:
            page = await ctx.transaction(_page_loader(job, after, rules))
            if page is None:
                return
            after, items, skipped = page
            counts.update(skipped)
            if items:
                yield _sender(ctx, job, items, counts)

    # Pages hold different contacts: they go out side by side (each committed on its own) while
    # the next pages are read.
    await bounded(pages())
    return counts


def _sender(
    ctx: SyncContext, job: Job, items: list[_Item], counts: Counter[str]
) -> Callable[[], Awaitable[None]]:
    async def send() -> None:
        await _push_page(ctx, job, items, counts)

    return send


Page = tuple[uuid.UUID, list["_Item"], Counter[str]]


def _page_loader(
    job: Job, after: uuid.UUID | None, rules: exclusions.Exclusions
) -> Callable[[AsyncSession], Awaitable[Page | None]]:
    async def load(session: AsyncSession) -> Page | None:
        ids = await contacts_of_webinar(session, job.webinar_id, after=after, limit=CHUNK)
        if not ids:
            return None
        contacts = {
            c.id: c for c in await session.scalars(select(Contact).where(Contact.id.in_(ids)))
        }
        known = {
            h.contact_id: h
            for h in await session.scalars(
                select(HubSpotContact).where(
                    HubSpotContact.hubspot_connection_id == job.connection_id,
                    HubSpotContact.contact_id.in_(ids),
                )
            )
        }
        items: list[_Item] = []
        skipped: Counter[str] = Counter()
        for contact_id in ids:
            contact = contacts.get(contact_id)
            if contact is None or contact.deleted_at is not None:
                skipped["contacts_deleted_in_zoombridge"] += 1
                continue
            if rules.check(contact.email) is not None:
                skipped["contacts_excluded"] += 1
                continue
            mine = known.get(contact_id)
            if mine is not None and mine.deleted_in_hubspot_at is not None:
                skipped["contacts_deleted_in_hubspot"] += 1
                continue
            current = properties.values(contact)
            sent = dict(mine.sent_properties or {}) if mine is not None else {}
            known_id = mine.hubspot_id if mine is not None else None
            if known_id is not None and not properties.changes(current, sent):
                skipped["contacts_unchanged"] += 1
                continue
            items.append(
                _Item(
                    contact_id,
                    contact.email,
                    contact.first_name,
                    contact.last_name,
                    current,
                    sent,
                    known_id,
                )
            )
        return ids[-1], items, skipped

    return load


async def _push_page(ctx: SyncContext, job: Job, items: list[_Item], counts: Counter[str]) -> None:
    by_email = {item.email: item for item in items}
    emails = list(by_email)
    await keep_lease(ctx, job)
    started = time.monotonic()
    live = await job.client.read_contacts_by_email(emails)
    found: dict[str, str] = {}
    missing: list[str] = []
    for outcome in live.outcomes:
        if outcome.result is not None:
            found[outcome.key] = outcome.result.id
        elif isinstance(outcome.error, ContactNotFound):
            missing.append(outcome.key)
    await _audit(ctx, job, "contacts.batch_read", live, started, len(found), "found")
    raise_if_stopped(live)
    deleted: set[str] = set()
    if missing:
        await keep_lease(ctx, job)
        started = time.monotonic()
        archived = await job.client.read_contacts_by_email(missing, archived=True)
        deleted = {o.key for o in archived.outcomes if o.result is not None}
        await _audit(
            ctx, job, "contacts.batch_read", archived, started, len(deleted), "deleted in HubSpot"
        )
        raise_if_stopped(archived)
        missing = [
            o.key
            for o in archived.outcomes
            if o.result is None and isinstance(o.error, ContactNotFound)
        ]
    inputs: list[ContactInput] = []
    for email in emails:
        item = by_email[email]
        if email in found:
            change = properties.changes(item.current, item.sent)
            if change:
                inputs.append(ContactInput(email, change))
        elif email in missing:
            new = {k: v for k, v in item.current.items() if v != ""}
            if item.first_name:
                new["firstname"] = item.first_name
            if item.last_name:
                new["lastname"] = item.last_name
            inputs.append(ContactInput(email, new))
    upserted: dict[str, tuple[str | None, HubSpotError | None]] = {}
    if inputs:
        await keep_lease(ctx, job)
        started = time.monotonic()
        written = await job.client.upsert_contacts(inputs)
        for o in written.outcomes:
            upserted[o.key] = (o.result.id if o.result is not None else None, o.error)
        await _audit(
            ctx, job, "contacts.batch_upsert", written, started, len(written.succeeded), "written"
        )
        await _record(ctx, job, by_email, found, deleted, inputs, upserted, counts)
        raise_if_stopped(written)
    else:
        await _record(ctx, job, by_email, found, deleted, inputs, upserted, counts)


async def _record(
    ctx: SyncContext,
    job: Job,
    by_email: dict[str, _Item],
    found: dict[str, str],
    deleted: set[str],
    inputs: list[ContactInput],
    upserted: dict[str, tuple[str | None, HubSpotError | None]],
    counts: Counter[str],
) -> None:
    now = ctx.now()
    sent_values = {i.key: dict(i.property_strings()) for i in inputs}

    async def work(session: AsyncSession) -> None:
        ids = [item.contact_id for item in by_email.values()]
        rows = {
            h.contact_id: h
            for h in await session.scalars(
                select(HubSpotContact).where(
                    HubSpotContact.hubspot_connection_id == job.connection_id,
                    HubSpotContact.contact_id.in_(ids),
                )
            )
        }
        for email, item in by_email.items():
            row = rows.get(item.contact_id)
            if row is None:
                row = HubSpotContact(
                    hubspot_connection_id=job.connection_id,
                    contact_id=item.contact_id,
                    email=email,
                    sent_properties={},
                )
                session.add(row)
            row.email = email
            if email in deleted:
                row.deleted_in_hubspot_at = now
                row.hubspot_id = None
                counts["contacts_deleted_in_hubspot"] += 1
                continue
            if email in found:
                row.hubspot_id = found[email]
            answer = upserted.get(email)
            if answer is None:
                if email in found:
                    counts["contacts_unchanged"] += 1
                continue
            hubspot_id, error = answer
            if error is not None:
                row.last_error = error.user_message
                counts["contacts_failed"] += 1
                continue
            counts["contacts_created" if email not in found else "contacts_updated"] += 1
            row.hubspot_id = hubspot_id or row.hubspot_id
            values = sent_values.get(email, {})
            row.sent_properties = {
                **dict(row.sent_properties or {}),
                **{k: v for k, v in values.items() if k in properties.NAMES},
            }
            row.sent_at = now
            row.last_error = None

    await ctx.transaction(work)


async def _audit(
    ctx: SyncContext,
    job: Job,
    operation: str,
    outcome: BatchOutcome[Any],
    started: float,
    good: int,
    what: str,
) -> None:
    failures = [
        o.error
        for o in outcome.outcomes
        if o.error is not None and not isinstance(o.error, ContactNotFound)
    ]
    first = failures[0] if failures else None
    message = f"{len(outcome.outcomes)} contact(s), {good} {what}"
    if failures:
        message += f", {len(failures)} failed: {first.user_message if first else ''}"

    async def work(session: AsyncSession) -> None:
        auditing.record(
            session,
            operation,
            job.subjects,
            message=message,
            items=len(outcome.outcomes),
            started=started,
            outcome=auditing.outcome_of(first),
        )

    await ctx.transaction(work)
