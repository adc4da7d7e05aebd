"""Web UI sign-in: a signed cookie session, the signed-in user, and CSRF tokens.

The UI's routes use `UIRoute`, which wraps each of them in Starlette's `SessionMiddleware`.
The API (`/api/v1`, token auth), `/health` and `/webhooks/*` never see the cookie: they are not
UI routes. The cookie's signing secret is derived from the encryption key (settings or the
data dir's key file), so there is no secret in the code and rotating the key signs everyone out.

A signed cookie alone cannot be taken back, so the session also carries the user's session
epoch and the time of signing in, both checked on every request: signing out, a new password
(UI, API or CLI) and removing the user raise or end the epoch, and a sign-in older than
`session_lifetime_hours` is over, whatever the cookie says.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from zoombridge.accounts.models import User
from zoombridge.accounts.permissions import Actor, Permission
from zoombridge.accounts.service import actor_for, end_sessions
from zoombridge.db.encryption import KEY_FILE_NAME, load_key_file
from zoombridge.errors import DomainError, Forbidden, NotFoundError
from zoombridge.events.reach import require_event_in_reach
from zoombridge.kit.http import SessionDep
from zoombridge.orders.reach import EVENT_PATH_PARAMS, event_of_path
from zoombridge.settings import Settings
from zoombridge.web.error_pages import error_page

SESSION_COOKIE = "zoombridge_session"
CSRF_FIELD = "csrf_token"
_SECRET_STATE = "ui_session_secret"  # noqa: S105 - an attribute name, not a secret


def session_secret(settings: Settings) -> str:
    """The cookie-signing secret: an HMAC of the encryption key, never the key itself."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value()
    else:
        key = load_key_file(settings.data_dir / KEY_FILE_NAME)
    return hmac.new(key.encode(), b"zoombridge web session v1", hashlib.sha256).hexdigest()


class SignInRequired(Exception):
    """A UI page was asked for without a signed-in user."""


class CsrfRejected(Exception):
    """A UI form was posted without this session's CSRF token."""


def session_lifetime_s(settings: Settings) -> int:
    return max(1, int(settings.session_lifetime_hours * 3600))


def cookie_is_secure(settings: Settings, scope: Scope) -> bool:
    """The cookie's Secure flag: by the setting, or (auto) when the request came over https.
    Behind a TLS-terminating proxy `serve` takes the scheme from X-Forwarded-Proto when the
    proxy is in `forwarded_allow_ips` (uvicorn's proxy headers)."""
    if settings.cookie_secure == "auto":
        return scope.get("scheme") == "https"
    return settings.cookie_secure == "true"


class UIRoute(APIRoute):
    """A UI route: runs inside SessionMiddleware; unsigned visitors are sent to sign in."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["app"]
        settings: Settings = app.state.settings
        secret: str | None = getattr(app.state, _SECRET_STATE, None)
        if secret is None:
            secret = session_secret(settings)
            setattr(app.state, _SECRET_STATE, secret)
        middleware = SessionMiddleware(
            super().handle,
            secret_key=secret,
            session_cookie=SESSION_COOKIE,
            max_age=session_lifetime_s(settings),
            same_site="lax",
            https_only=cookie_is_secure(settings, scope),
        )
        await middleware(scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            except NotFoundError as exc:
                return error_page(404, exc.detail)
            except Forbidden as exc:
                return error_page(403, exc.detail)
            except DomainError as exc:
                if request.method != "POST":
                    raise
                # An action refused by a service (e.g. nothing to fix, a conflict): say why on
                # the page the form was on. The request's transaction was rolled back.
                flash(request, exc.detail, "error")
                return RedirectResponse(_same_site_referer(request), status_code=303)
            except CsrfRejected:
                return Response(
                    "This form has expired or was not sent from zoombridge. Go back, reload the "
                    "page and try again.",
                    status_code=403,
                    media_type="text/plain",
                )

        return handle


def _same_site_referer(request: Request) -> str:
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"


def csrf_token(request: Request) -> str:
    """This session's CSRF token (created on first use); every form carries it."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a POST whose form lacks this session's CSRF token."""
    form = await request.form()  # cached on the request: Form() parameters still work
    sent = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not (
        isinstance(sent, str)
        and isinstance(expected, str)
        and hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise CsrfRejected


def _signed_in_too_long_ago(request: Request) -> bool:
    signed_in_at = request.session.get("signed_in_at")
    if not isinstance(signed_in_at, int | float):
        return True
    lifetime = session_lifetime_s(request.app.state.settings)
    return not 0 <= time.time() - signed_in_at < lifetime


async def _current_user(request: Request, session: SessionDep) -> User:
    raw = request.session.get("user_id")
    if not isinstance(raw, str):
        raise SignInRequired
    try:
        user_id = uuid.UUID(raw)
    except ValueError:
        request.session.clear()
        raise SignInRequired from None
    user = None if _signed_in_too_long_ago(request) else await session.get(User, user_id)
    # The epoch the session was signed in with must still be the user's: signing out and a new
    # password raise it, which ends every copy of the cookie at once.
    if user is None or request.session.get("epoch") != user.session_epoch:
        request.session.clear()
        raise SignInRequired
    return user


CurrentUser = Annotated[User, Depends(_current_user)]
# For routes that need a signed-in user but not the user itself.
SignedIn = Depends(_current_user)


async def _current_actor(request: Request, session: SessionDep, user: CurrentUser) -> Actor:
    found = getattr(request.state, "actor", None)
    if isinstance(found, Actor):
        return found
    actor = await actor_for(session, user)
    request.state.actor = actor  # the templates show only what the actor may use
    return actor


CurrentActor = Annotated[Actor, Depends(_current_actor)]


async def event_in_reach(request: Request, session: SessionDep) -> None:
    """Router dependency of every UI page: one addressed by an event (its id, or an order's or
    attendee's) is refused to a department admin outside its departments (the 403 page says
    so). Other pages, and visitors not signed in (the page's own check sends them to sign in),
    pass through."""
    params = request.path_params
    if not params.keys() & EVENT_PATH_PARAMS or not isinstance(request.session.get("user_id"), str):
        return
    actor = await _current_actor(request, session, await _current_user(request, session))
    if actor.limited:
        await require_event_in_reach(session, actor, await event_of_path(session, params))


def Allowed(*any_of: Permission) -> Any:
    """A UI page or form for signed-in users with one of `any_of` (a 403 page names the
    permission otherwise)."""

    async def check(actor: CurrentActor) -> Actor:
        actor.require(*any_of)
        return actor

    check.__name__ = "ui_requires_" + "_or_".join(p.value for p in any_of)
    check.permissions = any_of  # type: ignore[attr-defined]  # read by the route audit test
    return Depends(check)


Csrf = Depends(check_csrf)


def sign_in(request: Request, user: User) -> None:
    # A fresh session (and CSRF token) at sign-in: nothing from before carries over.
    request.session.clear()
    request.session["user_id"] = str(user.id)
    request.session["user_email"] = user.email
    request.session["epoch"] = user.session_epoch
    request.session["signed_in_at"] = int(time.time())
    csrf_token(request)


def keep_signed_in(request: Request, user: User) -> None:
    """After the signed-in user changed their own password: this session goes on (the others
    ended)."""
    if request.session.get("user_id") == str(user.id):
        request.session["epoch"] = user.session_epoch


async def sign_out(request: Request, session: AsyncSession) -> None:
    """End this user's sessions everywhere (the cookie may have been copied), then this one."""
    raw = request.session.get("user_id")
    try:
        user = await session.get(User, uuid.UUID(raw)) if isinstance(raw, str) else None
    except ValueError:
        user = None
    if user is not None and request.session.get("epoch") == user.session_epoch:
        end_sessions(user)
    request.session.clear()


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (after POST-redirect-GET)."""
    messages: list[dict[str, Any]] = list(request.session.get("flash", []))
    messages.append({"kind": kind, "text": message})
    request.session["flash"] = messages[-5:]


def pop_flash(request: Request) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = list(request.session.pop("flash", []))
    return messages
