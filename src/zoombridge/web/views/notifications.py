"""Email pages: SMTP settings, email templates, the outbox, and the local mailbox.

The mailbox shows what the local SMTP sink (`request.app.state.mail_sink`, set by the demo and
the UI tests) caught, so a new user reads the emails without a mail server; without a sink it
is not there (404).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from zoombridge.accounts.permissions import OUTBOX_READERS, Permission
from zoombridge.errors import DomainError, NotFoundError
from zoombridge.kit.http import SessionDep
from zoombridge.notifications import listing, service
from zoombridge.notifications.defaults import all_kinds
from zoombridge.notifications.models import Audience, EmailState, SmtpSecurity
from zoombridge.notifications.schemas import EmailTemplateIn, SmtpSettingsIn
from zoombridge.notifications.sink import MailSink
from zoombridge.web.auth_session import Allowed, Csrf, flash
from zoombridge.web.views import lists
from zoombridge.web.views.common import parse_id, redirect, render, ui_router
from zoombridge.web.views.forms import form_problems

router = ui_router()


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


# --- Settings → Email (SMTP) -------------------------------------------------------------------


@router.get("/settings", dependencies=[Allowed(Permission.MANAGE_SETTINGS)])
async def settings_page() -> Response:
    return redirect("/settings/email")


async def _smtp_page(
    request: Request,
    session: SessionDep,
    form: dict[str, str] | None,
    *,
    status_code: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    row = await service.get_smtp(session)
    if form is None:
        form = (
            {
                "host": row.host,
                "port": str(row.port),
                "security": row.security.value,
                "username": row.username or "",
                "from_address": row.from_address,
                "from_name": row.from_name,
                "timeout_seconds": str(row.timeout_seconds),
            }
            if row
            else {"port": "587", "security": "starttls", "from_name": "zoombridge"}
        )
    form.pop("password", None)  # never shown back, not even after an error
    return render(
        request,
        "settings_email.html",
        status_code=status_code,
        form=form,
        stored=row is not None,
        password_set=bool(row is not None and row.password is not None),
        securities=list(SmtpSecurity),
        error=error,
        errors=errors or {},
    )


@router.get(
    "/settings/email",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_SETTINGS)],
)
async def smtp_page(request: Request, session: SessionDep) -> Response:
    return await _smtp_page(request, session, None)


@router.post("/settings/email", dependencies=[Allowed(Permission.MANAGE_SETTINGS), Csrf])
async def smtp_save(request: Request, session: SessionDep) -> Response:
    form = await _form(request)
    values: dict[str, Any] = {
        "host": form.get("host", ""),
        "port": form.get("port", "").strip() or 587,
        "security": form.get("security", "starttls"),
        "username": form.get("username", "").strip() or None,
        "from_address": form.get("from_address", "").strip(),
        "from_name": form.get("from_name", ""),
        "timeout_seconds": form.get("timeout_seconds", "").strip() or 30,
    }
    # An empty password field keeps the stored one; "remove" clears it.
    if form.get("password"):
        values["password"] = form["password"]
    elif form.get("remove_password"):
        values["password"] = ""
    try:
        await service.put_smtp(session, SmtpSettingsIn(**values))
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        error, errors = form_problems(exc)
        return await _smtp_page(request, session, form, status_code=422, error=error, errors=errors)
    flash(request, "Email settings saved.")
    return redirect("/settings/email")


@router.post("/settings/email/delete", dependencies=[Allowed(Permission.MANAGE_SETTINGS), Csrf])
async def smtp_delete(request: Request, session: SessionDep) -> Response:
    await service.delete_smtp(session)
    flash(request, "Email settings removed: emails wait, unsent, until new ones are saved.")
    return redirect("/settings/email")


# --- Email templates ---------------------------------------------------------------------------


@router.get(
    "/settings/email-templates",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_SETTINGS)],
)
async def templates_page(request: Request, session: SessionDep) -> Response:
    return render(request, "email_templates.html", templates=await service.list_templates(session))


async def _template_page(
    request: Request,
    session: SessionDep,
    key: str,
    form: dict[str, str] | None = None,
    *,
    status_code: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    template = await service.get_template(session, key)
    return render(
        request,
        "email_template.html",
        status_code=status_code,
        email_template=template,
        form=form or {"subject": template.subject, "body": template.body},
        error=error,
        errors=errors or {},
    )


@router.get(
    "/settings/email-templates/{key}",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_SETTINGS)],
)
async def template_page(request: Request, session: SessionDep, key: str) -> Response:
    return await _template_page(request, session, key)


@router.post(
    "/settings/email-templates/{key}", dependencies=[Allowed(Permission.MANAGE_SETTINGS), Csrf]
)
async def template_save(request: Request, session: SessionDep, key: str) -> Response:
    form = await _form(request)
    try:
        data = EmailTemplateIn(subject=form.get("subject", ""), body=form.get("body", ""))
        await service.put_template(session, key, data)
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        await session.rollback()
        error, errors = form_problems(exc)
        return await _template_page(
            request, session, key, form, status_code=422, error=error, errors=errors
        )
    flash(request, "Template saved.")
    return redirect(f"/settings/email-templates/{key}")


@router.post(
    "/settings/email-templates/{key}/reset",
    dependencies=[Allowed(Permission.MANAGE_SETTINGS), Csrf],
)
async def template_reset(request: Request, session: SessionDep, key: str) -> Response:
    await service.reset_template(session, key)
    flash(request, "Template back to the built-in text.")
    return redirect(f"/settings/email-templates/{key}")


# --- Outbox ------------------------------------------------------------------------------------


@router.get(
    "/emails",
    response_class=HTMLResponse,
    dependencies=[Allowed(*OUTBOX_READERS)],
)
async def outbox_page(request: Request, session: SessionDep) -> Response:
    kinds = {kind.key: kind.title for kind in all_kinds()}
    kind = lists.text(request, "kind")
    filters = listing.EmailFilters(
        state=lists.choice(request, "state", EmailState),
        kind=kind if kind in kinds else None,
        q=lists.text(request, "q"),
        created_from=lists.a_day(request, "created_from"),
        created_to=lists.a_day(request, "created_to"),
        audience=lists.choice(request, "audience", Audience),
        event_id=lists.an_id(request, "event_id"),
        booking_id=lists.an_id(request, "booking_id"),
    )
    page, pager = await lists.one_page(
        request,
        lambda cursor, limit: listing.list_emails(session, filters, cursor=cursor, limit=limit),
    )
    return render(
        request,
        "emails.html",
        emails=page.items,
        pager=pager,
        filters=lists.form_values(filters.as_dict()),
        filtered=lists.any_set(filters.as_dict()),
        states=list(EmailState),
        audiences=list(Audience),
        kinds=kinds,
        smtp_set=await service.get_smtp(session) is not None,
        refresh=any(e.state is EmailState.PENDING and e.not_before is None for e in page.items),
    )


@router.get(
    "/emails/{email_id}",
    response_class=HTMLResponse,
    dependencies=[Allowed(*OUTBOX_READERS)],
)
async def email_page(request: Request, session: SessionDep, email_id: str) -> Response:
    row = await service.get_email(session, parse_id(email_id, "email"))
    return render(request, "email.html", email=row)


# --- Mailbox (local SMTP sink) -----------------------------------------------------------------


def _sink(request: Request) -> MailSink:
    sink: MailSink | None = getattr(request.app.state, "mail_sink", None)
    if sink is None:
        raise NotFoundError("There is no local mailbox: emails go to the SMTP server set up.")
    return sink


@router.get(
    "/mailbox",
    response_class=HTMLResponse,
    dependencies=[Allowed(*OUTBOX_READERS)],
)
async def mailbox_page(request: Request, session: SessionDep) -> Response:
    sink = _sink(request)
    # Refreshes by itself while the outbox has emails the worker can send now.
    pending = await service.list_emails(session, state=EmailState.PENDING, limit=50)
    return render(
        request,
        "mailbox.html",
        messages=list(reversed(sink.messages())),
        sink=sink,
        refresh=any(e.not_before is None for e in pending),
    )


@router.get(
    "/mailbox/{message_id}",
    response_class=HTMLResponse,
    dependencies=[Allowed(*OUTBOX_READERS)],
)
async def mailbox_message(request: Request, message_id: int) -> Response:
    message = _sink(request).get(message_id)
    if message is None:
        raise NotFoundError(f"No message {message_id} in the local mailbox.")
    return render(request, "mailbox_message.html", message=message)


# --- An event's reminders and emails -----------------------------------------------------------


@router.get(
    "/events/{event_id}/notifications",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_SETTINGS)],
)
async def event_notifications(request: Request, session: SessionDep, event_id: str) -> Response:
    from zoombridge.events import service as events

    event = await events.get_event_view(session, parse_id(event_id, "event"))
    filters = listing.EmailFilters(event_id=event.id)
    page, pager = await lists.one_page(
        request,
        lambda cursor, limit: listing.list_emails(session, filters, cursor=cursor, limit=limit),
    )
    return render(
        request,
        "event_notifications.html",
        event=event,
        emails=page.items,
        pager=pager,
        reminders=await service.list_reminders(session, event_id=event.id),
    )
