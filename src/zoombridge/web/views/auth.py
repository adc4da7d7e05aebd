"""Sign-in, sign-out and the signed-in user's API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from zoombridge.accounts.models import ApiToken
from zoombridge.accounts.service import authenticate_user, create_api_token
from zoombridge.web.auth_session import Csrf, CurrentUser, SignedIn, sign_in, sign_out
from zoombridge.web.deps import SessionDep
from zoombridge.web.views.common import redirect, render, ui_router

router = ui_router()


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an absolute URL here would make sign-in an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/events"


@router.get("/", dependencies=[SignedIn])
async def home() -> RedirectResponse:
    return redirect("/events")


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None, email="")


@router.post("/login", dependencies=[Csrf])
async def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    user = await authenticate_user(session, email, password)
    if user is None:
        return render(
            request,
            "login.html",
            status_code=400,
            next=_safe_next(next),
            email=email,
            error="Wrong email or password.",
        )
    sign_in(request, user)
    return redirect(_safe_next(next))


@router.post("/logout", dependencies=[Csrf])
async def logout(request: Request) -> Response:
    sign_out(request)
    return redirect("/login")


@router.get("/tokens", response_class=HTMLResponse)
async def tokens(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    rows = (
        await session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
        )
    ).all()
    return render(request, "tokens.html", tokens=rows, new_token=None)


@router.post("/tokens", dependencies=[Csrf])
async def create_token(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    name: Annotated[str, Form()] = "",
) -> Response:
    plain, _ = await create_api_token(session, name.strip()[:100] or "web UI", user_id=user.id)
    rows = (
        await session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
        )
    ).all()
    # Rendered straight from the POST (no redirect): the plain token must not travel through
    # the session cookie, and it is shown this once; only its hash is stored.
    return render(request, "tokens.html", tokens=rows, new_token=plain)
