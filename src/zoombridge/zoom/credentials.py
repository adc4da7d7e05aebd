"""A Zoom connection's Server-to-Server OAuth credentials."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SecretStr


class ZoomCredentials(BaseModel):
    """One Zoom account's app credentials. The secret stays a SecretStr: never printed."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    client_id: str
    client_secret: SecretStr
