"""The HubSpot simulator's ASGI app: HubSpot's API paths, `/_sim` admin paths, and the page at
`/` that shows what arrived.

Every API call goes through the same steps: the token (401), its scopes (403
MISSING_SCOPES), the account's limits (429, counted on arrival), injected latency and faults,
then the operation. Answers carry `X-HubSpot-RateLimit-*` headers (search answers none).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from zoombridge.hubspot_simulator import contacts, events, participations, properties
from zoombridge.hubspot_simulator.admin import AdminError, admin_routes
from zoombridge.hubspot_simulator.config import HubSpotSimulatorConfig
from zoombridge.hubspot_simulator.errors import ApiError
from zoombridge.hubspot_simulator.faults import DroppedConnection, plan_for
from zoombridge.hubspot_simulator.page import page
from zoombridge.hubspot_simulator.routing import Call, Router
from zoombridge.hubspot_simulator.runtime import Simulation
from zoombridge.hubspot_simulator.scopes import missing_scopes
from zoombridge.hubspot_simulator.workflows import WorkflowSender

_C = "/crm/v3/objects/contacts"
_P = "/crm/v3/properties/{objectType}"
_E = "/marketing/v3/marketing-events"


def build_router() -> Router:
    r = Router()
    r.add(
        "POST",
        f"{_C}/batch/upsert",
        "post-/crm/v3/objects/contacts/batch/upsert_upsert",
        contacts.batch_upsert,
    )
    r.add(
        "POST",
        f"{_C}/batch/read",
        "post-/crm/v3/objects/contacts/batch/read_read",
        contacts.batch_read,
    )
    r.add(
        "GET",
        f"{_C}/{{contactId}}",
        "get-/crm/v3/objects/contacts/{contactId}_getById",
        contacts.get_contact,
    )
    r.add("GET", _C, "get-/crm/v3/objects/contacts_getPage", contacts.list_contacts)
    r.add(
        "DELETE",
        f"{_C}/{{contactId}}",
        "delete-/crm/v3/objects/contacts/{contactId}_archive",
        contacts.archive_contact,
    )
    r.add(
        "POST",
        f"{_C}/search",
        "post-/crm/v3/objects/contacts/search_doSearch",
        contacts.search,
        search=True,
    )
    r.add("POST", _P, f"post-{_P}_create", properties.create_property)
    r.add(
        "POST",
        f"{_P}/batch/create",
        f"post-{_P}/batch/create_create",
        properties.batch_create_properties,
    )
    r.add(
        "GET",
        f"{_P}/{{propertyName}}",
        f"get-{_P}/{{propertyName}}_getByName",
        properties.get_property,
    )
    r.add("GET", _P, f"get-{_P}_getAll", properties.list_properties)
    r.add("POST", f"{_P}/groups", f"post-{_P}/groups_create", properties.create_group)
    r.add(
        "GET",
        f"{_P}/groups/{{groupName}}",
        f"get-{_P}/groups/{{groupName}}_getByName",
        properties.get_group,
    )
    r.add("GET", f"{_P}/groups", f"get-{_P}/groups_getAll", properties.list_groups)
    r.add("POST", f"{_E}/events", f"post-{_E}/events_create", events.create)
    r.add("POST", f"{_E}/events/upsert", f"post-{_E}/events/upsert_upsert", events.batch_upsert)
    ev = f"{_E}/events/{{externalEventId}}"
    r.add("GET", ev, f"get-{ev}_getDetails", events.get_details)
    r.add("PATCH", ev, f"patch-{ev}_update", events.update)
    r.add("POST", f"{ev}/cancel", f"post-{ev}/cancel_cancel", events.cancel)
    r.add("POST", f"{ev}/complete", f"post-{ev}/complete_complete", events.complete)
    r.add(
        "GET",
        "/marketing/marketing-events/v3",
        "get-/marketing/marketing-events/v3_/marketing/marketing-events/v3",
        events.list_events,
    )
    att = f"{_E}/attendance/{{externalEventId}}/{{subscriberState}}/email-create"
    r.add("POST", att, f"post-{att}_recordByContactEmails", participations.email_create)
    cnt = f"{_E}/participations/{{externalAccountId}}/{{externalEventId}}"
    r.add(
        "GET", cnt, f"get-{cnt}_getParticipationsCountersByEventExternalId", participations.counters
    )
    return r


def create_app(config: HubSpotSimulatorConfig | None = None) -> Starlette:
    sim = Simulation(config)
    router = build_router()
    sender = WorkflowSender(sim)

    async def api(request: Request) -> Response:
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        return await _dispatch(sim, router, request, path)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await sender.close()

    async def admin_error(request: Request, exc: Exception) -> Response:
        status = exc.status if isinstance(exc, AdminError) else 500
        return JSONResponse({"error": str(exc)}, status_code=status)

    app = Starlette(
        routes=[
            Route("/", page, methods=["GET"]),
            Mount("/_sim", routes=admin_routes()),
            Route("/{rest:path}", api, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ],
        lifespan=lifespan,
        exception_handlers={AdminError: admin_error},
    )
    app.state.simulation = sim
    app.state.workflows = sender
    return app


async def _dispatch(sim: Simulation, router: Router, request: Request, path: str) -> Response:
    operation = "unknown"
    hub_id: int | None = None
    kind: str | None = None
    headers: dict[str, str] = {}
    plan = plan_for(sim.faults, sim.script, sim.rng)
    try:
        matched = router.match(request.method, path)
        if matched is None:
            raise ApiError(404, "OBJECT_NOT_FOUND", f"No HubSpot API at {request.method} {path}.")
        route, params = matched
        operation = route.operation_id
        header = request.headers.get("authorization", "")
        value = header[7:].strip() if header.lower().startswith("bearer ") else None
        account, token = sim.check_token(value)
        hub_id = account.hub_id
        missing = missing_scopes(operation, token.scopes)
        if missing:
            raise ApiError(
                403,
                "MISSING_SCOPES",
                "This app hasn't been granted all required scopes to make this call. Read more "
                "about required scopes here: https://developers.hubspot.com/scopes.",
                context={"missingScopes": missing},
                errors=[
                    {
                        "message": "One or more of the following scopes are required.",
                        "context": {"requiredScopes": missing},
                    }
                ],
            )
        headers = sim.limits.admit(account, search=route.search, now=sim.clock.now())
        if plan.latency_s:
            await asyncio.sleep(plan.latency_s)
        if plan.drop == "before":
            sim.stats.dropped["before"] += 1
            return DroppedConnection()
        if plan.error is not None:
            sim.stats.record(operation, plan.error.status_code, hub_id, None)
            return plan.error
        if plan.rate_limited is not None:
            raise plan.rate_limited
        call = Call(
            sim=sim,
            request=request,
            account=account,
            token=token,
            operation_id=operation,
            params=params,
        )
        response = await route.handler(call)
    except ApiError as error:
        response = error.response()
        kind = error.kind
        for name, value_ in headers.items():
            response.headers.setdefault(name, value_)
    else:
        for name, value_ in headers.items():
            response.headers[name] = value_
    sim.stats.record(operation, response.status_code, hub_id, kind)
    if plan.drop == "after":
        sim.stats.dropped["after"] += 1
        return DroppedConnection()
    return response
