"""`POST` (or `GET`) `/webhooks/hubspot/{connection_id}/register`: HubSpot's "Send a webhook"
workflow action registers the enrolled contact to a webinar (H9, as HubSpot does it).

No API token: the connection's private app signs the request (HubSpot's v3 signature, checked
with the app's client secret, timestamps older than 5 minutes refused) or carries the API key
configured on the connection (a header or query parameter). The body is the enrolled contact's
properties (HubSpot's object shape, or chosen properties as top-level keys); the webinar id is
`?webinar_id=` in the URL (a fixed value), else the configured field of the body or of the
contact's properties.

The call is stored and answered at once; the registration is a contacts register request the
worker sends to Zoom. HubSpot retries every answer but a 4xx (429 excepted), so: 4xx only for
what can never succeed (refused signature, missing email, unknown webinar, the host's own
email — the seed's message), each stored with its reason; 429 with `Retry-After` (ms) when the
database is busy, 5xx when it is away: HubSpot tries again later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from zoombridge.contacts.models import RequestOrigin
from zoombridge.contacts.schemas import RegisterPersonIn
from zoombridge.contacts.service import register
from zoombridge.db.base import utc_now
from zoombridge.errors import DomainError
from zoombridge.hubspot_sync.models import HubSpotConnection, HubSpotWorkflowCall, WorkflowOutcome
from zoombridge.kit.http import SessionDep, read_webhook_body, refuse_deep_json

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 64 * 1024
MAX_AGE_MS = 5 * 60 * 1000
SIGNATURE = "X-HubSpot-Signature-v3"
TIMESTAMP = "X-HubSpot-Request-Timestamp"
BUSY_RETRY_AFTER_MS = 5000


def signature_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    message = method.upper().encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def _refuse(status: int, message: str) -> HTTPException:
    return HTTPException(status, message)


def authenticate(row: HubSpotConnection, request: Request, body: bytes) -> None:
    """Raise 401 unless the request is signed by the app or carries the configured API key."""
    if row.workflow_app_secret is not None and request.headers.get(SIGNATURE):
        stamp = request.headers.get(TIMESTAMP, "")
        if not stamp.isdigit():
            raise _refuse(401, f"The {TIMESTAMP} header is missing or not a number.")
        if abs(time.time() * 1000 - int(stamp)) > MAX_AGE_MS:
            raise _refuse(401, "The request's timestamp is older than 5 minutes: refused.")
        expected = signature_v3(
            row.workflow_app_secret.get_secret_value(),
            request.method,
            str(request.url),
            body,
            stamp,
        )
        if not hmac.compare_digest(expected, request.headers.get(SIGNATURE, "")):
            raise _refuse(401, "The HubSpot signature does not match this connection's app.")
        return
    if row.workflow_api_key is not None and row.workflow_api_key_name:
        name = row.workflow_api_key_name
        given = request.headers.get(name) or request.query_params.get(name) or ""
        if given and hmac.compare_digest(
            given.encode(), row.workflow_api_key.get_secret_value().encode()
        ):
            return
        raise _refuse(401, f"Send the API key configured in zoombridge as {name}.")
    raise _refuse(
        401,
        "Sign the request (the private app's client secret set on the HubSpot connection in "
        "zoombridge) or send the API key configured there.",
    )


def _values(request: Request, body: bytes) -> dict[str, Any]:
    if request.method == "GET" or not body:
        return dict(request.query_params)
    try:
        parsed = json.loads(body)
    except ValueError:
        raise _refuse(400, "The body is not JSON.") from None
    if not isinstance(parsed, dict):
        raise _refuse(400, "The body is not a JSON object.")
    return parsed


def _field(values: dict[str, Any], name: str) -> str:
    """A top-level value (a chosen property or a fixed field), else the contact's property."""
    raw = values.get(name)
    if raw is None and isinstance(values.get("properties"), dict):
        raw = values["properties"].get(name)
    return "" if raw is None else str(raw).strip()


_PATH = "/webhooks/hubspot/{connection_id}/register"
_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Stored: the worker registers the contact in Zoom."},
    400: {"description": "Never succeeds: no email, unknown webinar, the webinar's host."},
    401: {"description": "Missing or wrong signature or API key, or a stale timestamp."},
    404: {"description": "No such HubSpot connection."},
    429: {"description": "Busy: HubSpot retries after Retry-After (milliseconds)."},
}


@router.post(
    _PATH,
    summary="HubSpot workflow: register the enrolled contact to a webinar (signed; no API token)",
    responses=_ANSWERS,
)
async def receive_hubspot_workflow(
    connection_id: uuid.UUID, request: Request, session: SessionDep
) -> JSONResponse:
    return await _receive(connection_id, request, session)


@router.get(
    _PATH,
    summary="HubSpot workflow sent as GET: the contact's values in the query string",
    responses=_ANSWERS,
)
async def receive_hubspot_workflow_get(
    connection_id: uuid.UUID, request: Request, session: SessionDep
) -> JSONResponse:
    return await _receive(connection_id, request, session)


async def _receive(connection_id: uuid.UUID, request: Request, session: SessionDep) -> JSONResponse:
    body = await read_webhook_body(request, MAX_BODY_BYTES, "64 KiB")
    row = await session.get(HubSpotConnection, connection_id)
    if row is None:
        raise _refuse(404, "No HubSpot connection has this id.")
    authenticate(row, request, body)
    refuse_deep_json(request, body)
    values = _values(request, body)
    email = _field(values, "email").lower()
    raw_webinar = request.query_params.get("webinar_id") or _field(
        values, row.workflow_webinar_field
    )
    cleaned = raw_webinar.replace(" ", "").replace("-", "")
    webinar_id = int(cleaned) if cleaned.isdigit() and len(cleaned) <= 18 else None
    call = HubSpotWorkflowCall(
        hubspot_connection_id=row.id,
        received_at=utc_now(),
        hubspot_object_id=str(values.get("objectId") or values.get("hs_object_id") or "")[:32]
        or None,
        email=email[:255],
        zoom_webinar_id=webinar_id,
    )
    message = _never(email, raw_webinar, webinar_id, row.workflow_webinar_field)
    request_id: uuid.UUID | None = None
    if message is None:
        try:
            person = RegisterPersonIn(
                email=email,
                first_name=_field(values, "firstname")[:64],
                last_name=_field(values, "lastname")[:64],
                webinar_id=webinar_id,
            )
            # It checks everything before it writes anything: a refusal leaves nothing behind.
            made = await register.register_person(
                session, person, utc_now(), origin=RequestOrigin.AUTOMATION
            )
            request_id = made.id
        except ValidationError as exc:
            message = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        except DomainError as exc:
            message = "; ".join(p.message for p in exc.field_errors) or exc.detail
        except OperationalError as exc:
            if "locked" not in str(exc.orig):
                raise
            # SQLite busy: HubSpot retries a 429 after Retry-After, in milliseconds.
            return JSONResponse(
                {"status": "busy", "message": "zoombridge is busy; try again shortly."},
                status_code=429,
                headers={"Retry-After": str(BUSY_RETRY_AFTER_MS)},
            )
    if message is not None:
        call.outcome, call.status_code, call.message = WorkflowOutcome.REFUSED, 400, message
        session.add(call)
        return JSONResponse({"status": "refused", "message": message}, status_code=400)
    call.outcome, call.status_code = WorkflowOutcome.ACCEPTED, 200
    call.register_request_id = request_id
    call.message = "registration requested"
    session.add(call)
    return JSONResponse(
        {"status": "accepted", "register_request_id": str(request_id)}, status_code=200
    )


def _never(email: str, raw_webinar: str, webinar_id: int | None, field: str) -> str | None:
    """Why the call can never succeed, before looking anything up."""
    if not email:
        return "The enrolled contact has no email: it cannot be registered."
    if not raw_webinar:
        return f"No webinar id: add webinar_id to the URL or include the contact property {field}."
    if webinar_id is None:
        return f"{raw_webinar!r} is not a Zoom webinar id."
    return None
