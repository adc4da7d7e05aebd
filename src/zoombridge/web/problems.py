"""Errors as RFC 9457 problem details: status, code, title, detail and field errors.

Never a stack trace: unexpected errors are logged server-side and answered with a plain 500; a
database in trouble (locked past the busy timeout, away, read-only, full) is answered 503 with
`Retry-After` and a plain sentence, on the API as a problem and on UI pages as text.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from zoombridge.accounts.deps import UNAUTHENTICATED, api_caller_is_authenticated
from zoombridge.db.trouble import DatabaseTrouble, database_trouble
from zoombridge.errors import DomainError, FieldProblem
from zoombridge.kit.text import field_name, readable
from zoombridge.web.error_pages import error_page, wants_html

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    code: str,
    detail: str,
    field_errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://zoombridge.invalid/problems/{code}",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "code": code,
        "detail": detail,
        "errors": [{"field": e.field, "message": e.message} for e in field_errors or []],
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _request_field(location: tuple[int | str, ...]) -> str:
    # ("body", "attendees", 0, "email") -> "attendees[0].email". Only the first part says
    # where (a field may itself be called "body").
    where = ("body", "query", "path", "header")
    return field_name(location[1:] if location and location[0] in where else location) or "request"


# The error answers every operation may give, documented once for all routers: the problem
# details the handlers below produce (FastAPI would otherwise document only its own 422 shape).
_PROBLEM_ANSWERS = {
    "400": "Bad request (e.g. a malformed body)",
    "401": "Missing, wrong or revoked credentials",
    "404": "Something the request names does not exist",
    "409": "The current state refuses the request (e.g. capacity, a duplicate, an overlap)",
    "413": "The body is too large",
    "422": "Invalid fields; `errors` names each one",
    "503": "The database is busy or unavailable; try again after `Retry-After` seconds",
}
_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "code", "detail", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def _document_problems(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
        content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, description in _PROBLEM_ANSWERS.items():
                    responses[status] = {"description": description, "content": content}
        schema["components"]["schemas"].pop("HTTPValidationError", None)
        schema["components"]["schemas"].pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


# How long a client should wait before trying again, by kind of trouble: a lock passes in
# seconds, a restarting server in tens of seconds, a full disk or a read-only database needs a
# person.
RETRY_AFTER_S = {"busy": 5, "unreachable": 15, "read_only": 60, "full": 60}
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def unavailable(path: str, trouble: DatabaseTrouble) -> Response:
    """The 503 for `trouble`: a problem on the API, a sentence on UI pages."""
    headers = {"Retry-After": str(RETRY_AFTER_S[trouble.kind])}
    detail = f"{trouble.message} Nothing was changed; try again in a little while."
    if is_api(path) or path.startswith("/webhooks/"):
        return problem(503, "database_unavailable", detail, headers=headers)
    return error_page(503, detail, headers=headers)


def unauthenticated() -> JSONResponse:
    return problem(401, "unauthorized", UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (a 405's `Allow`); Starlette names only the
    first route's, and GET and POST of one path are often two routes."""
    found = []
    for method in _METHODS:
        probe = {
            "type": "http",
            "path": request.url.path,
            "root_path": request.scope.get("root_path", ""),
            "method": method,
            "headers": [],
        }
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            found.append(method)
    return found


def install(app: FastAPI) -> None:
    _document_problems(app)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.detail, exc.field_errors)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI decodes a JSON body before any dependency runs: on the API an unauthenticated
        # caller learns nothing about the body's shape, only that it must authenticate.
        if is_api(request.url.path) and not await api_caller_is_authenticated(request):
            return unauthenticated()
        errors = [
            FieldProblem(_request_field(tuple(e.get("loc", ()))), readable(e)) for e in exc.errors()
        ]
        return problem(422, "invalid_input", "The request has invalid fields.", errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {
            400: "bad_request",
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        if (
            exc.status_code == 400
            and is_api(request.url.path)
            and not await api_caller_is_authenticated(request)
        ):
            return unauthenticated()  # a body FastAPI could not parse, sent without a token
        status = exc.status_code
        if wants_html(request) and status in (404, 405):
            detail = (
                "There is no page at this address: it may have moved, or the link is mistyped."
                if status == 404
                else str(exc.detail)
            )
            return error_page(status, detail, headers=headers)
        return problem(status, code.get(status, "http_error"), str(exc.detail), headers=headers)

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError) -> Response:
        trouble = database_trouble(exc)
        if trouble is None:
            return await unexpected(request, exc)
        # One line, no traceback: the state of the database, not a bug (and never its SQL).
        log.warning(
            "database unavailable (%s) on %s %s", trouble.kind, request.method, request.url.path
        )
        return unavailable(request.url.path, trouble)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        detail = "Something went wrong on our side; it is logged."
        if wants_html(request):
            return error_page(500, detail + " Try again, or go back.")
        return problem(500, "internal_error", detail)
