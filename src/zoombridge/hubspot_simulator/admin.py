"""`/_sim/...`: simulator-only controls for tests and demos (no auth, no limits, no faults)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zoombridge.hubspot_simulator.clock import from_epoch_ms, hubspot_time
from zoombridge.hubspot_simulator.ratelimit import limits
from zoombridge.hubspot_simulator.runtime import Simulation
from zoombridge.hubspot_simulator.state import Account, Contact, MarketingEvent
from zoombridge.hubspot_simulator.timeline import attended_seconds
from zoombridge.hubspot_simulator.workflows import WorkflowSender


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _sim(request: Request) -> Simulation:
    sim: Simulation = request.app.state.simulation
    return sim


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise AdminError(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise AdminError(400, "The body must be a JSON object.")
    return data


def _account(request: Request) -> Account:
    sim = _sim(request)
    try:
        hub_id = int(request.path_params["hub_id"])
    except ValueError:
        raise AdminError(404, "Hub ids are numbers.") from None
    account = sim.accounts.get(hub_id)
    if account is None:
        raise AdminError(404, f"No account {hub_id}.")
    return account


def _contact(account: Account, raw_id: str) -> Contact:
    contact = account.contacts.get(int(raw_id)) if raw_id.isdigit() else None
    if contact is None:
        raise AdminError(404, f"No contact {raw_id} in account {account.hub_id}.")
    return contact


def account_view(sim: Simulation, account: Account) -> dict[str, Any]:
    burst, window_ms, daily = limits(account)
    now = sim.clock.now()
    usage = sim.limits.usage(account.hub_id)
    return {
        "hub_id": account.hub_id,
        "tier": account.tier,
        "api_limit_pack": account.api_limit_pack,
        "time_zone": account.time_zone,
        "rate_limits": account.rate_limits,
        "limits": {"burst": burst, "window_ms": window_ms, "daily": daily},
        "daily_used": sim.limits.daily_used(account, now),
        "peak_in_window": usage.peak_in_window,
        "contacts": sum(1 for c in account.contacts.values() if not c.archived),
        "archived_contacts": sum(1 for c in account.contacts.values() if c.archived),
        "properties": len(account.properties),
        "marketing_events": len(account.events),
        "tokens": [
            {
                "app_id": t.app_id,
                "app_name": t.app_name,
                "revoked": t.revoked,
                "scopes": sorted(t.scopes) if t.scopes is not None else None,
            }
            for t in sim.tokens.values()
            if t.hub_id == account.hub_id
        ],
    }


def contact_view(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "email": contact.email,
        "secondary_emails": contact.secondary_emails,
        "archived": contact.archived,
        "properties": dict(contact.properties),
        "timeline": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "event": e.event_name,
                "external_event_id": e.external_event_id,
                **e.details,
            }
            for e in contact.timeline
        ],
    }


def event_view(account: Account, event: MarketingEvent) -> dict[str, Any]:
    return {
        "object_id": event.object_id,
        "app_id": event.app_id,
        "external_account_id": event.external_account_id,
        "external_event_id": event.external_event_id,
        "fields": dict(event.fields),
        "counters": event.counters(),
        "participations": [
            {
                "contact_id": p.contact_id,
                "email": account.contacts[p.contact_id].email,
                "state": p.state,
                "occurred_at": from_epoch_ms(p.occurred_at_ms).isoformat(),
                "joined_at": from_epoch_ms(p.joined_at_ms).isoformat() if p.joined_at_ms else None,
                "left_at": from_epoch_ms(p.left_at_ms).isoformat() if p.left_at_ms else None,
                "attended_seconds": attended_seconds(event, p.contact_id)
                if p.state == "ATTENDED"
                else None,
                "repeats": p.repeats,
            }
            for p in event.participations
        ],
    }


async def create_account(request: Request) -> Response:
    sim = _sim(request)
    body = await _body(request)
    try:
        account = sim.create_account(
            hub_id=body.get("hub_id"),
            tier=body.get("tier", "free"),
            api_limit_pack=bool(body.get("api_limit_pack", False)),
            time_zone=body.get("time_zone", "UTC"),
            rate_limits=bool(body.get("rate_limits", True)),
            burst_limit=body.get("burst_limit"),
            window_ms=body.get("window_ms"),
            daily_limit=body.get("daily_limit"),
        )
    except ValueError as exc:
        raise AdminError(409 if "exists" in str(exc) else 400, str(exc)) from None
    view = account_view(sim, account)
    if body.get("token", True):
        scopes = body.get("scopes")
        view["token"] = sim.add_token(account, scopes, app_name="zoombridge").value
    return JSONResponse(view, status_code=201)


async def get_account(request: Request) -> Response:
    return JSONResponse(account_view(_sim(request), _account(request)))


async def add_token(request: Request) -> Response:
    sim, account, body = _sim(request), _account(request), await _body(request)
    scopes = body.get("scopes")
    if scopes is not None and not (
        isinstance(scopes, list) and all(isinstance(s, str) for s in scopes)
    ):
        raise AdminError(400, "scopes must be a list of scope names, or null for all.")
    token = sim.add_token(account, scopes, app_name=str(body.get("app_name") or "private app"))
    return JSONResponse(
        {"token": token.value, "app_id": token.app_id, "scopes": scopes}, status_code=201
    )


async def revoke_tokens(request: Request) -> Response:
    body = await _body(request)
    count = _sim(request).revoke(_account(request), body.get("token"))
    return JSONResponse({"revoked": count})


async def list_contacts(request: Request) -> Response:
    account = _account(request)
    archived = request.query_params.get("include_archived") == "1"
    return JSONResponse(
        {
            "contacts": [
                contact_view(c) for c in account.contacts.values() if archived or not c.archived
            ]
        }
    )


async def add_secondary_email(request: Request) -> Response:
    account = _account(request)
    contact = _contact(account, request.path_params["contact_id"])
    email = (await _body(request)).get("email")
    if not isinstance(email, str) or "@" not in email:
        raise AdminError(400, "email is required.")
    try:
        account.add_secondary_email(contact, email)
    except ValueError as exc:
        raise AdminError(409, str(exc)) from None
    return JSONResponse(contact_view(contact))


async def archive_contact(request: Request) -> Response:
    account = _account(request)
    contact = _contact(account, request.path_params["contact_id"])
    account.archive_contact(contact, _sim(request).clock.now())
    return JSONResponse(contact_view(contact))


async def list_events(request: Request) -> Response:
    account = _account(request)
    return JSONResponse({"events": [event_view(account, e) for e in account.events.values()]})


async def list_properties(request: Request) -> Response:
    account = _account(request)
    return JSONResponse(
        {
            "groups": [asdict(g) for g in account.groups.values()],
            "properties": [
                {
                    "name": p.name,
                    "label": p.label,
                    "type": p.type,
                    "field_type": p.field_type,
                    "group_name": p.group_name,
                    "hubspot_defined": p.hubspot_defined,
                }
                for p in account.properties.values()
            ],
        }
    )


async def faults(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "PUT":
        try:
            sim.set_faults(await _body(request))
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None
    return JSONResponse(asdict(sim.faults) | {"script": sim.script.pending()})


async def fault_script(request: Request) -> Response:
    sim, body = _sim(request), await _body(request)
    if body.get("clear"):
        sim.script.clear()
    for item in body.get("faults") or []:
        try:
            sim.script.add(
                str(item.get("kind")), int(item.get("count", 1)), item.get("retry_after_s")
            )
        except (ValueError, TypeError, AttributeError) as exc:
            raise AdminError(400, str(exc)) from None
    return JSONResponse({"script": sim.script.pending()})


async def clock(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "POST":
        body = await _body(request)
        if "advance_seconds" in body:
            sim.clock.advance(float(body["advance_seconds"]))
        elif "set" in body:
            try:
                sim.clock.set(datetime.fromisoformat(str(body["set"]).replace("Z", "+00:00")))
            except ValueError:
                raise AdminError(400, "set must be an ISO 8601 time.") from None
        else:
            raise AdminError(400, "Give advance_seconds or set.")
    now = sim.clock.now()
    return JSONResponse({"now": hubspot_time(now), "offset_seconds": sim.clock.offset_seconds})


async def stats(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "POST":
        sim.stats.reset()
    return JSONResponse(sim.stats.public())


async def reset_windows(request: Request) -> Response:
    _sim(request).limits.reset_windows()
    return JSONResponse({"reset": True})


async def send_workflow(request: Request) -> Response:
    sim, body = _sim(request), await _body(request)
    sender: WorkflowSender = request.app.state.workflows
    account = sim.accounts.get(int(body.get("hub_id") or sim.config.hub_id))
    if account is None:
        raise AdminError(404, "No such account.")
    url = body.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise AdminError(400, "url is required (http or https).")
    contact = None
    if body.get("contact_id") is not None:
        contact = _contact(account, str(body["contact_id"]))
    elif isinstance(body.get("email"), str):
        contact = account.live_contact(body["email"])
    if contact is None:
        raise AdminError(404, "Name the enrolled contact by contact_id or email.")
    method = str(body.get("method", "POST")).upper()
    if method not in ("POST", "GET"):
        raise AdminError(400, "method is POST or GET.")
    api_key = body.get("api_key")
    delivery = sender.send(
        url=url,
        account=account,
        contact=contact,
        method=method,
        secret=body.get("app_secret", sim.config.app_secret) if body.get("sign", True) else None,
        api_key=api_key if isinstance(api_key, dict) else None,
        properties=body.get("properties"),
        fields=body.get("fields") or {},
    )
    return JSONResponse(delivery.public(include_body=True), status_code=202)


async def deliveries(request: Request) -> Response:
    sender: WorkflowSender = request.app.state.workflows
    include = request.query_params.get("include_body") == "1"
    return JSONResponse({"deliveries": [d.public(include) for d in sender.deliveries]})


def admin_routes() -> list[Route]:
    acc = "/accounts/{hub_id}"
    return [
        Route("/accounts", create_account, methods=["POST"]),
        Route(acc, get_account, methods=["GET"]),
        Route(f"{acc}/tokens", add_token, methods=["POST"]),
        Route(f"{acc}/tokens/revoke", revoke_tokens, methods=["POST"]),
        Route(f"{acc}/contacts", list_contacts, methods=["GET"]),
        Route(
            f"{acc}/contacts/{{contact_id}}/secondary-emails", add_secondary_email, methods=["POST"]
        ),
        Route(f"{acc}/contacts/{{contact_id}}/archive", archive_contact, methods=["POST"]),
        Route(f"{acc}/events", list_events, methods=["GET"]),
        Route(f"{acc}/properties", list_properties, methods=["GET"]),
        Route("/faults", faults, methods=["GET", "PUT"]),
        Route("/faults/script", fault_script, methods=["POST"]),
        Route("/clock", clock, methods=["GET", "POST"]),
        Route("/stats", stats, methods=["GET"]),
        Route("/stats/reset", stats, methods=["POST"]),
        Route("/ratelimits/reset", reset_windows, methods=["POST"]),
        Route("/workflows/send", send_workflow, methods=["POST"]),
        Route("/workflows/deliveries", deliveries, methods=["GET"]),
    ]
