"""The learners' own pages: ask for a sign-in link, use it (a button, so a mail scanner that
opens links does not spend it), and "My events". A learner's cookie session holds only their
learner id: staff pages never accept it, and these pages never accept a staff sign-in."""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from zoombridge.courses.models import Learner
from zoombridge.courses.service import access, my_events
from zoombridge.errors import DomainError
from zoombridge.kit.http import SessionDep
from zoombridge.web.auth_session import Csrf, csrf_token, flash
from zoombridge.web.views.common import redirect, render, ui_router

router = ui_router()
SESSION_KEY = "learner_id"


async def _learner(request: Request, session: SessionDep) -> Learner | None:
    raw = request.session.get(SESSION_KEY)
    try:
        learner_id = uuid.UUID(str(raw)) if raw else None
    except ValueError:
        learner_id = None
    return await session.get(Learner, learner_id) if learner_id else None


@router.get("/learn/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request) -> Response:
    return render(request, "learn_sign_in.html", sent=False)


@router.post("/learn/sign-in", dependencies=[Csrf])
async def ask_for_link(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()
    if "@" in email and len(email) <= 255:
        await access.request_sign_in(session, email, str(request.base_url))
    return render(request, "learn_sign_in.html", sent=True)


@router.get("/learn/sign-in/confirm", response_class=HTMLResponse)
async def confirm_page(request: Request) -> Response:
    return render(request, "learn_confirm.html", token=request.query_params.get("token", "")[:200])


@router.post("/learn/sign-in/confirm", dependencies=[Csrf])
async def confirm(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    try:
        learner, _ = await access.exchange(session, str(form.get("token") or ""))
    except DomainError as exc:
        await session.rollback()
        flash(request, exc.detail, "error")
        return redirect("/learn/sign-in")
    request.session.clear()  # nothing of a staff sign-in carries over
    request.session[SESSION_KEY] = str(learner.id)
    csrf_token(request)
    return redirect("/learn")


@router.post("/learn/sign-out", dependencies=[Csrf])
async def sign_out(request: Request) -> Response:
    request.session.clear()
    return redirect("/learn/sign-in")


@router.get("/learn", response_class=HTMLResponse)
async def my_events_page(request: Request, session: SessionDep) -> Response:
    learner = await _learner(request, session)
    if learner is None:
        return redirect("/learn/sign-in")
    return render(
        request, "learn.html", mine=await my_events.my_events(session, learner), learner=learner
    )
