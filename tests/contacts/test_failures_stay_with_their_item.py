"""Within a webinar sync, a chunk whose write fails is written again one item at a time: the
item that still fails is noted under errors with its reason and the others go in (real
database, both backends); a run whose lease was taken by another worker stops."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.connections.factories import make_connection
from tests.sync.conftest import WorkerFactory, World
from zoombridge.contacts.exclusions import Exclusions
from zoombridge.contacts.models import (
    Contact,
    ContactSource,
    ContactSync,
    ContactSyncNote,
    ContactWebinar,
    NoteCategory,
    SourceKind,
    SyncOutcome,
)
from zoombridge.contacts.tasks.run import Chunk, Job, LostLease, Run, write_chunk
from zoombridge.db.base import utc_now


async def _run(world: World, owner: str) -> tuple[Run, uuid.UUID]:
    now = utc_now()
    async with world.maker() as session:
        connection = make_connection(name="Chunks")
        session.add(connection)
        await session.flush()
        webinar = ContactWebinar(
            connection_id=connection.id,
            zoom_webinar_id=81111111111,
            lease_owner=owner,
            lease_expires_at=now + timedelta(minutes=1),
        )
        session.add(webinar)
        await session.flush()
        sync = ContactSync(
            webinar_id=webinar.id, trigger="test", started_at=now, outcome=SyncOutcome.RUNNING
        )
        session.add(sync)
        contact = Contact(email="ada@example.com")
        session.add(contact)
        await session.commit()
    job = Job(
        webinar_id=webinar.id,
        sync_id=sync.id,
        zoom_webinar_id=81111111111,
        connection=connection,
        trigger="test",
        started_at=now,
        topic="",
        start_at=None,
        duration_seconds=3600,
        auto_recording=None,
        host_email=None,
        host_selected=True,
        sync_recordings=True,
        hosts_mode="all",
        sync_webinars=True,
        sync_enabled=True,
        exclusions=Exclusions(),
    )
    return Run(job), contact.id


async def test_the_item_that_cannot_be_written_is_noted_and_the_others_go_in(
    world: World, make_worker: WorkerFactory
) -> None:
    ctx = make_worker().context
    run, ada = await _run(world, ctx.owner)
    nobody = uuid.uuid4()  # no such contact: its source row breaks the foreign key

    async def write(session: AsyncSession, ids: Sequence[uuid.UUID], chunk: Chunk) -> None:
        for contact_id in ids:
            session.add(ContactSource(contact_id=contact_id, kind=SourceKind.WEBINAR_ATTENDEE))
            chunk.counts["written"] += 1
            chunk.note(NoteCategory.EMAILS_EXCLUDED, "secondary_email", str(contact_id))
        await session.flush()

    await write_chunk(ctx, run, [ada, nobody], write, subject=str, doing="writing a source")

    async with world.maker() as session:
        sources = list(await session.scalars(select(ContactSource.contact_id)))
        notes = list(await session.scalars(select(ContactSyncNote)))
    assert sources == [ada]
    by_reason = {(n.category, n.reason, n.subject): n.detail for n in notes}
    assert (NoteCategory.EMAILS_EXCLUDED, "secondary_email", str(ada)) in by_reason
    # The failed chunk left no notes of its own behind; the failing item is noted as an error.
    assert (NoteCategory.EMAILS_EXCLUDED, "secondary_email", str(nobody)) not in by_reason
    detail = by_reason[(NoteCategory.ERRORS, "timeline_not_written", str(nobody))]
    assert "writing a source" in detail
    assert "IntegrityError" in detail
    assert run.counts == {"written": 1, "errors": 1}


async def test_a_run_stops_when_another_worker_holds_the_webinar(
    world: World, make_worker: WorkerFactory
) -> None:
    ctx = make_worker().context
    run, ada = await _run(world, ctx.owner)
    async with world.maker() as session:
        await session.execute(update(ContactWebinar).values(lease_owner="someone-else"))
        await session.commit()

    async def write(session: AsyncSession, ids: Sequence[uuid.UUID], chunk: Chunk) -> None:
        raise AssertionError("nothing may be written without the lease")

    with pytest.raises(LostLease):
        await write_chunk(ctx, run, [ada], write, subject=str, doing="writing")
