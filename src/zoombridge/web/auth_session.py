"""Web UI sign-in: a signed cookie session, the signed-in user, and CSRF tokens.

The UI's routes use `UIRoute`, which wraps each of them in Starlette's `SessionMiddleware`.
The API (`/api/v1`, token auth), `/health` and `/webhooks/*` never see the cookie: they are not
UI routes. The cookie's signing secret is derived from the encryption key (settings or the
data dir's key file), so there is no secret in the code and rotating the key signs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable, Coroutine
from html import escape
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from zoombridge.accounts.models import User
from zoombridge.db.encryption import KEY_FILE_NAME, load_key_file
from zoombridge.errors import DomainError, NotFoundError
from zoombridge.settings import Settings
from zoombridge.web.deps import SessionDep

SESSION_COOKIE = "zoombridge_session"
SESSION_MAX_AGE_S = 14 * 24 * 3600
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


class UIRoute(APIRoute):
    """A UI route: runs inside SessionMiddleware; unsigned visitors are sent to sign in."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["app"]
        secret: str | None = getattr(app.state, _SECRET_STATE, None)
        if secret is None:
            secret = session_secret(app.state.settings)
            setattr(app.state, _SECRET_STATE, secret)
        middleware = SessionMiddleware(
            super().handle,
            secret_key=secret,
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_MAX_AGE_S,
            same_site="lax",
            https_only=False,  # the demo is plain http on loopback; put TLS in front in production
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
                return HTMLResponse(
                    f"<!doctype html><title>Not found</title><p>{escape(exc.detail)}</p>"
                    '<p><a href="/events">Back to the events</a></p>',
                    status_code=404,
                )
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


async def _current_user(request: Request, session: SessionDep) -> User:
    raw = request.session.get("user_id")
    if not isinstance(raw, str):
        raise SignInRequired
    try:
        user_id = uuid.UUID(raw)
    except ValueError:
        raise SignInRequired from None
    user = await session.get(User, user_id)
    if user is None:
        request.session.clear()
        raise SignInRequired
    return user


CurrentUser = Annotated[User, Depends(_current_user)]
# For routes that need a signed-in user but not the user itself.
SignedIn = Depends(_current_user)
Csrf = Depends(check_csrf)


def sign_in(request: Request, user: User) -> None:
    # A fresh session (and CSRF token) at sign-in: nothing from before carries over.
    request.session.clear()
    request.session["user_id"] = str(user.id)
    request.session["user_email"] = user.email
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (after POST-redirect-GET)."""
    messages: list[dict[str, Any]] = list(request.session.get("flash", []))
    messages.append({"kind": kind, "text": message})
    request.session["flash"] = messages[-5:]


def pop_flash(request: Request) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = list(request.session.pop("flash", []))
    return messages
