"""Sign-in, sign-out and the API tokens of the signed-in user (everyone's for a user manager)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from zoombridge.accounts.schemas import ApiTokenIn
from zoombridge.accounts.service import tokens
from zoombridge.accounts.service.throttle import ThrottlePolicy, attempt_sign_in
from zoombridge.kit.http import SessionDep, SettingsDep
from zoombridge.settings import Settings
from zoombridge.web.auth_session import (
    Csrf,
    CurrentActor,
    SignedIn,
    flash,
    sign_in,
    sign_out,
)
from zoombridge.web.views.common import parse_id, redirect, render, ui_router
from zoombridge.web.views.forms import pydantic_problems

router = ui_router()


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an absolute URL here would make sign-in an open redirect (and a
    # backslash or a line break would let a browser read it as one).
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not any(c in target for c in "\\\r\n\t")
    ):
        return target
    return "/events"


def _policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        free_per_account=settings.signin_free_failures_per_account,
        free_per_address=settings.signin_free_failures_per_address,
        max_delay_s=settings.signin_max_delay_seconds,
    )


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
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    # The address as `serve` sees it: the proxy's X-Forwarded-For when the proxy is trusted.
    address = request.client.host if request.client else "unknown"
    outcome = await attempt_sign_in(session, email, password, address, _policy(settings))
    if outcome.retry_after_s is not None:
        minutes, seconds = divmod(outcome.retry_after_s, 60)
        wait = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        response = render(
            request,
            "login.html",
            status_code=429,
            next=_safe_next(next),
            email=email,
            error=f"Too many failed sign-ins. Wait {wait}, then try again.",
        )
        response.headers["Retry-After"] = str(outcome.retry_after_s)
        return response
    if outcome.user is None:
        return render(
            request,
            "login.html",
            status_code=400,
            next=_safe_next(next),
            email=email,
            error="Wrong email or password.",
        )
    sign_in(request, outcome.user)
    return redirect(_safe_next(next))


@router.post("/logout", dependencies=[Csrf])
async def logout(request: Request, session: SessionDep) -> Response:
    await sign_out(request, session)
    return redirect("/login")


async def _tokens_page(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    *,
    new_token: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "tokens.html",
        status_code=status_code,
        tokens=await tokens.list_tokens(session, actor),
        own_user_id=actor.user_id,
        new_token=new_token,
        errors=errors or {},
    )


@router.get("/tokens", response_class=HTMLResponse)
async def tokens_page(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return await _tokens_page(request, session, actor)


@router.post("/tokens", dependencies=[Csrf])
async def create_token(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    name: Annotated[str, Form()] = "",
    expires_in_days: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = ApiTokenIn(
            name=name.strip() or "web UI",
            expires_in_days=int(expires_in_days) if expires_in_days.strip().isdigit() else None,
        )
    except ValidationError as exc:
        errors = {p.field: p.message for p in pydantic_problems(exc)}
        return await _tokens_page(request, session, actor, errors=errors, status_code=422)
    created = await tokens.issue_token(session, actor, data)
    # Rendered straight from the POST (no redirect): the plain token must not travel through
    # the session cookie, and it is shown this once; only its hash is stored.
    return await _tokens_page(request, session, actor, new_token=created.token)


@router.post("/tokens/{token_id}/revoke", dependencies=[Csrf])
async def revoke_token(
    request: Request, session: SessionDep, actor: CurrentActor, token_id: str
) -> Response:
    record = await tokens.revoke_token(session, actor, parse_id(token_id, "API token"))
    flash(request, f"The token {record.prefix}… ({record.name}) is revoked: it no longer works.")
    return redirect("/tokens")
