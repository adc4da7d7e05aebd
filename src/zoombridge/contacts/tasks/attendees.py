"""A webinar's attendance: each ended instance's participants report, read from Zoom page by
page into `contact_report_rows`, read back a few hundred people at a time (in person order),
merged per person by `attendance.merge` into attendance rows, then dropped. Memory holds a page,
not a webinar.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.attendance.merge import Segment, merge
from zoombridge.attendance.store import person_key
from zoombridge.contacts import emails
from zoombridge.contacts.exclusions import Reason
from zoombridge.contacts.models import (
    ContactAttendance,
    ContactRegistration,
    ContactReportRow,
    NoteCategory,
    SourceKind,
)
from zoombridge.contacts.service.resolve import Person, resolve
from zoombridge.contacts.service.store import insert_ignoring, upsert
from zoombridge.contacts.tasks.run import (
    Chunk,
    Job,
    Run,
    audit_listing,
    hold,
    note_excluded,
    note_secondary,
    write_chunk,
)
from zoombridge.engine.context import SyncContext
from zoombridge.kit.text import one_line
from zoombridge.zoom import NotFound, ZoomClient, ZoomError
from zoombridge.zoom.models import Participant, PastInstance

PAGE = 300  # Zoom's largest page: one page of report rows per transaction
PEOPLE = 500  # people merged and written per transaction


@dataclass
class _Person:
    key: str
    email: str = ""
    name: str = ""
    segments: list[Segment] = field(default_factory=list)


def _split(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first, last.strip()


async def sync_attendance(
    ctx: SyncContext, run: Run, zoom: ZoomClient
) -> list[tuple[PastInstance, int]]:
    """Each ended instance's report, merged per person; (instance, people) for each."""
    job = run.job
    started = time.monotonic()
    try:
        instances = await zoom.list_past_instances("webinar", job.zoom_webinar_id)
    except ZoomError as exc:
        await audit_listing(
            ctx, job, "contacts:instances", 0, started, exc, "Past instances not read."
        )
        raise
    await audit_listing(
        ctx,
        job,
        "contacts:instances",
        len(instances),
        started,
        None,
        f"{len(instances)} ended instance(s).",
    )
    done = []
    for instance in instances:
        people = await _instance(ctx, run, zoom, instance)
        done.append((instance, people))
    return done


async def _instance(ctx: SyncContext, run: Run, zoom: ZoomClient, instance: PastInstance) -> int:
    job = run.job
    uuid_ = instance.uuid[:64]
    started = time.monotonic()
    rows = 0
    page: list[Participant] = []
    error: ZoomError | None = None
    try:
        async for participant in zoom.list_report_participants("webinar", instance.uuid):
            rows += 1
            page.append(participant)
            if len(page) >= PAGE:
                await _stage(ctx, job, uuid_, page)
                page = []
        if page:
            await _stage(ctx, job, uuid_, page)
    except NotFound as exc:
        error = exc
    except ZoomError as exc:
        await audit_listing(ctx, job, "contacts:report", rows, started, exc, "Report not read.")
        raise
    await audit_listing(
        ctx,
        job,
        "contacts:report",
        rows,
        started,
        error,
        f"{rows} report row(s) of instance {uuid_}.",
    )
    when = f"{instance.start_time:%Y-%m-%d %H:%M} UTC" if instance.start_time else uuid_
    if error is not None:
        chunk = run.chunk()
        chunk.note(
            NoteCategory.DATA_NOT_SYNCED,
            "unavailable_in_zoom",
            when,
            f"Zoom has no participants report of this instance: {error.user_message}",
        )
        await ctx.transaction(chunk.write)
        return 0
    if rows == 0:
        chunk = run.chunk()
        chunk.note(
            NoteCategory.ATTENDEES_NOT_SYNCED,
            "no_participant_data",
            when,
            "Zoom's report of this instance lists nobody.",
        )
        await ctx.transaction(chunk.write)
        return 0
    return await _merge_instance(ctx, run, instance)


async def _stage(ctx: SyncContext, job: Job, instance_uuid: str, page: list[Participant]) -> None:
    async def work(session: AsyncSession) -> None:
        await hold(ctx, session, job)
        missing = [p.registrant_id for p in page if p.registrant_id and not p.user_email]
        known: dict[str, str] = {}
        if missing:
            found = await session.execute(
                select(ContactRegistration.registrant_id, ContactRegistration.email).where(
                    ContactRegistration.webinar_id == job.webinar_id,
                    ContactRegistration.registrant_id.in_(missing),
                )
            )
            known = {rid: email for rid, email in found if rid}
        rows = []
        for p in page:
            email = emails.normalize(p.user_email) or known.get(p.registrant_id or "", "")
            name = one_line(p.name or "")[:255]
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "webinar_id": job.webinar_id,
                    "instance_uuid": instance_uuid,
                    "person_key": person_key(email, p.participant_user_id or p.id, name),
                    "email": email[:255],
                    "name": name,
                    "registrant_id": (p.registrant_id or "")[:64],
                    "join_at": p.join_time,
                    "leave_at": p.leave_time,
                    "connection": (p.user_id or "")[:64],
                }
            )
        await insert_ignoring(
            session,
            ContactReportRow,
            rows,
            ["webinar_id", "instance_uuid", "person_key", "join_at", "leave_at", "connection"],
        )

    await ctx.transaction(work)


async def _merge_instance(ctx: SyncContext, run: Run, instance: PastInstance) -> int:
    job = run.job
    uuid_ = instance.uuid[:64]
    mine = (ContactReportRow.webinar_id == job.webinar_id, ContactReportRow.instance_uuid == uuid_)

    async def span(session: AsyncSession) -> tuple[object, object]:
        first, last = (
            await session.execute(
                select(
                    func.min(ContactReportRow.join_at), func.max(ContactReportRow.leave_at)
                ).where(*mine)
            )
        ).one()
        return first, last

    first_at, last_at = await ctx.transaction(span)
    start = instance.start_time or first_at
    people_count = 0
    after = ""
    while True:

        async def read(session: AsyncSession, after: str = after) -> list[_Person]:
            keys = list(
                await session.scalars(
                    select(ContactReportRow.person_key)
                    .where(*mine, ContactReportRow.person_key > after)
                    .group_by(ContactReportRow.person_key)
                    .order_by(ContactReportRow.person_key)
                    .limit(PEOPLE)
                )
            )
            if not keys:
                return []
            people: dict[str, _Person] = {k: _Person(k) for k in keys}
            rows = await session.execute(
                select(
                    ContactReportRow.person_key,
                    ContactReportRow.email,
                    ContactReportRow.name,
                    ContactReportRow.join_at,
                    ContactReportRow.leave_at,
                ).where(*mine, ContactReportRow.person_key.in_(keys))
            )
            for key, email, name, join_at, leave_at in rows:
                person = people[key]
                person.email = person.email or email
                person.name = person.name or name
                person.segments.append(Segment(join_at, leave_at))
            return [people[k] for k in keys]

        people = await ctx.transaction(read)
        if not people:
            break
        await write_chunk(
            ctx,
            run,
            people,
            lambda session, batch, chunk: _write_attendance(
                ctx, job, instance, start, last_at, session, batch, chunk
            ),
            subject=lambda p: p.email or p.name,
            doing="writing an attendance",
        )
        people_count += len(people)
        after = people[-1].key

    async def drop(session: AsyncSession) -> None:
        await session.execute(delete(ContactReportRow).where(*mine))

    await ctx.transaction(drop)
    return people_count


async def _write_attendance(
    ctx: SyncContext,
    job: Job,
    instance: PastInstance,
    start: object,
    until: object,
    session: AsyncSession,
    people: Sequence[_Person],
    chunk: Chunk,
) -> None:
    now = ctx.now()
    with_email = [Person(p.email, *_split(p.name)) for p in people if p.email]
    resolved = await resolve(session, with_email, job.exclusions, SourceKind.WEBINAR_ATTENDEE, now)
    rows = []
    for person in people:
        figures = merge(person.segments, meeting_start=start, until=until)  # type: ignore[arg-type]
        percent = figures.percent_of(job.duration_seconds)
        minutes = round(figures.attended_seconds / 60, 1)
        contact_id = None
        not_synced: str | None = None
        if not person.email:
            not_synced = Reason.NO_EMAIL
            chunk.note(
                NoteCategory.ATTENDEES_NOT_SYNCED,
                Reason.NO_EMAIL,
                person.name or person.key,
                f"attended {minutes} min ({percent} %); Zoom gave no email: link it to a "
                "contact by hand on the webinar's page",
            )
        else:
            found = resolved[person.email]
            contact_id = found.contact_id
            if found.contact_id is None:
                assert found.excluded is not None
                not_synced = found.excluded.reason
                note_excluded(chunk, person.email, found.excluded, "attendance")
            elif found.via_secondary:
                note_secondary(chunk, person.email, found, "attendance")
            chunk.counts["contacts_created"] += int(found.created)
        chunk.counts["attendees"] += 1
        rows.append(
            {
                "id": uuid.uuid4(),
                "webinar_id": job.webinar_id,
                "instance_uuid": instance.uuid[:64],
                "instance_start": instance.start_time,
                "person_key": person.key,
                "contact_id": contact_id,
                "email": person.email,
                "name": person.name,
                "joins": figures.joins,
                "first_join": figures.first_join,
                "last_leave": figures.last_leave,
                "attended_seconds": figures.attended_seconds,
                "percent": percent,
                "not_synced": not_synced,
                "linked_by_hand": False,
                "created_at": now,
                "updated_at": now,
            }
        )
    await upsert(
        session,
        ContactAttendance,
        rows,
        ["webinar_id", "instance_uuid", "person_key"],
        [
            "instance_start",
            "email",
            "name",
            "joins",
            "first_join",
            "last_leave",
            "attended_seconds",
            "percent",
            "updated_at",
        ],
        keep_when="linked_by_hand",
        keep=["contact_id", "not_synced"],
    )
