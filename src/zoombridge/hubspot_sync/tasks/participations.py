"""A webinar's registrations, attendance and cancellations as participations in HubSpot.

Planned first: one row per contact and state (register, attend with joinedAt/leftAt, cancel)
from the contacts domain's registrations and attendance; guests without email and excluded
people are not contacts, so they have no row (the webinar's sync audit lists them). Then sent:
100 per call, by email, only for contacts HubSpot confirmed (so a participation never creates a
contact zoombridge has not checked first) and never for a contact deleted in HubSpot. A row
HubSpot confirmed gets `sent_at` in the same commit as the answer: it is never sent again.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts.models import (
    Contact,
    ContactAttendance,
    ContactRegistration,
    RegistrationStatus,
)
from zoombridge.engine.context import SyncContext
from zoombridge.hubspot import Participant, SubscriberState
from zoombridge.hubspot_sync.models import HubSpotContact, HubSpotParticipation, ParticipationState
from zoombridge.hubspot_sync.tasks import auditing
from zoombridge.hubspot_sync.tasks.common import (
    CHUNK,
    Job,
    bounded,
    keep_lease,
    raise_if_stopped,
)

ORDER = (ParticipationState.REGISTER, ParticipationState.ATTEND, ParticipationState.CANCEL)
_REGISTERED = (RegistrationStatus.REGISTERED, RegistrationStatus.CANCELLED)

PLAN_CHUNK = 500

Key = tuple[uuid.UUID, ParticipationState]
Planned = dict[Key, tuple[str, datetime, datetime | None, datetime | None]]


async def plan(ctx: SyncContext, job: Job) -> int:
    """Add the participations not planned yet; how many were added."""

    new_rows: list[dict[str, object]] = []

    async def work(session: AsyncSession) -> None:
        wanted: Planned = {}
        registrations = await session.execute(
            select(
                ContactRegistration.contact_id,
                Contact.email,
                ContactRegistration.status,
                ContactRegistration.registered_at,
                ContactRegistration.cancelled_at,
                ContactRegistration.created_at,
                ContactRegistration.updated_at,
            )
            .join(Contact, Contact.id == ContactRegistration.contact_id)
            .where(
                ContactRegistration.webinar_id == job.webinar_id,
                ContactRegistration.status.in_(_REGISTERED),
                Contact.deleted_at.is_(None),
            )
        )
        for contact_id, email, status, registered, cancelled, created, updated in registrations:
            wanted[(contact_id, ParticipationState.REGISTER)] = (
                email,
                registered or created,
                None,
                None,
            )
            if status is RegistrationStatus.CANCELLED:
                wanted[(contact_id, ParticipationState.CANCEL)] = (
                    email,
                    cancelled or updated,
                    None,
                    None,
                )
        attendance = await session.execute(
            select(
                ContactAttendance.contact_id,
                Contact.email,
                func.min(ContactAttendance.first_join),
                func.max(func.coalesce(ContactAttendance.last_leave, ContactAttendance.first_join)),
            )
            .join(Contact, Contact.id == ContactAttendance.contact_id)
            .where(
                ContactAttendance.webinar_id == job.webinar_id,
                ContactAttendance.attended_seconds > 0,
                Contact.deleted_at.is_(None),
            )
            .group_by(ContactAttendance.contact_id, Contact.email)
        )
        for attendee, email, joined, left in attendance:
            if attendee is not None and joined is not None:
                wanted[(attendee, ParticipationState.ATTEND)] = (email, joined, joined, left)
        existing = {
            (row.contact_id, row.state): row
            for row in await session.scalars(
                select(HubSpotParticipation).where(
                    HubSpotParticipation.hubspot_connection_id == job.connection_id,
                    HubSpotParticipation.webinar_id == job.webinar_id,
                )
            )
        }
        for (contact_id, state), (email, at, joined_at, left_at) in wanted.items():
            row = existing.get((contact_id, state))
            if row is None:
                new_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "hubspot_connection_id": job.connection_id,
                        "webinar_id": job.webinar_id,
                        "contact_id": contact_id,
                        "state": state,
                        "email": email,
                        "occurred_at": at,
                        "joined_at": joined_at,
                        "left_at": left_at,
                        "attempts": 0,
                    }
                )
            elif row.sent_at is None:  # not sent yet: send what is known now
                row.email, row.occurred_at = email, at
                row.joined_at, row.left_at = joined_at, left_at

    await ctx.transaction(work)

    # Multi-row inserts in short transactions of their own: on SQLite a long write would hold
    # the lock that the pages being pushed meanwhile need for their commits.
    for start in range(0, len(new_rows), PLAN_CHUNK):
        chunk = new_rows[start : start + PLAN_CHUNK]

        async def add(session: AsyncSession, chunk: list[dict[str, object]] = chunk) -> None:
            await session.execute(insert(HubSpotParticipation), chunk)

        await ctx.transaction(add)
    return len(new_rows)


async def push_participations(
    ctx: SyncContext, job: Job, planned: int | None = None
) -> Counter[str]:
    """Send what is planned (`plan` first unless the caller ran it: `planned` rows added)."""
    counts: Counter[str] = Counter()
    counts["participations_planned"] = planned if planned is not None else await plan(ctx, job)
    # Registrations and attendance side by side; cancellations after them (HubSpot's timeline
    # and counters want the registration first).
    for states in (ORDER[:2], ORDER[2:]):
        jobs = []
        for state in states:
            ready = await ctx.transaction(_unsent(job, state, counts))
            chunks = [ready[start : start + CHUNK] for start in range(0, len(ready), CHUNK)]
            jobs += [_sender(ctx, job, state, chunk, counts) for chunk in chunks]
        await bounded(jobs)
    return counts


def _sender(
    ctx: SyncContext,
    job: Job,
    state: ParticipationState,
    chunk: list[_Ready],
    counts: Counter[str],
) -> Callable[[], Awaitable[None]]:
    async def send() -> None:
        await _send(ctx, job, state, chunk, counts)

    return send


@dataclass(frozen=True)
class _Ready:
    id: uuid.UUID
    email: str
    occurred_at: datetime
    joined_at: datetime | None
    left_at: datetime | None


def _unsent(
    job: Job, state: ParticipationState, counts: Counter[str]
) -> Callable[[AsyncSession], Awaitable[list[_Ready]]]:
    async def load(session: AsyncSession) -> list[_Ready]:
        rows = await session.execute(
            select(
                HubSpotParticipation.id,
                HubSpotParticipation.email,
                HubSpotParticipation.occurred_at,
                HubSpotParticipation.joined_at,
                HubSpotParticipation.left_at,
                HubSpotContact.hubspot_id,
                HubSpotContact.deleted_in_hubspot_at,
            )
            .outerjoin(
                HubSpotContact,
                (HubSpotContact.contact_id == HubSpotParticipation.contact_id)
                & (
                    HubSpotContact.hubspot_connection_id
                    == HubSpotParticipation.hubspot_connection_id
                ),
            )
            .where(
                HubSpotParticipation.hubspot_connection_id == job.connection_id,
                HubSpotParticipation.webinar_id == job.webinar_id,
                HubSpotParticipation.state == state,
                HubSpotParticipation.sent_at.is_(None),
                HubSpotParticipation.not_sent.is_(None),
            )
            .order_by(HubSpotParticipation.id)
        )
        ready: list[_Ready] = []
        deleted_ids: list[uuid.UUID] = []
        for row_id, email, at, joined, left, hubspot_id, deleted in rows:
            if deleted is not None:
                deleted_ids.append(row_id)
            elif hubspot_id is None:
                # Its contact is not confirmed by HubSpot (its write failed): waits for the next
                # push, so that the participation cannot create a contact unchecked.
                counts["participations_waiting_for_contact"] += 1
            else:
                ready.append(_Ready(row_id, email, at, joined, left))
        if deleted_ids:
            counts["participations_not_sent_deleted_in_hubspot"] += len(deleted_ids)
            for start in range(0, len(deleted_ids), 1000):
                await session.execute(
                    update(HubSpotParticipation)
                    .where(HubSpotParticipation.id.in_(deleted_ids[start : start + 1000]))
                    .values(not_sent="deleted in HubSpot")
                    .execution_options(synchronize_session=False)
                )
        return ready

    return load


async def _send(
    ctx: SyncContext,
    job: Job,
    state: ParticipationState,
    batch: list[_Ready],
    counts: Counter[str],
) -> None:
    participants = [
        Participant(row.email, row.occurred_at, joined_at=row.joined_at, left_at=row.left_at)
        for row in batch
    ]
    await keep_lease(ctx, job)
    started = time.monotonic()
    outcome = await job.client.record_participations(
        job.external_event_id, SubscriberState(state.value), participants
    )
    now = ctx.now()
    failures = [o.error for o in outcome.outcomes if o.error is not None]

    async def record(session: AsyncSession) -> None:
        ids = [row.id for row in batch]
        rows = {
            r.id: r
            for r in await session.scalars(
                select(HubSpotParticipation).where(HubSpotParticipation.id.in_(ids))
            )
        }
        for row, item in zip(batch, outcome.outcomes, strict=True):
            found = rows.get(row.id)
            if found is None:
                continue
            if item.error is None:
                found.sent_at = now
                found.last_error = None
                if item.result is not None:
                    found.hubspot_contact_id = item.result.contact_id
                counts[f"participations_{state.value}_sent"] += 1
            else:
                found.attempts += 1
                found.last_error = item.error.user_message
                if not item.error.retryable:
                    found.not_sent = "refused by HubSpot"
                counts["participations_failed"] += 1
        message = (
            f"{len(batch)} {state.value} participation(s), {len(batch) - len(failures)} recorded"
        )
        if failures:
            message += f", {len(failures)} failed: {failures[0].user_message}"
        auditing.record(
            session,
            "participations.record_by_email",
            job.subjects,
            message=message,
            items=len(batch),
            started=started,
            outcome=auditing.outcome_of(failures[0] if failures else None),
        )

    await ctx.transaction(record)
    raise_if_stopped(outcome)
