"""The door every HTTP request passes before any route, dependency or database call.

- **Size.** A body larger than `max_body_bytes` (the CSV import: `max_csv_import_bytes`) is
  answered 413 as soon as that is known: from Content-Length before reading anything, else
  while counting the chunks, without reading the rest.
- **Depth.** A JSON body nesting deeper than `max_json_depth` is refused (422) before it is
  parsed (kit.json_depth).
- **Bad bytes.** The path, the query string, header values and every text of a JSON body, a
  form or the CSV upload are checked for control characters other than tab, CR and LF and for
  lone surrogates: refused with 422 naming the field. Such values are never text anyone means,
  PostgreSQL refuses NUL outright (a 500, before), and SQLite would store them into exports.
- **Authentication first.** On `/api/` a refused request is first checked for a live API token:
  without one the answer is 401, so a caller who has not authenticated learns nothing about
  what the body should look like.

The Zoom webhook receiver is left to itself: it checks Zoom's signature over the exact bytes,
with its own 1 MiB limit and depth check, reads the connection id as a UUID (404 otherwise) and
stores nothing it has not verified.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, UploadFile
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zoombridge.accounts.deps import api_caller_is_authenticated
from zoombridge.db.trouble import database_trouble
from zoombridge.errors import FieldProblem
from zoombridge.kit.json_depth import as_utf8, json_too_deep
from zoombridge.kit.text import forbidden_character
from zoombridge.settings import Settings
from zoombridge.web import problems

log = logging.getLogger(__name__)

# The one route that takes a larger body: a CSV of up to 10,000 attendees.
_CSV_IMPORT = re.compile(r"/api/v1/events/[^/]+/attendees\.csv")
_OWN_BODY = ("/webhooks/",)
# A fast look for anything the precise check (parse, then walk) must look at: raw control
# bytes, C1 controls and surrogates in UTF-8, and their \\u escapes (false alarms only cost the
# precise check).
_SUSPECT_JSON = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xed[\xa0-\xbf]"
    rb"|\\u(?:00[01]|00[89]|007[fF]|[dD][89a-fA-F])"
)


_HEADER_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_FORBIDDEN_IN_NAME = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class Refusal:
    status: int
    field: str
    message: str


def _named(field: str) -> str:
    return _FORBIDDEN_IN_NAME.sub("?", field)[:200] or "?"


def _text_problem(field: str, value: str) -> Refusal | None:
    found = forbidden_character(value)
    if found is None:
        return None
    return Refusal(422, _named(field), f"contains {found[1]}; remove it and try again")


def _pairs_problem(pairs: list[tuple[str, str]], prefix: str = "") -> Refusal | None:
    for name, value in pairs:
        problem = _text_problem(prefix + name, name) or _text_problem(prefix + name, value)
        if problem is not None:
            return problem
    return None


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every text in a parsed JSON value with its field name (keys too), e.g. attendees[2].email."""
    if isinstance(value, str):
        yield path or "body", value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield name, str(key)
            yield from _walk(item, name)


def _json_problem(raw: bytes, max_depth: int) -> Refusal | None:
    if json_too_deep(raw, max_depth):
        return Refusal(422, "body", f"nests deeper than {max_depth} levels; flatten it")
    text = as_utf8(raw)
    if _SUSPECT_JSON.search(text) is None:
        return None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return None  # malformed: the route's own parsing says so
    for field, value in _walk(parsed, ""):
        problem = _text_problem(field, value)
        if problem is not None:
            return problem
    return None


def _csv_problem(raw: bytes) -> Refusal | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None  # the import route explains which encoding to save in
    found = forbidden_character(text)
    if found is None:
        return None
    line = text.count("\n", 0, found[0]) + 1
    return Refusal(422, "file", f"line {line} contains {found[1]}; remove it and try again")


async def _form_problem(scope: Scope, raw: bytes, content_type: str) -> Refusal | None:
    if content_type.startswith("application/x-www-form-urlencoded"):
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, errors="replace")
        return _pairs_problem(pairs)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    try:
        form = await Request(scope, replay).form()
    except Exception:  # malformed multipart: the route's own parsing says so
        return None
    try:
        pairs = [(k, v) for k, v in form.multi_items() if not isinstance(v, UploadFile)]
        return _pairs_problem([(k, v) for k, v in pairs if isinstance(v, str)])
    finally:
        await form.close()


def _is_json(content_type: str) -> bool:
    # FastAPI's rule (strict content type): application/json or application/*+json.
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


class RequestGuard:
    """The ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def _limit(self, path: str) -> int:
        if _CSV_IMPORT.fullmatch(path):
            return self.settings.max_csv_import_bytes
        return self.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = Headers(scope=scope)
        if path.startswith(_OWN_BODY):
            # The receiver reads the id as a UUID (404 otherwise) and the body as signed bytes.
            await self.app(scope, receive, send)
            return
        refusal = _text_problem("path", path) or self._head_problem(scope, headers)
        if refusal is None and _has_body(headers):
            limit = self._limit(path)
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                await self._answer(scope, send, Refusal(413, "body", _too_large(limit)))
                return
            raw = await _read(receive, limit)
            if raw is None:
                await self._answer(scope, send, Refusal(413, "body", _too_large(limit)))
                return
            refusal = await self._body_problem(scope, path, headers, raw)
            receive = _replaying(raw, receive)
        if refusal is not None:
            await self._answer(scope, send, refusal)
            return
        await self.app(scope, receive, send)

    def _head_problem(self, scope: Scope, headers: Headers) -> Refusal | None:
        query = scope.get("query_string", b"").decode("latin-1")
        pairs = parse_qsl(query, keep_blank_values=True, errors="replace")
        problem = _pairs_problem(pairs)
        if problem is not None:
            return problem
        # Header values are bytes (often UTF-8 read as Latin-1): only C0 controls and DEL are
        # wrong in any reading. HTTP servers refuse most of them already.
        for name, value in headers.items():
            found = _HEADER_CONTROL.search(value)
            if found is not None:
                described = f"a control character (U+{ord(found.group()):04X})"
                return Refusal(422, f"header {name}", f"contains {described}; remove it")
        return None

    async def _body_problem(
        self, scope: Scope, path: str, headers: Headers, raw: bytes
    ) -> Refusal | None:
        content_type = headers.get("content-type", "")
        if _CSV_IMPORT.fullmatch(path) and scope["method"] == "POST":
            return _csv_problem(raw)  # read as text whatever its content type
        if _is_json(content_type):
            return _json_problem(raw, self.settings.max_json_depth)
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            return await _form_problem(scope, raw, content_type)
        return None  # not parsed by any route: nothing to check

    async def _answer(self, scope: Scope, send: Send, refusal: Refusal) -> None:
        response = await self._response(scope, refusal)

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, nothing, send)

    async def _response(self, scope: Scope, refusal: Refusal) -> Response:
        path: str = scope["path"]
        if problems.is_api(path):
            try:
                if not await api_caller_is_authenticated(HTTPConnection(scope)):
                    return problems.unauthenticated()
            except Exception as exc:
                trouble = database_trouble(exc)
                if trouble is None:
                    raise
                return problems.unavailable(path, trouble)
        if refusal.status == 413:
            detail = refusal.message
            if problems.is_api(path):
                return problems.problem(413, "too_large", detail)
            return HTMLResponse(_page("Too large", detail), status_code=413)
        detail = f"The field “{refusal.field}” {refusal.message}."
        if problems.is_api(path):
            return problems.problem(
                422,
                "invalid_input",
                "The request has invalid fields.",
                [FieldProblem(refusal.field, refusal.message)],
            )
        return HTMLResponse(_page("Not accepted", detail), status_code=422)


def _page(title: str, detail: str) -> str:
    return (
        f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(detail)}</p><p>Go back, correct it and send the form again.</p>"
    )


def _too_large(limit: int) -> str:
    return f"The body is larger than {limit:,} bytes, the most this request may send."


def _has_body(headers: Headers) -> bool:
    declared = headers.get("content-length")
    if declared is not None:
        return declared.strip() != "0"
    return "chunked" in headers.get("transfer-encoding", "").lower()


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: the app sees an empty body and the disconnect
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(raw: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, then the client's own messages
    (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return replay
