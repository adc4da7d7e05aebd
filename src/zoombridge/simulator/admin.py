"""`/_sim/...`: simulator-only controls for tests and demos (no auth, no rate limits, no faults)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zoombridge.simulator import lifecycle
from zoombridge.simulator.clock import zoom_time
from zoombridge.simulator.config import PLANS
from zoombridge.simulator.errors import ZoomError
from zoombridge.simulator.lifecycle import LifecycleError
from zoombridge.simulator.page import page_routes
from zoombridge.simulator.runtime import Simulation
from zoombridge.simulator.state import Account, Instance, Meeting, User


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


def _account(sim: Simulation, account_id: str) -> Account:
    account = sim.world.accounts.get(account_id)
    if account is None:
        raise AdminError(404, f"No account {account_id}.")
    return account


def _user(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "type": user.type,
        "role_name": user.role_name,
    }


def _account_view(sim: Simulation, account: Account) -> dict[str, Any]:
    return {
        "account_id": account.id,
        "client_id": account.client_id,
        "client_secret": account.client_secret,
        "plan": account.plan,
        "webinar_addon": account.webinar_addon,
        "webinar_capacity": account.webinar_capacity,
        "rate_limits": account.rate_limits,
        "scopes": sorted(account.scopes) if account.scopes is not None else None,
        "owner": _user(account.owner),
        "users": [_user(u) for u in account.users.values()],
    }


async def create_account(request: Request) -> Response:
    sim = _sim(request)
    body = await _body(request)
    plan = body.get("plan", "pro")
    if plan not in PLANS:
        raise AdminError(400, f"plan must be one of {', '.join(PLANS)}.")
    scopes = body.get("scopes")
    if scopes is not None and not (
        isinstance(scopes, list) and all(isinstance(s, str) for s in scopes)
    ):
        raise AdminError(400, "scopes must be a list of scope names, or null for all.")
    try:
        account = sim.create_account(
            account_id=body.get("account_id"),
            client_id=body.get("client_id"),
            client_secret=body.get("client_secret"),
            plan=plan,
            webinar_addon=bool(body.get("webinar_addon", True)),
            webinar_capacity=int(body.get("webinar_capacity", 10_000)),
            scopes=scopes,
            rate_limits=bool(body.get("rate_limits", True)),
            owner_email=body.get("owner_email") or body.get("host_email"),
        )
    except ValueError as exc:
        raise AdminError(409, str(exc)) from None
    return JSONResponse(_account_view(sim, account), status_code=201)


async def get_account(request: Request) -> Response:
    sim = _sim(request)
    return JSONResponse(_account_view(sim, _account(sim, request.path_params["account_id"])))


async def add_user(request: Request) -> Response:
    sim = _sim(request)
    account = _account(sim, request.path_params["account_id"])
    body = await _body(request)
    email = body.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise AdminError(400, "email is required.")
    user_type = body.get("type", 2)
    if user_type not in (1, 2):
        raise AdminError(400, "type must be 1 (basic) or 2 (licensed).")
    try:
        user = sim.add_user(
            account,
            email=email,
            first_name=str(body.get("first_name", "")),
            last_name=str(body.get("last_name", "")),
            user_type=user_type,
            role_name=str(body.get("role", "Member")),
        )
    except ValueError as exc:
        raise AdminError(409, str(exc)) from None
    return JSONResponse(_user(user), status_code=201)


async def revoke_tokens(request: Request) -> Response:
    sim = _sim(request)
    account = _account(sim, request.path_params["account_id"])
    return JSONResponse({"revoked": sim.revoke_tokens(account)})


async def faults(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "PUT":
        try:
            sim.set_faults(await _body(request))
        except ZoomError as exc:
            raise AdminError(400, exc.message) from None
    return JSONResponse(asdict(sim.faults))


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
            raise AdminError(400, "Send {advance_seconds: N} or {set: ISO time}.")
    now = sim.clock.now()
    return JSONResponse(
        {
            "now": now.isoformat(),
            "zoom_time": zoom_time(now),
            "offset_seconds": sim.clock.offset_seconds,
        }
    )


async def subscribe(request: Request) -> Response:
    sim = _sim(request)
    account = _account(sim, request.path_params["account_id"])
    body = await _body(request)
    url, secret = body.get("url"), body.get("secret_token")
    if not isinstance(url, str) or not isinstance(secret, str) or not secret:
        raise AdminError(400, "url and secret_token are required.")
    events = body.get("events")
    if events is not None and not isinstance(events, list):
        raise AdminError(400, "events must be a list of event names.")
    sub = await sim.webhooks.subscribe(account.id, url, secret, events)
    return JSONResponse(sub.public(), status_code=201)


async def deliveries(request: Request) -> Response:
    sim = _sim(request)
    event = request.query_params.get("event")
    status = request.query_params.get("status")
    include_body = request.query_params.get("include_body", "") in ("1", "true")
    items = [
        d.public(include_body)
        for d in sim.webhooks.deliveries
        if (event is None or d.event == event) and (status is None or d.status == status)
    ]
    return JSONResponse({"total": len(items), "deliveries": items})


def _meeting(sim: Simulation, request: Request) -> Meeting:
    try:
        return lifecycle.find(sim, request.path_params["meeting_id"])
    except LifecycleError as exc:
        raise AdminError(exc.status, str(exc)) from None


def _instance_view(instance: Instance) -> dict[str, Any]:
    return {
        "uuid": instance.uuid,
        "start_time": zoom_time(instance.start),
        "end_time": zoom_time(instance.end) if instance.end else None,
        "occurrence_id": instance.occurrence_id,
        "participants": len(instance.participants),
        "recorded": instance.recording is not None,
    }


async def start(request: Request) -> Response:
    sim = _sim(request)
    meeting = _meeting(sim, request)
    body = await _body(request)
    instance = lifecycle.start(sim, meeting, body.get("uuid"), body.get("occurrence_id"))
    return JSONResponse(_instance_view(instance), status_code=201)


async def participants(request: Request) -> Response:
    sim = _sim(request)
    meeting = _meeting(sim, request)
    body = await _body(request)
    action = body.get("action")
    if action == "join":
        person, segment = lifecycle.join(
            sim,
            meeting,
            name=str(body.get("name") or "Guest"),
            email=str(body.get("email") or ""),
            registrant_id=body.get("registrant_id"),
            participant_uuid=body.get("participant_uuid"),
        )
    elif action == "leave":
        if not body.get("participant_uuid"):
            raise AdminError(400, "leave needs the participant_uuid that join returned.")
        person, segment = lifecycle.leave(sim, meeting, str(body["participant_uuid"]))
    else:
        raise AdminError(400, "action must be join or leave.")
    return JSONResponse(
        {
            "participant_uuid": person.participant_uuid,
            "user_id": segment.user_id,
            "id": person.user_id,
            "registrant_id": person.registrant_id,
            "segments": len(person.segments),
        }
    )


async def attendance(request: Request) -> Response:
    sim = _sim(request)
    meeting = _meeting(sim, request)
    body = await _body(request)
    people = body.get("participants")
    if not isinstance(people, list) or not all(isinstance(p, dict) for p in people):
        raise AdminError(400, "participants must be a list of {name, email?, segments}.")
    instance = lifecycle.attendance(sim, meeting, people, body.get("uuid"))
    return JSONResponse(_instance_view(instance), status_code=201)


async def end(request: Request) -> Response:
    sim = _sim(request)
    instance = lifecycle.end(sim, _meeting(sim, request))
    return JSONResponse(_instance_view(instance))


async def recording(request: Request) -> Response:
    sim = _sim(request)
    body = await _body(request)
    instance = lifecycle.record(sim, _meeting(sim, request), body.get("uuid"))
    return JSONResponse(_instance_view(instance), status_code=201)


async def inspect_meeting(request: Request) -> Response:
    sim = _sim(request)
    meeting = _meeting(sim, request)
    now = sim.clock.now()
    registrants = [
        {
            "id": r.id,
            "email": r.email,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "status": r.status,
            "occurrence_ids": sorted(r.occurrence_ids),
            "request_counts": sim.limiter.registrant_counts(meeting.id, r.email, now),
        }
        for r in meeting.registrants.values()
    ]
    return JSONResponse(
        {
            "id": meeting.id,
            "uuid": meeting.uuid,
            "kind": meeting.kind,
            "type": meeting.type,
            "topic": meeting.topic,
            "host_id": meeting.host_id,
            "account_id": meeting.account_id,
            "start_time": zoom_time(meeting.start_time),
            "duration": meeting.duration,
            "timezone": meeting.timezone,
            "settings": meeting.settings,
            "recurrence": meeting.recurrence,
            "occurrences": [
                {
                    "occurrence_id": o.occurrence_id,
                    "start_time": zoom_time(o.start),
                    "duration": o.duration,
                    "status": o.status,
                }
                for o in sorted(meeting.occurrences.values(), key=lambda o: o.start)
            ],
            "active_registrants": meeting.active_registrants,
            "registrants": registrants,
            "instances": [_instance_view(i) for i in meeting.instances],
            "live": meeting.live_instance is not None,
            "host_create_update_today": sim.limiter.host_count(meeting.host_id, now),
        }
    )


async def stats(request: Request) -> Response:
    return JSONResponse(_sim(request).stats.public())


async def reset_stats(request: Request) -> Response:
    _sim(request).stats.reset()
    return JSONResponse({"reset": True})


async def reset_rate_buckets(request: Request) -> Response:
    """Refills every per-second bucket (daily counts stay): lets tests start from a clean slate."""
    _sim(request).limiter.reset_buckets()
    return JSONResponse({"reset": True})


def admin_routes() -> list[Route]:
    return [
        *page_routes(),
        Route("/accounts", create_account, methods=["POST"]),
        Route("/accounts/{account_id}", get_account, methods=["GET"]),
        Route("/accounts/{account_id}/users", add_user, methods=["POST"]),
        Route("/accounts/{account_id}/tokens/revoke", revoke_tokens, methods=["POST"]),
        Route("/accounts/{account_id}/webhooks", subscribe, methods=["POST"]),
        Route("/webhooks/deliveries", deliveries, methods=["GET"]),
        Route("/faults", faults, methods=["GET", "PUT"]),
        Route("/clock", clock, methods=["GET", "POST"]),
        Route("/meetings/{meeting_id}", inspect_meeting, methods=["GET"]),
        Route("/meetings/{meeting_id}/start", start, methods=["POST"]),
        Route("/meetings/{meeting_id}/participants", participants, methods=["POST"]),
        Route("/meetings/{meeting_id}/attendance", attendance, methods=["POST"]),
        Route("/meetings/{meeting_id}/end", end, methods=["POST"]),
        Route("/meetings/{meeting_id}/recording", recording, methods=["POST"]),
        Route("/stats", stats, methods=["GET"]),
        Route("/stats/reset", reset_stats, methods=["POST"]),
        Route("/ratelimits/reset", reset_rate_buckets, methods=["POST"]),
    ]
