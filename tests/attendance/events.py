"""Signed Zoom participant events as the tests send them."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from tests.sync.conftest import WEBHOOK_SECRET
from zoombridge.zoom.webhooks import sign


def zoom_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def participant_event(
    kind: str,
    meeting_id: int,
    instance: str,
    *,
    email: str,
    name: str,
    connection: str,
    at: datetime,
    participant_uuid: str = "",
    event_ts: int | None = None,
) -> dict[str, Any]:
    """meeting/webinar.participant_joined (kind "joined") or _left (kind "left")."""
    person: dict[str, Any] = {
        "user_id": connection,
        "user_name": name,
        "id": "",
        "participant_uuid": participant_uuid or f"uuid-{email or name}",
        "email": email,
    }
    person["join_time" if kind == "joined" else "leave_time"] = zoom_time(at)
    return {
        "event": f"webinar.participant_{kind}",
        "event_ts": event_ts if event_ts is not None else int(at.timestamp() * 1000),
        "payload": {
            "account_id": "sim-account",
            "object": {"id": str(meeting_id), "uuid": instance, "participant": person},
        },
    }


def ended_event(meeting_id: int, instance: str) -> dict[str, Any]:
    return {
        "event": "webinar.ended",
        "event_ts": int(time.time() * 1000),
        "payload": {
            "account_id": "sim-account",
            "object": {"id": str(meeting_id), "uuid": instance},
        },
    }


def signed(body: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    return raw, {
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": sign(secret, stamp, raw),
        "content-type": "application/json",
    }
