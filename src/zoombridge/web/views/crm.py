"""CRM pages: the synced webinars (switch, sync now, audit, attendees without a contact) and
the CRM settings (sync switch, excluded domains, hosts per connection, automations)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from zoombridge.accounts.permissions import Permission
from zoombridge.contacts.models import HostsMode
from zoombridge.contacts.schemas import AutomationIn, CrmSettingsIn, HostUpdate, WebinarOut
from zoombridge.contacts.service import people, register, settings, webinars
from zoombridge.db.base import utc_now
from zoombridge.errors import DomainError
from zoombridge.kit.http import SessionDep
from zoombridge.web.auth_session import Allowed, Csrf, flash
from zoombridge.web.views.common import checkbox, parse_id, redirect, render, ui_router
from zoombridge.web.views.forms import pydantic_problems

router = ui_router()
CRM = [Allowed(Permission.MANAGE_CONTACTS)]
FORM = [Allowed(Permission.MANAGE_CONTACTS), Csrf]


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _problem_text(exc: ValidationError | DomainError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{p.field}: {p.message}" for p in pydantic_problems(exc))
    return "; ".join(p.message for p in exc.field_errors) or exc.detail


# --- webinars ---------------------------------------------------------------------------------


@router.get("/crm/webinars", response_class=HTMLResponse, dependencies=CRM)
async def webinars_page(request: Request, session: SessionDep) -> Response:
    rows = await webinars.views(session, await webinars.list_webinars(session))
    return render(
        request,
        "crm_webinars.html",
        webinars=rows,
        refresh=any(_due_now(w) for w in rows),
    )


@router.get("/crm/webinars/{webinar_id}", response_class=HTMLResponse, dependencies=CRM)
async def webinar_page(request: Request, session: SessionDep, webinar_id: str) -> Response:
    webinar = await webinars.get_webinar(session, parse_id(webinar_id, "webinar"))
    [view] = await webinars.views(session, [webinar])
    syncs = await webinars.syncs(session, webinar.id, limit=10)
    return render(
        request,
        "crm_webinar.html",
        webinar=view,
        syncs=syncs,
        not_synced=await webinars.not_synced_attendees(session, webinar.id),
        refresh=_due_now(view),
    )


def _due_now(view: WebinarOut) -> bool:
    """Whether the worker is about to sync it (the page then refreshes itself)."""
    if not view.sync_due or view.last_error:
        return False
    return view.next_sync_at is None or view.next_sync_at <= utc_now()


@router.post("/crm/webinars/{webinar_id}/sync", dependencies=FORM)
async def sync_now(request: Request, session: SessionDep, webinar_id: str) -> Response:
    webinar = await webinars.request_sync(session, parse_id(webinar_id, "webinar"))
    flash(request, "Syncing now: the audit below shows the outcome in a moment.")
    return redirect(f"/crm/webinars/{webinar.id}")


@router.post("/crm/webinars/{webinar_id}/switch", dependencies=FORM)
async def switch(request: Request, session: SessionDep, webinar_id: str) -> Response:
    form = await _form(request)
    enabled = checkbox(form.get("sync_enabled"))
    webinar = await webinars.set_sync_enabled(session, parse_id(webinar_id, "webinar"), enabled)
    flash(request, f"Sync {'on' if enabled else 'off'} for {webinar.topic}.")
    back = "/crm/webinars" if form.get("back") == "list" else f"/crm/webinars/{webinar.id}"
    return redirect(back)


@router.post("/crm/webinars/{webinar_id}/attendees/{attendance_id}/link", dependencies=FORM)
async def link(
    request: Request, session: SessionDep, webinar_id: str, attendance_id: str
) -> Response:
    wid = parse_id(webinar_id, "webinar")
    await webinars.get_webinar(session, wid)
    form = await _form(request)
    contact = await people.owner_of(session, form.get("email", "").strip().lower())
    if contact is None:
        flash(request, "No contact has this email: add the contact first, then link.", "error")
        return redirect(f"/crm/webinars/{wid}")
    try:
        await webinars.link_attendee(session, wid, parse_id(attendance_id, "attendee"), contact.id)
    except DomainError as exc:
        await session.rollback()
        flash(request, _problem_text(exc), "error")
        return redirect(f"/crm/webinars/{wid}")
    flash(request, f"Attendance credited to {contact.email}.")
    return redirect(f"/crm/webinars/{wid}")


# --- settings -------------------------------------------------------------------------------


@router.get("/crm/settings", response_class=HTMLResponse, dependencies=CRM)
async def settings_page(request: Request, session: SessionDep) -> Response:
    view = await settings.view(session)
    return render(
        request,
        "crm_settings.html",
        settings=view,
        hosts=await settings.list_hosts(session, None),
        automations=await register.list_automations(session),
        modes=list(HostsMode),
        created=None,
        # While a connection in scope waits for its first listing, the page follows it.
        refresh=view.sync_webinars
        and any(
            c.hosts_mode is not HostsMode.NONE and c.listed_at is None and not c.last_error
            for c in view.connections
        ),
    )


@router.post("/crm/settings", dependencies=FORM)
async def save_settings(request: Request, session: SessionDep) -> Response:
    form = await _form(request)
    domains = [d for d in form.get("excluded_domains", "").replace(",", "\n").split() if d]
    try:
        data = CrmSettingsIn(
            sync_webinars=checkbox(form.get("sync_webinars")), excluded_domains=domains
        )
        await settings.update_settings(session, data, utc_now())
    except ValidationError as exc:
        flash(request, f"Not saved: {_problem_text(exc)}", "error")
        return redirect("/crm/settings")
    flash(request, "CRM settings saved.")
    return redirect("/crm/settings")


@router.post("/crm/connections/{connection_id}/hosts", dependencies=FORM)
async def save_mode(request: Request, session: SessionDep, connection_id: str) -> Response:
    form = await _form(request)
    try:
        mode = HostsMode(form.get("hosts_mode", ""))
    except ValueError:
        flash(request, "Choose none, all or selected hosts.", "error")
        return redirect("/crm/settings")
    await settings.set_hosts_mode(session, parse_id(connection_id, "connection"), mode, utc_now())
    flash(request, "Hosts saved; their webinars are listed in a moment.")
    return redirect("/crm/settings")


@router.post("/crm/connections/{connection_id}/list", dependencies=FORM)
async def list_again(request: Request, session: SessionDep, connection_id: str) -> Response:
    await settings.request_listing(session, parse_id(connection_id, "connection"), utc_now())
    flash(request, "Listing the Zoom users and webinars again…")
    return redirect("/crm/settings")


@router.post("/crm/hosts/{host_id}", dependencies=FORM)
async def save_host(request: Request, session: SessionDep, host_id: str) -> Response:
    form = await _form(request)
    data = HostUpdate(
        selected=checkbox(form.get("selected")),
        sync_new_by_default=checkbox(form.get("sync_new_by_default")),
        sync_recordings=checkbox(form.get("sync_recordings")),
    )
    host = await settings.update_host(session, parse_id(host_id, "host"), data, utc_now())
    flash(request, f"Saved {host.email}.")
    return redirect("/crm/settings")


@router.post("/crm/automations", response_class=HTMLResponse, dependencies=FORM)
async def create_automation(request: Request, session: SessionDep) -> Response:
    form = await _form(request)
    raw = form.get("webinar", "").strip().replace(" ", "").replace("-", "")
    choice = {"webinar_id": raw} if raw.isdigit() else {"webinar_field": raw or None}
    try:
        data = AutomationIn.model_validate({"name": form.get("name", ""), **choice})
        automation, secret = await register.create_automation(session, data)
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        flash(request, f"Automation not made: {_problem_text(exc)}", "error")
        return redirect("/crm/settings")
    # The secret is shown in this answer only (never put into the session cookie or a redirect).
    return render(
        request,
        "crm_settings.html",
        settings=await settings.view(session),
        hosts=await settings.list_hosts(session, None),
        automations=await register.list_automations(session),
        modes=list(HostsMode),
        created={
            "automation": automation,
            "secret": secret,
            "url": str(request.base_url).rstrip("/") + f"/webhooks/automations/{automation.id}",
        },
    )


@router.post("/crm/automations/{automation_id}/delete", dependencies=FORM)
async def delete_automation(request: Request, session: SessionDep, automation_id: str) -> Response:
    await register.delete_automation(session, parse_id(automation_id, "automation"))
    flash(request, "Automation removed: its URL no longer registers anyone.")
    return redirect("/crm/settings")
