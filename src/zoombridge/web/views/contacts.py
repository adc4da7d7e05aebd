"""Contacts: the list (search, segment filters, counts, CSV, saved segments) and one contact
(properties, timeline, emails, merge, delete/restore, register to a webinar)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import ValidationError

from zoombridge.accounts.permissions import Permission
from zoombridge.contacts.schemas import (
    ContactCreate,
    ContactOut,
    MergeIn,
    RegisterIn,
    SecondaryEmailIn,
    SegmentIn,
    SegmentQuery,
)
from zoombridge.contacts.service import listing, people, register, segments, timeline
from zoombridge.db.base import utc_now
from zoombridge.errors import DomainError, NotFoundError
from zoombridge.kit.http import SessionDep, sessionmaker_of
from zoombridge.kit.pages import Page
from zoombridge.web.auth_session import Allowed, Csrf, flash
from zoombridge.web.views import lists
from zoombridge.web.views.common import parse_id, redirect, render, ui_router
from zoombridge.web.views.forms import pydantic_problems

router = ui_router()
CONTACTS = [Allowed(Permission.MANAGE_CONTACTS)]
FORM = [Allowed(Permission.MANAGE_CONTACTS), Csrf]
# The filter form's fields, as the list page's query string carries them.
FILTERS = (
    "q",
    "match",
    "registered",
    "attended",
    "min_percent",
    "min_minutes",
    "recording",
    "min_average",
    "min_registrations",
    "source",
    "state",
)


def _webinar(text: str) -> dict[str, Any]:
    text = text.strip()
    return {"webinar_id": int(text)} if text.isdigit() else {"webinar_name": text}


def filters_to_query(form: dict[str, str]) -> SegmentQuery:
    """The list page's filters as segment conditions (ValidationError for bad values)."""
    conditions: list[dict[str, Any]] = []
    if form.get("registered", "").strip():
        conditions.append({"kind": "registered", **_webinar(form["registered"])})
    attended: dict[str, Any] = {}
    if form.get("attended", "").strip():
        attended |= _webinar(form["attended"])
    for name in ("min_percent", "min_minutes"):
        if form.get(name, "").strip():
            attended[name] = form[name].strip()
    if attended:
        conditions.append({"kind": "attended", **attended})
    if form.get("recording"):
        topic = form["recording"].strip()
        conditions.append(
            {"kind": "recording_available", **({"topic": topic} if topic != "any" else {})}
        )
    for name, prop in (
        ("min_average", "avg_attendance_percent"),
        ("min_registrations", "total_registrations"),
    ):
        if form.get(name, "").strip():
            conditions.append(
                {"kind": "property", "property": prop, "op": "gte", "value": form[name].strip()}
            )
    if form.get("source"):
        conditions.append({"kind": "source", "source": form["source"]})
    if form.get("state"):
        conditions.append({"kind": "state", "state": form["state"]})
    return SegmentQuery.model_validate(
        {
            "q": form.get("q", "").strip() or None,
            "match": form.get("match") or "all",
            "conditions": conditions,
        }
    )


def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k in FILTERS and v}


@router.get("/contacts", response_class=HTMLResponse, dependencies=CONTACTS)
async def list_page(request: Request, session: SessionDep) -> Response:
    form = _params(request)
    errors: dict[str, str] = {}
    saved = await segments.list_segments(session)
    chosen = request.query_params.get("segment")
    query = SegmentQuery()
    try:
        if chosen:
            query = segments.query_of(
                await segments.get_segment(session, parse_id(chosen, "segment"))
            )
        else:
            query = filters_to_query(form)
        page, pager = await lists.one_page(
            request,
            lambda cursor, limit: listing.contacts_page(session, query, cursor=cursor, limit=limit),
        )
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        problems = pydantic_problems(exc) if isinstance(exc, ValidationError) else exc.field_errors
        errors = {p.field: p.message for p in problems} or {"form": str(exc)}
        page = Page[ContactOut](items=[], next_cursor=None, total=0)
        pager = lists.pager(request, page, 0)
    counts = {s.id: await segments.count(session, segments.query_of(s)) for s in saved}
    return render(
        request,
        "contacts.html",
        contacts=page.items,
        count=page.total,
        pager=pager,
        form=form,
        errors=errors,
        segments=saved,
        segment_counts=counts,
        chosen=chosen,
        query_string=str(request.url.query),
    )


@router.get("/contacts/export.csv", dependencies=CONTACTS)
async def export(request: Request, session: SessionDep) -> Response:
    chosen = request.query_params.get("segment")
    if chosen:
        query = segments.query_of(await segments.get_segment(session, parse_id(chosen, "segment")))
    else:
        try:
            query = filters_to_query(_params(request))
        except ValidationError:
            flash(request, "Some filters need fixing before an export.", "error")
            return redirect("/contacts")
    await segments.where_clause(session, query)
    return StreamingResponse(
        segments.export_csv(sessionmaker_of(request), query),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="contacts.csv"'},
    )


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _problem_text(exc: ValidationError | DomainError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{p.field}: {p.message}" for p in pydantic_problems(exc))
    return "; ".join(p.message for p in exc.field_errors) or exc.detail


@router.post("/contacts/segments", dependencies=FORM)
async def save_segment(request: Request, session: SessionDep) -> Response:
    form = await _form(request)
    try:
        query = filters_to_query(form)
        data = SegmentIn(name=form.get("name", ""), match=query.match, conditions=query.conditions)
        segment = await segments.create_segment(session, data)
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        flash(request, f"Segment not saved: {_problem_text(exc)}", "error")
        return redirect("/contacts")
    flash(request, f"Segment {segment.name} saved.")
    return redirect(f"/contacts?segment={segment.id}")


@router.post("/contacts/segments/{segment_id}/delete", dependencies=FORM)
async def delete_segment(request: Request, session: SessionDep, segment_id: str) -> Response:
    await segments.delete_segment(session, parse_id(segment_id, "segment"))
    flash(request, "Segment deleted.")
    return redirect("/contacts")


@router.post("/contacts", dependencies=FORM)
async def create(request: Request, session: SessionDep) -> Response:
    form = await _form(request)
    try:
        data = ContactCreate(
            email=form.get("email", ""),
            first_name=form.get("first_name", ""),
            last_name=form.get("last_name", ""),
        )
        contact = await people.create_contact(session, data, utc_now())
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        flash(request, f"Contact not added: {_problem_text(exc)}", "error")
        return redirect("/contacts")
    flash(request, f"Contact {contact.email} added.")
    return redirect(f"/contacts/{contact.id}")


@router.get("/contacts/{contact_id}", response_class=HTMLResponse, dependencies=CONTACTS)
async def detail_page(request: Request, session: SessionDep, contact_id: str) -> Response:
    contact = await people.get_contact(session, parse_id(contact_id, "contact"))
    entries = await timeline.timeline(session, contact, await people.emails_of(session, contact))
    requests = [
        await register.request_view(session, r)
        for r in await register.requests_of(session, contact.id)
    ]
    return render(
        request,
        "contact.html",
        contact=await people.view(session, contact),
        timeline=entries,
        requests=requests,
        refresh=any(r.state.value == "pending" for r in requests),
    )


async def _act(
    request: Request, session: SessionDep, contact_id: str, action: Any, done: str
) -> Response:
    await people.get_contact(session, parse_id(contact_id, "contact"))  # else the 404 page
    try:
        await action()
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        flash(request, _problem_text(exc), "error")
        return redirect(f"/contacts/{contact_id}")
    flash(request, done)
    return redirect(f"/contacts/{contact_id}")


@router.post("/contacts/{contact_id}/emails", dependencies=FORM)
async def add_email(request: Request, session: SessionDep, contact_id: str) -> Response:
    cid = parse_id(contact_id, "contact")
    form = await _form(request)

    async def action() -> None:
        data = SecondaryEmailIn(email=form.get("email", ""))
        await people.add_secondary_email(session, cid, data.email, utc_now())

    return await _act(request, session, contact_id, action, "Secondary email added.")


@router.post("/contacts/{contact_id}/merge", dependencies=FORM)
async def merge(request: Request, session: SessionDep, contact_id: str) -> Response:
    cid = parse_id(contact_id, "contact")
    form = await _form(request)

    async def action() -> None:
        other = await people.owner_of(session, form.get("other_email", "").strip().lower())
        if other is None:
            raise NotFoundError("No contact has this email: nothing merged.")
        await people.merge(session, cid, MergeIn(other_id=other.id).other_id, utc_now())

    return await _act(
        request,
        session,
        contact_id,
        action,
        "Merged: the other contact's emails are now secondary emails here.",
    )


@router.post("/contacts/{contact_id}/delete", dependencies=FORM)
async def delete(request: Request, session: SessionDep, contact_id: str) -> Response:
    cid = parse_id(contact_id, "contact")

    async def action() -> None:
        await people.delete_contact(session, cid, utc_now())

    return await _act(
        request,
        session,
        contact_id,
        action,
        "Contact deleted: later syncs will not make it again (restore undoes it).",
    )


@router.post("/contacts/{contact_id}/restore", dependencies=FORM)
async def restore(request: Request, session: SessionDep, contact_id: str) -> Response:
    cid = parse_id(contact_id, "contact")

    async def action() -> None:
        await people.restore_contact(session, cid)

    return await _act(request, session, contact_id, action, "Contact restored.")


@router.post("/contacts/{contact_id}/register", dependencies=FORM)
async def register_to_webinar(request: Request, session: SessionDep, contact_id: str) -> Response:
    cid = parse_id(contact_id, "contact")
    form = await _form(request)

    async def action() -> None:
        raw = form.get("webinar_id", "").replace(" ", "").replace("-", "")
        data = RegisterIn.model_validate({"webinar_id": raw or None})
        contact = await people.get_contact(session, cid)
        await register.register_contact(
            session, contact, webinar_id=data.webinar_id, webinar_field=None
        )

    return await _act(
        request,
        session,
        contact_id,
        action,
        "Registration requested: the worker registers the contact in Zoom.",
    )
