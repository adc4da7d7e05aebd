"""`POST /webhooks/zoom/{connection_id}`: Zoom's webhook deliveries for one connection.

No API token: Zoom's signature (HMAC of the body with the connection's webhook secret token,
and a fresh timestamp) is the authentication. The route makes no Zoom call and one small
insert, then answers 200 at once (Zoom wants an answer within 3 s); the worker applies events.
Nothing is stored for a refused delivery.

The connection is read without the write lock (SQLite: a deferred transaction) and the
signature checked before any write; only the insert itself runs in a short write transaction.
On SQLite, where writers take turns for one lock, holding it for the insert alone (not for the
whole request) is what keeps answer times low in a storm of deliveries.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from zoombridge.connections.models import ZoomConnection
from zoombridge.db.engine import sqlite_read_only
from zoombridge.engine.inbox import dedupe_key
from zoombridge.engine.models import InboundWebhook
from zoombridge.kit.http import read_webhook_body, refuse_deep_json, sessionmaker_of
from zoombridge.zoom.webhooks import (
    WebhookVerificationError,
    url_validation_response,
    verify_signature,
)

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 1024 * 1024


@router.post(
    "/webhooks/zoom/{connection_id}",
    summary="Receive a Zoom webhook event (signed by Zoom; no API token)",
    responses={
        200: {"description": "Stored (or a duplicate), or the URL-validation answer."},
        400: {"description": "Not a JSON webhook event (or one nested too deeply)."},
        401: {"description": "Missing, wrong or stale signature."},
        404: {"description": "No such connection, or it has no webhook secret token."},
        413: {"description": "Body over 1 MiB."},
    },
)
async def receive_zoom_webhook(connection_id: str, request: Request) -> JSONResponse:
    body = await read_webhook_body(request, MAX_BODY_BYTES, "1 MiB")
    try:
        cid = uuid.UUID(connection_id)
    except ValueError:
        raise HTTPException(404, "No Zoom connection has this id.") from None
    maker = sessionmaker_of(request)
    with sqlite_read_only():
        async with maker() as reader:
            connection = await reader.get(ZoomConnection, cid)
    if connection is None:
        raise HTTPException(404, "No Zoom connection has this id.")
    if connection.webhook_secret_token is None:
        raise HTTPException(
            404,
            "This Zoom connection has no webhook secret token: add the one shown for the "
            "app's event subscription in the Zoom App Marketplace.",
        )
    secret = connection.webhook_secret_token.get_secret_value()
    try:
        verify_signature(secret, dict(request.headers), body)
    except WebhookVerificationError as exc:
        raise HTTPException(401, str(exc)) from None
    refuse_deep_json(request, body)
    try:
        event: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise HTTPException(400, "The body is not JSON.") from None
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise HTTPException(400, "The body is not a Zoom webhook event (no `event`).")
    payload = event.get("payload")
    if event["event"] == "endpoint.url_validation":
        plain = payload.get("plainToken") if isinstance(payload, dict) else None
        if not isinstance(plain, str) or not plain:
            raise HTTPException(400, "URL validation without a plainToken.")
        return JSONResponse(url_validation_response(secret, plain))
    raw_ts = event.get("event_ts") or 0
    # A whole number a BIGINT holds (milliseconds since 1970); booleans are not numbers here.
    if isinstance(raw_ts, bool) or not isinstance(raw_ts, int | str):
        raise HTTPException(400, "event_ts is not a whole number.")
    try:
        event_ts = int(raw_ts)
    except ValueError:
        raise HTTPException(400, "event_ts is not a whole number.") from None
    if not 0 <= event_ts < 2**63:
        raise HTTPException(400, "event_ts is out of range.")
    key = dedupe_key(event)
    row = InboundWebhook(
        connection_id=cid,
        event=event["event"][:100],
        event_ts=event_ts,
        dedupe_key=key,
        payload=event,
    )
    try:
        # Committed before the answer: a 200 means the event is stored.
        async with maker() as writer, writer.begin():
            known = await writer.scalar(
                select(InboundWebhook.id).where(InboundWebhook.dedupe_key == key)
            )
            if known is not None:
                return JSONResponse({"status": "duplicate"})
            writer.add(row)
    except IntegrityError:  # the same delivery arriving twice at once
        return JSONResponse({"status": "duplicate"})
    return JSONResponse({"status": "stored"})
