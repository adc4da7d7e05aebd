"""REST API of results (`/api/v1/course-events/{id}/results…`, `/api/v1/settings/lrs`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Response

from zoombridge.accounts.deps import requires
from zoombridge.accounts.permissions import RESULT_READERS, Actor, Permission
from zoombridge.courses.service.course_events import get_course_event
from zoombridge.db.base import utc_now
from zoombridge.errors import NotFoundError
from zoombridge.kit.http import SessionDep
from zoombridge.kit.pages import SHORT_LIST_LIMIT, CursorQuery, Page, ShortLimitQuery, page_of
from zoombridge.results.chart import attendance_svg
from zoombridge.results.schemas import (
    AssignIn,
    LrsIn,
    LrsOut,
    OverrideIn,
    ResultsOut,
    RuleIn,
    RuleOut,
    StatementOut,
)
from zoombridge.results.service import changes, exports, lrs, matrix

router = APIRouter(prefix="/api/v1", tags=["results"])

Reader = Annotated[Actor, requires(*RESULT_READERS)]
Editor = Annotated[Actor, requires(Permission.SEE_RESULTS)]
RuleEditor = Annotated[Actor, requires(Permission.MANAGE_EVENTS)]
SETTINGS = [requires(Permission.MANAGE_SETTINGS)]


@router.get("/course-events/{event_id}/results")
async def results(event_id: uuid.UUID, session: SessionDep, actor: Reader) -> ResultsOut:
    """Learners × sessions (minutes, %, status), totals, completion, unmatched participants."""
    return await matrix.results_view(session, actor, event_id)


@router.get(
    "/course-events/{event_id}/results.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def results_csv(
    event_id: uuid.UUID,
    session: SessionDep,
    actor: Reader,
    layout: Literal["long", "wide", "segments"] = "long",
) -> Response:
    """`long`: a row per learner × session; `wide`: a row per learner; `segments`: every
    join..leave segment. UTF-8, one header row."""
    _, event = await get_course_event(session, actor, event_id)
    make = {"long": exports.long_csv, "wide": exports.wide_csv, "segments": exports.segments_csv}
    text = await make[layout](session, event, utc_now())
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="results-{layout}.csv"'},
    )


@router.get(
    "/course-events/{event_id}/results/chart.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
async def chart(event_id: uuid.UUID, session: SessionDep, actor: Reader) -> Response:
    view = await matrix.results_view(session, actor, event_id)
    return Response(attendance_svg(view.sessions), media_type="image/svg+xml")


@router.get("/course-events/{event_id}/rules")
async def get_rule(event_id: uuid.UUID, session: SessionDep, actor: Reader) -> RuleOut:
    view = await matrix.results_view(session, actor, event_id)
    return RuleOut(event_id=event_id, **view.rule.model_dump())


@router.put("/course-events/{event_id}/rules")
async def put_rule(
    event_id: uuid.UUID, data: RuleIn, session: SessionDep, actor: RuleEditor
) -> RuleOut:
    return await changes.put_rule(session, actor, event_id, data)


@router.post("/course-events/{event_id}/unmatched/assign")
async def assign(
    event_id: uuid.UUID, data: AssignIn, session: SessionDep, actor: Editor
) -> ResultsOut:
    """Give an unmatched participant's attendance to a learner (remembered for later sessions)."""
    current = await matrix.results_view(session, actor, event_id)
    found = next((u for u in current.unmatched if u.person_key == data.person_key), None)
    await changes.assign(session, actor, event_id, data, found.name if found else "")
    return await matrix.results_view(session, actor, event_id)


@router.post("/course-events/{event_id}/overrides")
async def override(
    event_id: uuid.UUID, data: OverrideIn, session: SessionDep, actor: Editor
) -> ResultsOut:
    """Set (or, with status null, remove) a result by hand, with its reason (audited)."""
    await changes.override(session, actor, event_id, data)
    return await matrix.results_view(session, actor, event_id)


@router.get("/course-events/{event_id}/statements")
async def statements(
    event_id: uuid.UUID,
    session: SessionDep,
    actor: Reader,
    cursor: CursorQuery = None,
    limit: ShortLimitQuery = SHORT_LIST_LIMIT,
) -> Page[StatementOut]:
    """The xAPI statements of the course event and how sending them went."""
    await get_course_event(session, actor, event_id)
    return page_of(
        await lrs.statements(session, event_id),
        cursor=cursor,
        limit=limit,
        filters={"event": event_id},
    )


@router.get("/settings/lrs", dependencies=SETTINGS)
async def get_lrs(session: SessionDep) -> LrsOut:
    found = lrs.lrs_out(await lrs.get_lrs(session))
    if found is None:
        raise NotFoundError("No LRS is configured; PUT /api/v1/settings/lrs sets one.")
    return found


@router.put("/settings/lrs", dependencies=SETTINGS)
async def put_lrs(data: LrsIn, session: SessionDep) -> LrsOut:
    """Where xAPI statements go: endpoint, key and secret (write-only, encrypted at rest)."""
    out = lrs.lrs_out(await lrs.put_lrs(session, data))
    assert out is not None
    return out


@router.delete("/settings/lrs", status_code=204, dependencies=SETTINGS)
async def delete_lrs(session: SessionDep) -> Response:
    await lrs.delete_lrs(session)
    return Response(status_code=204)
