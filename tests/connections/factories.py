"""Valid Zoom connections for tests; override only what a test is about."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from zoombridge.connections.models import ZoomConnection, ZoomPlan

CLIENT_SECRET = "s3cr3t-Client-Value-9f8e7d"
WEBHOOK_SECRET_TOKEN = "whk-Token-Value-1a2b3c"


def make_connection(**overrides: Any) -> ZoomConnection:
    fields: dict[str, Any] = {
        "name": "Main account",
        "account_id": "AbCdEfGhIjKlMnOp",
        "client_id": "client-id-123",
        "client_secret": SecretStr(CLIENT_SECRET),
        "webhook_secret_token": SecretStr(WEBHOOK_SECRET_TOKEN),
        "plan": ZoomPlan.BUSINESS,
        "webinar_addon": True,
    }
    fields.update(overrides)
    return ZoomConnection(**fields)
