"""`/api/v1/organisations|groups|courses|learners`: the structure learners are enrolled by."""

# No `from __future__ import annotations`: the routes made in `_holder_routes` need their
# body types at run time.
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from zoombridge.accounts.deps import requires
from zoombridge.accounts.permissions import Actor, Permission
from zoombridge.courses.models import Course, LearnerGroup, Organisation
from zoombridge.courses.schemas import (
    BatchOut,
    CourseIn,
    CourseOut,
    GroupIn,
    GroupOut,
    LearnerBatch,
    LearnerIn,
    LearnerOut,
    LearnerUpdate,
    MyEventsOut,
    OrganisationIn,
    OrganisationOut,
)
from zoombridge.courses.service import enrolment, listing, my_events, structure
from zoombridge.courses.service.scope import get_visible
from zoombridge.kit.http import SessionDep
from zoombridge.kit.pages import (
    DEFAULT_LIMIT,
    SHORT_LIST_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    ShortLimitQuery,
    page_of,
)

router = APIRouter(prefix="/api/v1", tags=["courses: structure and learners"])

STRUCTURE_READERS = (Permission.ENROL_LEARNERS, Permission.MANAGE_EVENTS, Permission.SEE_RESULTS)
Reader = Annotated[Actor, requires(*STRUCTURE_READERS)]
Writer = Annotated[Actor, requires(Permission.ENROL_LEARNERS)]


def _holder_routes(path: str, model: Any, body: Any, out: Any, what: str) -> None:
    @router.get(
        f"/{path}", summary=f"List {path}", operation_id=f"list_{path}", response_model=Page[out]
    )
    async def list_rows(
        session: SessionDep,
        actor: Reader,
        cursor: CursorQuery = None,
        limit: ShortLimitQuery = SHORT_LIST_LIMIT,
    ) -> Any:
        rows = await structure.list_holders(session, actor, model)
        return page_of(rows, cursor=cursor, limit=limit)

    @router.post(
        f"/{path}",
        status_code=201,
        summary=f"Create a {what}",
        operation_id=f"create_{what}",
        response_model=out,
    )
    async def create(data: body, session: SessionDep, actor: Writer) -> Any:
        row = await structure.save_holder(session, actor, model, data)
        return await structure.holder_out(session, row)

    @router.get(
        f"/{path}/{{row_id}}", summary=f"One {what}", operation_id=f"get_{what}", response_model=out
    )
    async def get(row_id: uuid.UUID, session: SessionDep, actor: Reader) -> Any:
        row = await get_visible(session, actor, model, row_id, what)
        return await structure.holder_out(session, row)

    @router.put(
        f"/{path}/{{row_id}}",
        summary=f"Change a {what}",
        operation_id=f"update_{what}",
        response_model=out,
    )
    async def put(row_id: uuid.UUID, data: body, session: SessionDep, actor: Writer) -> Any:
        row = await structure.save_holder(session, actor, model, data, row_id)
        return await structure.holder_out(session, row)

    @router.delete(
        f"/{path}/{{row_id}}",
        status_code=204,
        summary=f"Delete a {what}",
        operation_id=f"delete_{what}",
    )
    async def delete(row_id: uuid.UUID, session: SessionDep, actor: Writer) -> Response:
        await structure.delete_holder(session, actor, model, row_id)
        return Response(status_code=204)


_holder_routes("organisations", Organisation, OrganisationIn, OrganisationOut, "organisation")
_holder_routes("groups", LearnerGroup, GroupIn, GroupOut, "group")
_holder_routes("courses", Course, CourseIn, CourseOut, "course")


@router.get("/learners")
async def list_learners(
    session: SessionDep,
    actor: Reader,
    organisation_id: uuid.UUID | None = None,
    group_id: uuid.UUID | None = None,
    course_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=100, description="name or email")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[LearnerOut]:
    """Learners by last name, first name and email."""
    filters = listing.LearnerFilters(organisation_id, group_id, course_id, q)
    return await listing.list_learners(session, actor, filters, cursor=cursor, limit=limit)


@router.post("/learners", status_code=201)
async def create_learner(data: LearnerIn, session: SessionDep, actor: Writer) -> LearnerOut:
    return await structure.learner_out(
        session, await structure.create_learner(session, actor, data)
    )


@router.post("/learners/batch", summary="Add or update many learners (by email) at once")
async def import_learners(data: LearnerBatch, session: SessionDep, actor: Writer) -> BatchOut:
    return await structure.import_learners(session, actor, data)


@router.get("/learners/{learner_id}")
async def get_learner(learner_id: uuid.UUID, session: SessionDep, actor: Reader) -> LearnerOut:
    return await structure.learner_out(
        session, await structure.get_learner(session, actor, learner_id)
    )


@router.patch("/learners/{learner_id}")
async def update_learner(
    learner_id: uuid.UUID, data: LearnerUpdate, session: SessionDep, actor: Writer
) -> LearnerOut:
    learner, previous = await structure.update_learner(session, actor, learner_id, data)
    if previous is not None:  # registered under the new email, the old one cancelled
        for event_id in await enrolment.learner_events(session, learner.id):
            await enrolment.refresh_registrations(
                session, event_id, emails={previous, learner.email}
            )
    return await structure.learner_out(session, learner)


@router.delete("/learners/{learner_id}", status_code=204)
async def delete_learner(learner_id: uuid.UUID, session: SessionDep, actor: Writer) -> Response:
    events = await enrolment.learner_events(session, learner_id)
    email = await structure.delete_learner(session, actor, learner_id)
    for event_id in events:  # their registrations are cancelled on Zoom
        await enrolment.refresh_registrations(session, event_id, emails={email})
    return Response(status_code=204)


@router.get("/learners/{learner_id}/events", summary="A learner's events, as they see them")
async def learner_events(learner_id: uuid.UUID, session: SessionDep, actor: Reader) -> MyEventsOut:
    learner = await structure.get_learner(session, actor, learner_id)
    return await my_events.my_events(session, learner)
