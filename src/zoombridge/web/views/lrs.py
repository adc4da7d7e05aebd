"""Settings → Learning Record Store: where completed results go as xAPI statements (L5).

The same service as `PUT /api/v1/settings/lrs`; the secret is write-only (never shown back, an
empty field keeps the stored one)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from zoombridge.accounts.permissions import Permission
from zoombridge.errors import DomainError
from zoombridge.kit.http import SessionDep
from zoombridge.results.schemas import LrsIn
from zoombridge.results.service import lrs
from zoombridge.web.auth_session import Allowed, Csrf, flash
from zoombridge.web.views.common import checkbox, redirect, render, ui_router
from zoombridge.web.views.forms import form_problems

router = ui_router()
FIELDS = ("endpoint", "key", "secret", "enabled", "activity_base")


async def _page(
    request: Request,
    session: SessionDep,
    form: dict[str, str] | None,
    *,
    status_code: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    stored = lrs.lrs_out(await lrs.get_lrs(session))
    if form is None:
        form = (
            {
                "endpoint": stored.endpoint,
                "key": stored.key,
                "enabled": "on" if stored.enabled else "",
                "activity_base": stored.activity_base,
            }
            if stored
            else {"enabled": "on", "activity_base": "urn:zoombridge:"}
        )
    form.pop("secret", None)  # never shown back, not even after an error
    return render(
        request,
        "settings_lrs.html",
        status_code=status_code,
        form=form,
        stored=stored,
        error=error,
        errors=errors or {},
        fields=FIELDS,
    )


@router.get(
    "/settings/lrs", response_class=HTMLResponse, dependencies=[Allowed(Permission.MANAGE_SETTINGS)]
)
async def lrs_page(request: Request, session: SessionDep) -> Response:
    return await _page(request, session, None)


@router.post("/settings/lrs", dependencies=[Allowed(Permission.MANAGE_SETTINGS), Csrf])
async def lrs_save(request: Request, session: SessionDep) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    values: dict[str, Any] = {
        "endpoint": form.get("endpoint", "").strip(),
        "key": form.get("key", "").strip(),
        "enabled": checkbox(form.get("enabled")),
        "activity_base": form.get("activity_base", "").strip() or "urn:zoombridge:",
        # An empty secret field keeps the stored secret.
        "secret": form.get("secret") or None,
    }
    try:
        await lrs.put_lrs(session, LrsIn(**values))
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        error, errors = form_problems(exc)
        return await _page(request, session, form, status_code=422, error=error, errors=errors)
    flash(request, "LRS settings saved: completed results are sent as xAPI statements.")
    return redirect("/settings/lrs")


@router.post("/settings/lrs/delete", dependencies=[Allowed(Permission.MANAGE_SETTINGS), Csrf])
async def lrs_delete(request: Request, session: SessionDep) -> Response:
    await lrs.delete_lrs(session)
    flash(request, "LRS settings removed: statements wait, unsent, until new ones are saved.")
    return redirect("/settings/lrs")
