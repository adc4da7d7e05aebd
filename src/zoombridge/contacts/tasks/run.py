"""One sync of one webinar as the worker runs it: what it knows (`Job`), what it noted (`Run`),
and writes that stay with their item (`write_chunk`).

Notes (the audit's affected emails and names) and counts are collected per chunk and written in
the chunk's own transaction, so a chunk that fails leaves no notes behind; it is then written
again one person at a time, and a person whose write still fails is noted under "errors" with
the reason, while the others go in.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection
from zoombridge.contacts.exclusions import Excluded, Exclusions, Reason
from zoombridge.contacts.models import ContactSyncNote, ContactWebinar, NoteCategory
from zoombridge.contacts.service.resolve import Resolved
from zoombridge.contacts.service.store import insert_ignoring
from zoombridge.engine import audit
from zoombridge.engine.claims import renew
from zoombridge.engine.context import SyncContext
from zoombridge.engine.steps import describe
from zoombridge.kit.text import one_line
from zoombridge.zoom import ZoomError

log = logging.getLogger("zoombridge.contacts.tasks")

T = TypeVar("T")
SUBJECT_MAX = 255


class LostLease(Exception):
    """Another worker holds the webinar now (our lease expired): this run stops quietly."""


@dataclass(frozen=True)
class Job:
    """What a sync needs, read in one short transaction before any Zoom call."""

    webinar_id: uuid.UUID
    sync_id: uuid.UUID
    zoom_webinar_id: int
    connection: ZoomConnection
    trigger: str
    started_at: datetime
    topic: str
    start_at: datetime | None
    duration_seconds: int
    auto_recording: str | None
    host_email: str | None
    host_selected: bool
    sync_recordings: bool
    hosts_mode: str
    sync_webinars: bool
    sync_enabled: bool
    exclusions: Exclusions

    @property
    def subjects(self) -> dict[str, uuid.UUID | None]:
        return {
            "connection": self.connection.id,
            "webinar": self.webinar_id,
            "contact_sync": self.sync_id,
        }


@dataclass
class Chunk:
    """Notes and counts of one chunk, kept only if its transaction commits."""

    sync_id: uuid.UUID
    notes: list[dict[str, object]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def note(self, category: NoteCategory, reason: str, subject: str, detail: str = "") -> None:
        self.notes.append(
            {
                "id": uuid.uuid4(),
                "sync_id": self.sync_id,
                "category": category,
                "reason": reason,
                "subject": one_line(subject)[:SUBJECT_MAX],
                "detail": one_line(detail),
            }
        )

    async def write(self, session: AsyncSession) -> None:
        await insert_ignoring(
            session, ContactSyncNote, self.notes, ["sync_id", "category", "reason", "subject"]
        )
        self.notes = []


@dataclass
class Run:
    job: Job
    counts: Counter[str] = field(default_factory=Counter)
    follow_up: timedelta | None = None
    follow_up_trigger: str = "scheduled"
    auto_recording: str | None = None  # as this sync read it from Zoom

    def __post_init__(self) -> None:
        self.auto_recording = self.auto_recording or self.job.auto_recording

    def chunk(self) -> Chunk:
        return Chunk(self.job.sync_id)

    def keep(self, chunk: Chunk) -> None:
        self.counts.update(chunk.counts)

    def soon(self, delay: timedelta, trigger: str) -> None:
        """Sync again after `delay` (the earliest of the asked follow-ups wins)."""
        if self.follow_up is None or delay < self.follow_up:
            self.follow_up, self.follow_up_trigger = delay, trigger


async def hold(ctx: SyncContext, session: AsyncSession, job: Job) -> None:
    """Renew our lease on the webinar (inside a chunk's transaction), or stop the run."""
    held = await renew(session, ContactWebinar, [job.webinar_id], ctx.owner, ctx.now() + ctx.lease)
    if job.webinar_id not in held:
        raise LostLease


Write = Callable[[AsyncSession, Sequence[T], Chunk], Awaitable[None]]


async def write_chunk(
    ctx: SyncContext,
    run: Run,
    items: Sequence[T],
    write: Write[T],
    *,
    subject: Callable[[T], str],
    doing: str,
    failure: str = "timeline_not_written",
) -> None:
    """`write(session, items, chunk)` in one transaction; if it fails, each item alone; an item
    that still fails is noted under errors (`failure`: "timeline entry not written" …) and
    skipped."""

    async def attempt(batch: Sequence[T]) -> None:
        chunk = run.chunk()

        async def work(session: AsyncSession) -> None:
            await hold(ctx, session, run.job)
            await write(session, batch, chunk)
            await chunk.write(session)

        await ctx.transaction(work)
        run.keep(chunk)

    try:
        await attempt(items)
        return
    except LostLease:
        raise
    except Exception:
        log.exception("%s failed for a chunk of %d; writing them one by one", doing, len(items))
    for item in items:
        try:
            await attempt([item])
        except LostLease:
            raise
        except Exception as exc:
            log.exception("%s failed for %s", doing, subject(item))
            failed = run.chunk()
            failed.note(
                NoteCategory.ERRORS,
                failure,
                subject(item),
                f"Not written while {doing}: {describe(exc)}",
            )

            async def note(session: AsyncSession, chunk: Chunk = failed) -> None:
                await chunk.write(session)

            await ctx.transaction(note)
            run.counts["errors"] += 1


def note_excluded(chunk: Chunk, email: str, excluded: Excluded, what: str) -> None:
    chunk.note(NoteCategory.EMAILS_EXCLUDED, excluded.reason, email, excluded.detail)
    if excluded.reason == Reason.INVALID:
        chunk.note(
            NoteCategory.DATA_NOT_SYNCED,
            "invalid_email",
            email,
            f"{what} not kept: no contact is made for an invalid email ({excluded.detail})",
        )


def note_secondary(chunk: Chunk, email: str, resolved: Resolved, what: str) -> None:
    chunk.note(
        NoteCategory.EMAILS_EXCLUDED,
        Reason.SECONDARY,
        email,
        f"a secondary email of the contact {resolved.via_secondary}: the {what} is credited "
        "to that contact",
    )


async def audit_listing(
    ctx: SyncContext,
    job: Job,
    operation: str,
    items: int,
    started: float,
    error: ZoomError | None,
    message: str,
) -> None:
    duration = int((time.monotonic() - started) * 1000)

    async def work(session: AsyncSession) -> None:
        audit.record(
            session,
            operation,
            job.subjects,
            error=error,
            message=message,
            items=items,
            duration_ms=duration,
        )

    await ctx.transaction(work)
