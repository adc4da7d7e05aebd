"""What the HubSpot API routes accept and answer. The read models never carry a secret, only
whether one is stored."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, StringConstraints

from zoombridge.hubspot import Tier, limits_for
from zoombridge.hubspot_sync.models import HubSpotConnection, HubSpotWebinarPush
from zoombridge.kit.text import check_one_line


def _http_url(value: str) -> str:
    check_one_line(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL such as https://api.hubapi.com")
    return value.rstrip("/")


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone such as Europe/Helsinki") from None
    return value


def _hub_id(value: str) -> str:
    if not value.isdigit():
        raise ValueError(
            "must be the account's Hub ID: digits only (HubSpot shows it in the account menu)"
        )
    return value


def _property_name(value: str) -> str:
    if not value.replace("_", "").isalnum() or not value[:1].isalpha():
        raise ValueError("must be a property name such as zoom_webinar_id (letters, digits, _)")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(check_one_line),
]
HubId = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=32), AfterValidator(_hub_id)
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=255), AfterValidator(_http_url)
]
TimeZone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_time_zone)
]
PropertyName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_property_name),
]
HeaderName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$"
    ),
]
ExternalId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$"
    ),
]
Secret = Annotated[SecretStr, Field(min_length=1, max_length=1024)]


class HubSpotConnectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    name: Name
    hub_id: HubId
    access_token: Secret = Field(description="the private app's access token (never shown again)")
    tier: Tier = Tier.FREE
    api_limit_pack: bool = False
    time_zone: TimeZone = "UTC"
    api_url: Url | None = Field(default=None, description="null: the settings default")
    external_account_id: ExternalId = "zoombridge"
    push_enabled: bool = True
    workflow_app_secret: Secret | None = Field(
        default=None, description="the private app's client secret: verifies v3 signatures"
    )
    workflow_api_key_name: HeaderName | None = None
    workflow_api_key: Secret | None = None
    workflow_webinar_field: PropertyName = "zoom_webinar_id"


class HubSpotConnectionUpdate(BaseModel):
    """Only the fields sent change; a secret sent as "" is removed (the token cannot be)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    name: Name | None = None
    hub_id: HubId | None = None
    access_token: Secret | None = None
    tier: Tier | None = None
    api_limit_pack: bool | None = None
    time_zone: TimeZone | None = None
    api_url: Url | None = None
    external_account_id: ExternalId | None = None
    push_enabled: bool | None = None
    workflow_app_secret: Annotated[SecretStr, Field(max_length=1024)] | None = None
    workflow_api_key_name: HeaderName | None = None
    workflow_api_key: Annotated[SecretStr, Field(max_length=1024)] | None = None
    workflow_webinar_field: PropertyName | None = None


class HubSpotConnectionOut(BaseModel):
    id: uuid.UUID
    name: str
    hub_id: str
    has_access_token: bool
    tier: Tier
    api_limit_pack: bool
    time_zone: str
    api_url: str | None
    external_account_id: str
    push_enabled: bool
    burst_per_10s: int
    daily_limit: int
    has_workflow_app_secret: bool
    workflow_api_key_name: str | None
    has_workflow_api_key: bool
    workflow_webinar_field: str
    test_requested: bool
    last_tested_at: datetime | None
    last_test_ok: bool | None
    last_test_error: str | None
    missing_scopes: dict[str, list[str]]
    setup_done_at: datetime | None
    setup_error: str | None

    @classmethod
    def of(cls, row: HubSpotConnection) -> HubSpotConnectionOut:
        limits = limits_for(row.tier, api_limit_pack=row.api_limit_pack)
        return cls(
            id=row.id,
            name=row.name,
            hub_id=row.hub_id,
            has_access_token=bool(row.access_token.get_secret_value()),
            tier=row.tier,
            api_limit_pack=row.api_limit_pack,
            time_zone=row.time_zone,
            api_url=row.api_url,
            external_account_id=row.external_account_id,
            push_enabled=row.push_enabled,
            burst_per_10s=limits.burst,
            daily_limit=limits.daily,
            has_workflow_app_secret=row.workflow_app_secret is not None,
            workflow_api_key_name=row.workflow_api_key_name,
            has_workflow_api_key=row.workflow_api_key is not None,
            workflow_webinar_field=row.workflow_webinar_field,
            test_requested=row.test_requested_at is not None,
            last_tested_at=row.last_tested_at,
            last_test_ok=row.last_test_ok,
            last_test_error=row.last_test_error,
            missing_scopes=dict(row.missing_scopes or {}),
            setup_done_at=row.setup_done_at,
            setup_error=row.setup_error,
        )


class WebinarPushOut(BaseModel):
    id: uuid.UUID
    webinar_id: uuid.UUID
    zoom_webinar_id: int
    topic: str
    push_due: bool
    trigger: str
    pushed_at: datetime | None
    event_created: bool
    event_end_sent: str | None
    counts: dict[str, int]
    attempts: int
    last_error: str | None
    next_try_at: datetime | None

    @classmethod
    def of(cls, row: HubSpotWebinarPush, zoom_webinar_id: int, topic: str) -> WebinarPushOut:
        return cls(
            id=row.id,
            webinar_id=row.webinar_id,
            zoom_webinar_id=zoom_webinar_id,
            topic=topic,
            push_due=row.push_due,
            trigger=row.trigger,
            pushed_at=row.pushed_at,
            event_created=row.event_sent is not None,
            event_end_sent=row.event_end_sent,
            counts=dict(row.counts or {}),
            attempts=row.attempts,
            last_error=row.last_error,
            next_try_at=row.not_before,
        )


class TombstoneOut(BaseModel):
    contact_id: uuid.UUID
    email: str
    deleted_in_hubspot_at: datetime


class WorkflowCallOut(BaseModel):
    id: uuid.UUID
    received_at: datetime
    email: str
    zoom_webinar_id: int | None
    outcome: str
    status_code: int
    message: str
    register_request_id: uuid.UUID | None
