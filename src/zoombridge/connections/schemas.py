"""What the API and CLI accept and return for Zoom connections.

The read model never carries a secret, only whether one is set.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, StringConstraints

from zoombridge.connections.models import ZoomConnection, ZoomPlan


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL such as https://api.zoom.us/v2")
    return value.rstrip("/")


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
HttpUrlText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=255), AfterValidator(_http_url)
]
Secret = Annotated[SecretStr, Field(min_length=1, max_length=1024)]


class ZoomConnectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    account_id: Identifier
    client_id: Identifier
    client_secret: Secret
    webhook_secret_token: Secret | None = None
    plan: ZoomPlan = ZoomPlan.PRO
    webinar_addon: bool = False
    api_url: HttpUrlText | None = Field(default=None, description="null: the settings default")
    oauth_url: HttpUrlText | None = Field(default=None, description="null: the settings default")

    def to_model(self) -> ZoomConnection:
        return ZoomConnection(**self.model_dump())


class ZoomConnectionUpdate(BaseModel):
    """Only the fields sent are changed; `webhook_secret_token: null` removes the token."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    account_id: Identifier | None = None
    client_id: Identifier | None = None
    client_secret: Secret | None = None
    webhook_secret_token: Secret | None = None
    plan: ZoomPlan | None = None
    webinar_addon: bool | None = None
    api_url: HttpUrlText | None = None
    oauth_url: HttpUrlText | None = None

    def apply_to(self, connection: ZoomConnection) -> None:
        nullable = {"webhook_secret_token", "api_url", "oauth_url"}
        for field in self.model_fields_set:
            value = getattr(self, field)
            if value is None and field not in nullable:
                raise ValueError(f"{field} cannot be removed, only changed")
            setattr(connection, field, value)


class ZoomConnectionRead(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    name: str
    account_id: str
    client_id: str
    has_client_secret: bool
    has_webhook_secret_token: bool
    plan: ZoomPlan
    webinar_addon: bool
    api_url: str | None
    oauth_url: str | None
    last_tested_at: datetime | None
    last_test_ok: bool | None
    last_test_error: str | None
    granted_scopes: list[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, connection: ZoomConnection) -> ZoomConnectionRead:
        return cls(
            id=connection.id,
            name=connection.name,
            account_id=connection.account_id,
            client_id=connection.client_id,
            has_client_secret=bool(connection.client_secret),
            has_webhook_secret_token=connection.webhook_secret_token is not None,
            plan=connection.plan,
            webinar_addon=connection.webinar_addon,
            api_url=connection.api_url,
            oauth_url=connection.oauth_url,
            last_tested_at=connection.last_tested_at,
            last_test_ok=connection.last_test_ok,
            last_test_error=connection.last_test_error,
            granted_scopes=sorted(connection.granted_scope_set),
            created_at=connection.created_at,
            updated_at=connection.updated_at,
        )
