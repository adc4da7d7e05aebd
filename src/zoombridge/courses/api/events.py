"""`/api/v1/providers` (L2) and `/api/v1/course-events` with enrolment (E10, L3)."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Response

from zoombridge.accounts.deps import requires
from zoombridge.accounts.permissions import CONNECTION_READERS, EVENT_READERS, Actor, Permission
from zoombridge.courses.schemas import (
    CourseEventIn,
    CourseEventOut,
    CourseEventSummary,
    CourseEventUpdate,
    EnrolIn,
    EnrolmentOut,
    EnrolOut,
    LockIn,
    ProviderIn,
    ProviderOut,
    ProviderUpdate,
)
from zoombridge.courses.service import course_events, enrolment, providers
from zoombridge.kit.http import SessionDep
from zoombridge.kit.pages import SHORT_LIST_LIMIT, CursorQuery, Page, ShortLimitQuery, page_of

router = APIRouter(prefix="/api/v1")

MANAGE_PROVIDERS = [requires(Permission.MANAGE_CONNECTIONS)]
EventReader = Annotated[Actor, requires(*EVENT_READERS)]
EventWriter = Annotated[Actor, requires(Permission.MANAGE_EVENTS)]
Enroller = Annotated[Actor, requires(Permission.ENROL_LEARNERS)]


# --- providers -------------------------------------------------------------------------------


@router.get("/providers", tags=["courses: providers"], dependencies=[requires(*CONNECTION_READERS)])
async def list_providers(
    session: SessionDep,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[ProviderOut]:
    page = page_of(await providers.list_providers(session), cursor=cursor, limit=limit)
    return Page(
        items=[await providers.provider_out(session, p) for p in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.post(
    "/providers", status_code=201, tags=["courses: providers"], dependencies=MANAGE_PROVIDERS
)
async def create_provider(data: ProviderIn, session: SessionDep) -> ProviderOut:
    """The host is checked against the connection's Zoom users: `warnings` says when it is not
    one of them (and how to fix it)."""
    return await providers.provider_out(session, await providers.create_provider(session, data))


@router.get(
    "/providers/{provider_id}",
    tags=["courses: providers"],
    dependencies=[requires(*CONNECTION_READERS)],
)
async def get_provider(provider_id: uuid.UUID, session: SessionDep) -> ProviderOut:
    return await providers.provider_out(session, await providers.get_provider(session, provider_id))


@router.patch(
    "/providers/{provider_id}", tags=["courses: providers"], dependencies=MANAGE_PROVIDERS
)
async def update_provider(
    provider_id: uuid.UUID, data: ProviderUpdate, session: SessionDep
) -> ProviderOut:
    provider = await providers.update_provider(session, provider_id, data)
    return await providers.provider_out(session, provider)


@router.delete(
    "/providers/{provider_id}",
    status_code=204,
    tags=["courses: providers"],
    dependencies=MANAGE_PROVIDERS,
)
async def delete_provider(provider_id: uuid.UUID, session: SessionDep) -> Response:
    await providers.delete_provider(session, provider_id)
    return Response(status_code=204)


# --- course events ---------------------------------------------------------------------------

TAG: list[str | Enum] = ["courses: course events"]


@router.get("/course-events", tags=TAG)
async def list_course_events(
    session: SessionDep,
    actor: EventReader,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[CourseEventSummary]:
    rows = await course_events.list_course_events(session, actor)
    return page_of(rows, cursor=cursor, limit=limit)


@router.post("/course-events", status_code=201, tags=TAG)
async def create_course_event(
    data: CourseEventIn, session: SessionDep, actor: EventWriter
) -> CourseEventOut:
    """Each session gets its own Zoom meeting (or webinar), created by the worker."""
    row = await course_events.create_course_event(session, actor, data)
    return await course_events.course_event_out(session, row)


@router.get("/course-events/{event_id}", tags=TAG)
async def get_course_event(
    event_id: uuid.UUID, session: SessionDep, actor: EventReader
) -> CourseEventOut:
    row, _ = await course_events.get_course_event(session, actor, event_id)
    return await course_events.course_event_out(session, row)


@router.patch("/course-events/{event_id}", tags=TAG)
async def update_course_event(
    event_id: uuid.UUID, data: CourseEventUpdate, session: SessionDep, actor: EventWriter
) -> CourseEventOut:
    row = await course_events.update_course_event(session, actor, event_id, data)
    return await course_events.course_event_out(session, row)


@router.delete("/course-events/{event_id}", tags=TAG)
async def cancel_course_event(
    event_id: uuid.UUID, session: SessionDep, actor: EventWriter
) -> CourseEventOut:
    await course_events.cancel_course_event(session, actor, event_id)
    row, _ = await course_events.get_course_event(session, actor, event_id)
    return await course_events.course_event_out(session, row)


@router.get("/course-events/{event_id}/enrolments", tags=TAG)
async def list_enrolments(
    event_id: uuid.UUID,
    session: SessionDep,
    actor: EventReader,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[EnrolmentOut]:
    return page_of(
        await enrolment.list_enrolments(session, actor, event_id),
        cursor=cursor,
        limit=limit,
        filters={"event": event_id},
        key=lambda e: str(e.learner_id),
    )


@router.post("/course-events/{event_id}/enrolments", tags=TAG)
async def enrol(
    event_id: uuid.UUID, data: EnrolIn, session: SessionDep, actor: Enroller
) -> EnrolOut:
    """Enrol people, organisations, groups and courses at once (duplicates removed); each
    learner is registered on every session's meeting by the worker."""
    return await enrolment.enrol(session, actor, event_id, data)


@router.delete("/course-events/{event_id}/enrolments/{learner_id}", status_code=204, tags=TAG)
async def unenrol(
    event_id: uuid.UUID, learner_id: uuid.UUID, session: SessionDep, actor: Enroller
) -> Response:
    await enrolment.unenrol(session, actor, event_id, learner_id)
    return Response(status_code=204)


@router.put("/course-events/{event_id}/lock", tags=TAG)
async def lock(
    event_id: uuid.UUID, data: LockIn, session: SessionDep, actor: Enroller
) -> CourseEventOut:
    """Lock (or unlock) the participant list: nobody is enrolled or removed while locked."""
    await enrolment.set_locked(session, actor, event_id, data.locked)
    row, _ = await course_events.get_course_event(session, actor, event_id)
    return await course_events.course_event_out(session, row)
