"""What every UI page shares: the template engine, rendering, redirects and form helpers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from zoombridge.accounts.permissions import Actor
from zoombridge.errors import DomainError, NotFoundError
from zoombridge.web.auth_session import CSRF_FIELD, UIRoute, csrf_token, event_in_reach, pop_flash

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def _local_time(value: datetime | None, timezone: str | None = None) -> str:
    """A stored UTC time as the reader wants it: in the event's zone when there is one."""
    if value is None:
        return ""
    if timezone:
        try:
            value = value.astimezone(ZoneInfo(timezone))
            return value.strftime("%Y-%m-%d %H:%M ") + timezone
        except (KeyError, ValueError):
            pass
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _viewer_time(value: datetime | None) -> Markup:
    """A time on a list, in the viewer's own zone: written in UTC (and said so) for a page
    read without script, turned into the browser's zone by zoombridge.js."""
    if value is None:
        return Markup("")
    moment = value.astimezone(UTC)
    return Markup('<time datetime="{}" data-viewer-zone>{}</time>').format(
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"), moment.strftime("%Y-%m-%d %H:%M UTC")
    )


templates.env.filters["local_time"] = _local_time
templates.env.filters["viewer_time"] = _viewer_time
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD


def ui_router() -> APIRouter:
    """A router whose routes run inside the UI session and stay out of the OpenAPI document.

    Pages addressed by `{event_id}` check a department admin's reach before they run."""
    return APIRouter(
        route_class=UIRoute, include_in_schema=False, dependencies=[Depends(event_in_reach)]
    )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("refresh", False)
    context["csrf_token"] = csrf_token(request)
    context["flashes"] = pop_flash(request)
    context["user_email"] = request.session.get("user_email")
    # The navigation shows what the signed-in user may use (every link when not known).
    actor = getattr(request.state, "actor", None)
    context["can"] = actor.has if isinstance(actor, Actor) else (lambda _permission: True)
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """The R of POST-redirect-GET (303: the browser follows with a GET)."""
    return RedirectResponse(url, status_code=303)


def field_errors(exc: DomainError) -> dict[str, str]:
    """A service error's field problems keyed by field, for showing next to the inputs."""
    return {problem.field: problem.message for problem in exc.field_errors}


def parse_id(raw: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFoundError(f"No {what} {raw}.") from None


def checkbox(value: str | None) -> bool:
    return value not in (None, "", "0", "off", "false")
