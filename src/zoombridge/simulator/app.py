"""The simulator's ASGI app: Zoom paths (`/v2/...`, `/oauth/token`) and admin paths (`/_sim`).

Every Zoom call goes through the same steps, in Zoom's order: injected faults, token, scopes,
per-account rate limits, then the operation; answers carry `X-RateLimit-*` headers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from zoombridge.simulator import (
    meetings,
    panelists,
    recordings,
    registrants,
    reports,
    user_settings,
    users,
)
from zoombridge.simulator.admin import AdminError, admin_routes
from zoombridge.simulator.auth import issue_token
from zoombridge.simulator.config import SimulatorConfig
from zoombridge.simulator.errors import ZoomError
from zoombridge.simulator.faults import DroppedConnection, plan_for, spurious_429
from zoombridge.simulator.lifecycle import LifecycleError
from zoombridge.simulator.ratelimit import ROUTE_CATEGORY, WINDOWS
from zoombridge.simulator.routing import Call, Handler, ZoomRouter
from zoombridge.simulator.runtime import Simulation
from zoombridge.simulator.scopes import missing_scopes

API_PREFIX = "/v2"


def build_router() -> ZoomRouter:
    router = ZoomRouter()
    add = router.add
    add("GET", "/users", "users", users.list_users)
    add("GET", "/users/{userId}", "user", users.get_user)
    add("GET", "/users/{userId}/settings", "userSettings", user_settings.user_settings)
    for kind, plural, key in (
        ("meeting", "meetings", "meetingId"),
        ("webinar", "webinars", "webinarId"),
    ):

        def bind(function: Callable[..., Awaitable[Response]], kind: str = kind) -> Handler:
            return partial(function, kind=kind)

        add("POST", f"/users/{{userId}}/{plural}", f"{kind}Create", bind(meetings.create))
        add("GET", f"/users/{{userId}}/{plural}", plural, bind(meetings.list_meetings))
        add("GET", f"/{plural}/{{{key}}}", kind, _renamed(bind(meetings.get), key))
        add("PATCH", f"/{plural}/{{{key}}}", f"{kind}Update", _renamed(bind(meetings.update), key))
        add("DELETE", f"/{plural}/{{{key}}}", f"{kind}Delete", _renamed(bind(meetings.delete), key))
        base = f"/{plural}/{{{key}}}"
        add(
            "POST",
            base + "/registrants",
            f"{kind}RegistrantCreate",
            _renamed(bind(registrants.add), key),
        )
        add(
            "GET",
            base + "/registrants",
            f"{kind}Registrants",
            _renamed(bind(registrants.list_registrants), key),
        )
        add(
            "PUT",
            base + "/registrants/status",
            f"{kind}RegistrantStatus",
            _renamed(bind(registrants.update_status), key),
        )
        add(
            "GET",
            base + "/registrants/{registrantId}",
            f"{kind}RegistrantGet",
            _renamed(bind(registrants.get_registrant), key),
        )
        delete_op = "meetingregistrantdelete" if kind == "meeting" else "deleteWebinarRegistrant"
        add(
            "DELETE",
            base + "/registrants/{registrantId}",
            delete_op,
            _renamed(bind(registrants.delete_registrant), key),
        )
        batch_op = "addBatchRegistrants" if kind == "meeting" else "addBatchWebinarRegistrants"
        add("POST", base + "/batch_registrants", batch_op, _renamed(bind(registrants.batch), key))
    add(
        "GET",
        "/past_meetings/{meetingId}/instances",
        "pastMeetings",
        partial(reports.past_instances, kind="meeting"),
    )
    add("GET", "/past_meetings/{meetingId}", "pastMeetingDetails", reports.past_meeting_details)
    add(
        "GET",
        "/past_meetings/{meetingId}/participants",
        "pastMeetingParticipants",
        partial(reports.past_participants, kind="meeting"),
    )
    add(
        "GET",
        "/past_webinars/{webinarId}/instances",
        "pastWebinars",
        partial(reports.past_instances, kind="webinar"),
    )
    add(
        "GET",
        "/past_webinars/{webinarId}/participants",
        "listWebinarParticipants",
        partial(reports.past_participants, kind="webinar"),
    )
    add("GET", "/past_webinars/{webinarId}/absentees", "webinarAbsentees", reports.absentees)
    add(
        "GET",
        "/report/meetings/{meetingId}/participants",
        "reportMeetingParticipants",
        partial(reports.report_participants, kind="meeting"),
    )
    add(
        "GET",
        "/report/webinars/{webinarId}/participants",
        "reportWebinarParticipants",
        partial(reports.report_participants, kind="webinar"),
    )
    add("GET", "/meetings/{meetingId}/recordings", "recordingGet", recordings.get_recordings)
    add("GET", "/webinars/{webinarId}/panelists", "webinarPanelists", panelists.list_panelists)
    add("POST", "/webinars/{webinarId}/panelists", "webinarPanelistCreate", panelists.add_panelists)
    questions = "/webinars/{webinarId}/registrants/questions"
    add("GET", questions, "webinarRegistrantsQuestionsGet", panelists.get_questions)
    add("PATCH", questions, "webinarRegistrantQuestionUpdate", panelists.update_questions)
    return router


def _renamed(handler: Handler, key: str) -> Handler:
    """Webinar paths name the id `webinarId`; handlers read it as `meetingId`."""

    async def call(c: Call) -> Response:
        if key != "meetingId":
            c.params["meetingId"] = c.params.pop(key)
        return await handler(c)

    return call


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    sim = Simulation(config)
    router = build_router()

    async def zoom_api(request: Request) -> Response:
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        return await _dispatch(sim, router, request, path.removeprefix(API_PREFIX))

    async def oauth_token(request: Request) -> Response:
        plan = plan_for(sim.faults, sim.rng)
        if plan.latency_s:
            await asyncio.sleep(plan.latency_s)
        if plan.drop == "before":
            sim.stats.dropped["before"] += 1
            return DroppedConnection()
        if plan.error is not None:
            sim.stats.record("oauth.token", plan.error.status_code, None, None)
            return plan.error
        response, account_id = await issue_token(sim, request)
        sim.stats.record("oauth.token", response.status_code, account_id, None)
        if plan.drop == "after":
            sim.stats.dropped["after"] += 1
            return DroppedConnection()
        return response

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await sim.webhooks.close()

    async def admin_error(request: Request, exc: Exception) -> Response:
        status = exc.status if isinstance(exc, AdminError | LifecycleError) else 500
        return JSONResponse({"error": str(exc)}, status_code=status)

    app = Starlette(
        routes=[
            Route("/oauth/token", oauth_token, methods=["POST"]),
            Route(
                API_PREFIX + "/{rest:path}",
                zoom_api,
                methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            ),
            Mount("/_sim", routes=admin_routes()),
        ],
        lifespan=lifespan,
        exception_handlers={AdminError: admin_error, LifecycleError: admin_error},
    )
    app.state.simulation = sim
    return app


async def _dispatch(sim: Simulation, router: ZoomRouter, request: Request, path: str) -> Response:
    plan = plan_for(sim.faults, sim.rng)
    if plan.latency_s:
        await asyncio.sleep(plan.latency_s)
    route_name = "unknown"
    account_id: str | None = None
    limit_kind: str | None = None
    rate_headers: dict[str, str] = {}
    try:
        matched = router.match(request.method, path)
        if matched is None:
            raise ZoomError(404, 404, f"No Zoom API operation at {request.method} /v2{path}.")
        route, params = matched
        route_name = route.operation_id
        if plan.drop == "before":
            sim.stats.dropped["before"] += 1
            return DroppedConnection()
        if plan.error is not None:
            sim.stats.record(route_name, plan.error.status_code, None, None)
            return plan.error
        header = request.headers.get("authorization", "")
        token_value = header[7:].strip() if header.lower().startswith("bearer ") else None
        account, token = sim.check_token(token_value)
        account_id = account.id
        missing = missing_scopes(route.operation_id, token.scopes)
        if missing:
            raise ZoomError(
                400,
                4711,
                f"Invalid access token, does not contain scopes:[{', '.join(missing)}].",
            )
        if plan.spurious_429:
            category = ROUTE_CATEGORY.get(route.operation_id, "Light")
            raise spurious_429(category, WINDOWS[account.plan][category][0])
        rate_headers = sim.limiter.check_account(
            account.id, account.plan, route.operation_id, sim.clock.now(), account.rate_limits
        )
        call = Call(
            sim=sim,
            request=request,
            account=account,
            operation_id=route.operation_id,
            params=params,
            query=dict(request.query_params),
        )
        call.check_query()
        response = await route.handler(call)
    except ZoomError as error:
        response = error.response()
        limit_kind = error.kind
        for name, value in rate_headers.items():
            response.headers.setdefault(name, value)
    else:
        for name, value in rate_headers.items():
            response.headers[name] = value
    sim.stats.record(route_name, response.status_code, account_id, limit_kind)
    if plan.drop == "after":
        sim.stats.dropped["after"] += 1
        return DroppedConnection()
    return response
