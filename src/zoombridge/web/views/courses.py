"""Course events: the list, the "new course event" form (sessions one per line), the course
event's page (sessions and their Zoom meetings, enrolment by group, organisation, course or
email, the locked list) and its results (the matrix, the chart, unmatched participants,
overrides, the rule and the CSV exports)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from zoombridge.accounts.permissions import EVENT_READERS, RESULT_READERS, Permission
from zoombridge.accounts.service.people import list_departments
from zoombridge.courses.models import Course, Learner, LearnerGroup, Organisation
from zoombridge.courses.schemas import CourseEventIn, EnrolIn
from zoombridge.courses.service import course_events, enrolment, providers, structure
from zoombridge.courses.service.scope import within
from zoombridge.db.base import utc_now
from zoombridge.errors import DomainError, FieldProblem
from zoombridge.kit.http import SessionDep
from zoombridge.results.chart import attendance_svg
from zoombridge.results.schemas import AssignIn, OverrideIn, RuleIn
from zoombridge.results.service import changes, exports, matrix
from zoombridge.web.auth_session import Allowed, Csrf, CurrentActor, flash
from zoombridge.web.views.common import parse_id, redirect, render, ui_router
from zoombridge.web.views.forms import pydantic_problems

router = ui_router()


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    for key in ("group_ids", "organisation_ids", "course_ids", "reminder_offsets"):
        values[key] = [v for v in form.getlist(key) if isinstance(v, str) and v]
    return values


def _say(request: Request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        problems = pydantic_problems(exc)
    elif isinstance(exc, DomainError):
        problems = exc.field_errors or [FieldProblem("form", exc.detail)]
    else:
        problems = [FieldProblem("form", str(exc))]
    flash(request, "Not saved: " + "; ".join(f"{p.field}: {p.message}" for p in problems), "error")


def _sessions(text: str, timezone: str) -> list[dict[str, Any]]:
    """One session a line: `YYYY-MM-DD HH:MM; minutes; label` in the event's time zone."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{timezone!r} is not an IANA time zone") from None
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        try:
            start = datetime.fromisoformat(parts[0].replace(" ", "T")).replace(tzinfo=zone)
            minutes = int(parts[1]) if len(parts) > 1 and parts[1] else 60
        except ValueError:
            raise ValueError(
                f"session line {number}: write `YYYY-MM-DD HH:MM; minutes; label`"
            ) from None
        found.append({"start": start, "duration_minutes": minutes, "label": ";".join(parts[2:])})
    return found


@router.get("/courses", response_class=HTMLResponse, dependencies=[Allowed(*EVENT_READERS)])
async def list_page(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return render(
        request, "courses.html", events=await course_events.list_course_events(session, actor)
    )


@router.get(
    "/courses/new", response_class=HTMLResponse, dependencies=[Allowed(Permission.MANAGE_EVENTS)]
)
async def new_page(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    courses = await structure.list_holders(session, actor, Course)
    return render(
        request,
        "course_form.html",
        providers=await providers.list_providers(session),
        courses=courses,
        departments=await list_departments(session, actor),
    )


@router.post("/courses", dependencies=[Allowed(Permission.MANAGE_EVENTS), Csrf])
async def create(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    form = await _form(request)
    try:
        timezone = form.get("timezone") or "UTC"
        data = CourseEventIn(
            provider_id=form.get("provider_id") or uuid.UUID(int=0),
            topic=form.get("topic", ""),
            timezone=timezone,
            kind=form.get("kind") or None,
            capacity=int(form["capacity"]) if form.get("capacity") else None,
            trainer_name=form.get("trainer_name", ""),
            department_id=form.get("department_id") or None,
            course_id=form.get("course_id") or None,
            reminder_offsets=form["reminder_offsets"],
            sessions=_sessions(form.get("sessions", ""), timezone),
        )
        row = await course_events.create_course_event(session, actor, data)
    except (ValidationError, DomainError, ValueError) as exc:
        await session.rollback()
        _say(request, exc)
        return redirect("/courses/new")
    flash(request, "Course event saved; its Zoom meetings are being created.")
    return redirect(f"/courses/{row.event_id}")


@router.get(
    "/courses/{event_id}", response_class=HTMLResponse, dependencies=[Allowed(*EVENT_READERS)]
)
async def detail_page(
    request: Request, session: SessionDep, actor: CurrentActor, event_id: str
) -> Response:
    eid = parse_id(event_id, "course event")
    row, _ = await course_events.get_course_event(session, actor, eid)
    view = await course_events.course_event_out(session, row)
    enrolled = await enrolment.list_enrolments(session, actor, eid)
    pending = any(s.link_state in (None, "pending") for s in view.sessions) or any(
        r.state == "pending" for e in enrolled for r in e.registrations
    )
    return render(
        request,
        "course.html",
        event=view,
        enrolled=enrolled,
        groups=await structure.list_holders(session, actor, LearnerGroup),
        organisations=await structure.list_holders(session, actor, Organisation),
        courses=await structure.list_holders(session, actor, Course),
        refresh=pending and request.query_params.get("wait") == "1",
    )


@router.post("/courses/{event_id}/enrol", dependencies=[Allowed(Permission.ENROL_LEARNERS), Csrf])
async def enrol(
    request: Request, session: SessionDep, actor: CurrentActor, event_id: str
) -> Response:
    eid = parse_id(event_id, "course event")
    form = await _form(request)
    emails = [e.strip().lower() for e in form.get("emails", "").replace(",", "\n").splitlines()]
    emails = [e for e in emails if e]
    try:
        ids = []
        if emails:
            found = {
                learner.email: learner.id
                for learner in await session.scalars(
                    select(Learner).where(
                        Learner.email.in_(emails), within(actor, Learner.department_id)
                    )
                )
            }
            missing = [e for e in emails if e not in found]
            if missing:
                raise DomainError(f"No learner has the email(s) {', '.join(missing)}.")
            ids = list(found.values())
        data = EnrolIn(
            learner_ids=ids,
            group_ids=form["group_ids"],
            organisation_ids=form["organisation_ids"],
            course_ids=form["course_ids"],
        )
        result = await enrolment.enrol(session, actor, eid, data)
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        _say(request, exc)
        return redirect(f"/courses/{eid}")
    flash(request, f"{result.added} learner(s) enrolled ({result.already} already were).")
    return redirect(f"/courses/{eid}?wait=1")


@router.post("/courses/{event_id}/lock", dependencies=[Allowed(Permission.ENROL_LEARNERS), Csrf])
async def lock(
    request: Request, session: SessionDep, actor: CurrentActor, event_id: str
) -> Response:
    eid = parse_id(event_id, "course event")
    form = await _form(request)
    await enrolment.set_locked(session, actor, eid, form.get("locked") == "1")
    return redirect(f"/courses/{eid}")


@router.get(
    "/courses/{event_id}/results",
    response_class=HTMLResponse,
    dependencies=[Allowed(*RESULT_READERS)],
)
async def results_page(
    request: Request, session: SessionDep, actor: CurrentActor, event_id: str
) -> Response:
    eid = parse_id(event_id, "course event")
    results = await matrix.results_view(session, actor, eid)
    return render(
        request,
        "results.html",
        results=results,
        chart=attendance_svg(results.sessions),
        columns={c.id: c for c in results.sessions},
    )


@router.post(
    "/courses/{event_id}/results/assign", dependencies=[Allowed(Permission.SEE_RESULTS), Csrf]
)
async def assign(
    request: Request, session: SessionDep, actor: CurrentActor, event_id: str
) -> Response:
    eid = parse_id(event_id, "course event")
    form = await _form(request)
    try:
        data = AssignIn(
            person_key=form.get("person_key", ""), learner_id=form.get("learner_id", "")
        )
        await changes.assign(session, actor, eid, data, form.get("name", ""))
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        _say(request, exc)
        return redirect(f"/courses/{eid}/results")
    flash(request, "Assigned; remembered for the later sessions of this course event.")
    return redirect(f"/courses/{eid}/results")


@router.post(
    "/courses/{event_id}/results/override", dependencies=[Allowed(Permission.SEE_RESULTS), Csrf]
)
async def override(
    request: Request, session: SessionDep, actor: CurrentActor, event_id: str
) -> Response:
    eid = parse_id(event_id, "course event")
    form = await _form(request)
    try:
        data = OverrideIn(
            learner_id=form.get("learner_id", ""),
            session_id=form.get("session_id") or None,
            status=form.get("status") or None,
            reason=form.get("reason", ""),
        )
        await changes.override(session, actor, eid, data)
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        _say(request, exc)
        return redirect(f"/courses/{eid}/results")
    flash(request, "Result set by hand (audited).")
    return redirect(f"/courses/{eid}/results")


@router.post(
    "/courses/{event_id}/results/rule", dependencies=[Allowed(Permission.MANAGE_EVENTS), Csrf]
)
async def rule(
    request: Request, session: SessionDep, actor: CurrentActor, event_id: str
) -> Response:
    eid = parse_id(event_id, "course event")
    form = await _form(request)

    def number(name: str) -> int | None:
        return int(form[name]) if form.get(name) else None

    try:
        data = RuleIn(
            min_percent=number("min_percent"),
            min_minutes=number("min_minutes"),
            both=form.get("both") == "1",
            course_rule=form.get("course_rule") or "sessions",
            min_sessions=number("min_sessions"),
            min_total_percent=number("min_total_percent"),
        )
        await changes.put_rule(session, actor, eid, data)
    except (ValidationError, DomainError, ValueError) as exc:
        await session.rollback()
        _say(request, exc)
        return redirect(f"/courses/{eid}/results")
    flash(request, "Completion rule saved.")
    return redirect(f"/courses/{eid}/results")


@router.get("/courses/{event_id}/results.csv", dependencies=[Allowed(*RESULT_READERS)])
async def results_csv(
    request: Request, session: SessionDep, actor: CurrentActor, event_id: str
) -> Response:
    _, event = await course_events.get_course_event(session, actor, parse_id(event_id, "event"))
    layout = request.query_params.get("layout", "long")
    make = {"long": exports.long_csv, "wide": exports.wide_csv, "segments": exports.segments_csv}
    text = await make.get(layout, exports.long_csv)(session, event, utc_now())
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="results-{layout}.csv"'},
    )
