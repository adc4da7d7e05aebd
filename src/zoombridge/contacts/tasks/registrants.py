"""A webinar's registrants, read from Zoom page by page (approved, pending, denied) and written
as each page comes: their contacts (made when new), registrations and how they came (a
zoombridge order, the register action, else Zoom's form). A registration Zoom no longer lists
becomes cancelled.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts import emails
from zoombridge.contacts.models import (
    ContactRegisterRequest,
    ContactRegistration,
    RegistrationHow,
    RegistrationStatus,
    SourceKind,
)
from zoombridge.contacts.service.resolve import Person, resolve
from zoombridge.contacts.service.store import upsert
from zoombridge.contacts.tasks.run import (
    Chunk,
    Job,
    Run,
    Write,
    audit_listing,
    hold,
    note_excluded,
    note_secondary,
    write_chunk,
)
from zoombridge.engine.context import SyncContext
from zoombridge.events.models import MeetingLink
from zoombridge.orders.models import Registration
from zoombridge.zoom import ZoomClient, ZoomError
from zoombridge.zoom.models import Registrant

_Listed = tuple[Registrant, str]
PAGE = 300  # Zoom's largest page: one page of registrants per transaction
STATUSES = {
    "approved": RegistrationStatus.REGISTERED,
    "pending": RegistrationStatus.PENDING,
    "denied": RegistrationStatus.DENIED,
}


async def _how(session: AsyncSession, job: Job, wanted: list[str]) -> dict[str, RegistrationHow]:
    """How each email came to be registered, where zoombridge knows (else Zoom's form)."""
    found: dict[str, RegistrationHow] = {}
    orders = await session.scalars(
        select(Registration.email)
        .join(MeetingLink, MeetingLink.id == Registration.link_id)
        .where(MeetingLink.zoom_meeting_id == job.zoom_webinar_id, Registration.email.in_(wanted))
    )
    found.update((email.lower(), RegistrationHow.ORDER) for email in orders)
    workflows = await session.scalars(
        select(ContactRegisterRequest.email).where(
            ContactRegisterRequest.webinar_id == job.webinar_id,
            ContactRegisterRequest.email.in_(wanted),
        )
    )
    found.update((email, RegistrationHow.WORKFLOW) for email in workflows)
    return found


async def sync_registrants(ctx: SyncContext, run: Run, zoom: ZoomClient) -> None:
    job = run.job
    started = time.monotonic()
    listed = 0

    async def write(
        session: AsyncSession, batch: Sequence[tuple[Registrant, str]], chunk: Chunk
    ) -> None:
        now = ctx.now()
        people = [
            Person(emails.normalize(r.email), r.first_name or "", r.last_name or "")
            for r, _ in batch
        ]
        resolved = await resolve(
            session, people, job.exclusions, SourceKind.WEBINAR_REGISTRANT, now
        )
        hows = await _how(session, job, [p.email for p in people])
        rows = []
        for (registrant, status), person in zip(batch, people, strict=True):
            found = resolved[person.email]
            if found.contact_id is None:
                assert found.excluded is not None
                note_excluded(chunk, person.email, found.excluded, "registration")
                continue
            if found.via_secondary:
                note_secondary(chunk, person.email, found, "registration")
            chunk.counts["contacts_created"] += int(found.created)
            chunk.counts["registrations"] += 1
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "webinar_id": job.webinar_id,
                    "contact_id": found.contact_id,
                    "email": person.email,
                    "registrant_id": registrant.id,
                    "status": STATUSES[status],
                    "how": hows.get(person.email, RegistrationHow.ZOOM_FORM),
                    "registered_at": registrant.create_time,
                    "cancelled_at": now if status == "denied" else None,
                    "join_url": registrant.join_url,
                    "seen_sync_id": job.sync_id,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        await upsert(
            session,
            ContactRegistration,
            rows,
            ["webinar_id", "email"],
            [
                "contact_id",
                "registrant_id",
                "status",
                "registered_at",
                "cancelled_at",
                "join_url",
                "seen_sync_id",
                "updated_at",
            ],
        )

    error: ZoomError | None = None
    try:
        for status in STATUSES:
            batch: list[tuple[Registrant, str]] = []
            async for registrant in zoom.list_registrants(
                "webinar",
                job.zoom_webinar_id,
                status=status,  # type: ignore[arg-type]
            ):
                listed += 1
                batch.append((registrant, status))
                if len(batch) >= PAGE:
                    await _write(ctx, run, batch, write)
                    batch = []
            if batch:
                await _write(ctx, run, batch, write)
    except ZoomError as exc:
        error = exc
    await audit_listing(
        ctx, job, "contacts:registrants", listed, started, error, f"{listed} registrant(s) listed."
    )
    if error is not None:
        raise error
    await ctx.transaction(lambda session: _cancel_unlisted(ctx, session, job))


async def _write(ctx: SyncContext, run: Run, batch: list[_Listed], write: Write[_Listed]) -> None:
    await write_chunk(
        ctx,
        run,
        batch,
        write,
        subject=lambda item: emails.normalize(item[0].email),
        doing="writing a registration",
    )


async def _cancel_unlisted(ctx: SyncContext, session: AsyncSession, job: Job) -> None:
    """Registrations Zoom no longer lists (cancelled in Zoom) become cancelled here."""
    await hold(ctx, session, job)
    await session.execute(
        update(ContactRegistration)
        .where(
            ContactRegistration.webinar_id == job.webinar_id,
            ContactRegistration.status.in_(
                (RegistrationStatus.REGISTERED, RegistrationStatus.PENDING)
            ),
            ContactRegistration.updated_at < job.started_at,
            (ContactRegistration.seen_sync_id.is_(None))
            | (ContactRegistration.seen_sync_id != job.sync_id),
        )
        .values(status=RegistrationStatus.CANCELLED, cancelled_at=ctx.now())
        .execution_options(synchronize_session=False)
    )
