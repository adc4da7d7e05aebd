"""What the API and CLI accept and return for Zoom connections.

The read model never carries a secret, only whether one is set.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from zoombridge.connections.models import ZoomConnection, ZoomHost, ZoomMeetingChoice, ZoomPlan
from zoombridge.connections.scopes import missing_scopes, recommended_scopes
from zoombridge.kit.text import check_one_line


def _http_url(value: str) -> str:
    # One line first: urlsplit drops tabs and line breaks silently, the stored value would not.
    check_one_line(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL such as https://api.zoom.us/v2")
    return value.rstrip("/")


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(check_one_line),
]
Identifier = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(check_one_line),
]
HttpUrlText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=255), AfterValidator(_http_url)
]
Secret = Annotated[SecretStr, Field(min_length=1, max_length=1024)]

JWT_FIELDS = ("api_key", "api_secret", "jwt_token")


def jwt_migration_advice() -> str:
    """C4: what to tell someone who sends the fields of a (retired) JWT app."""
    return (
        "JWT apps are deprecated by Zoom and no longer work; zoombridge connects with a "
        "Server-to-Server OAuth app instead. To migrate: in the Zoom App Marketplace choose "
        "Develop → Build App → Server-to-Server OAuth, copy its Account ID, Client ID and Client "
        "Secret into account_id, client_id and client_secret here, and grant it these scopes: "
        + ", ".join(recommended_scopes())
        + "."
    )


class _RefusesJwtFields(BaseModel):
    """Recognises a JWT app's fields so the answer can say how to migrate (C4) rather than a
    bare "extra field". They are never stored or echoed."""

    api_key: SkipJsonSchema[Any] = Field(default=None, exclude=True, repr=False)
    api_secret: SkipJsonSchema[Any] = Field(default=None, exclude=True, repr=False)
    jwt_token: SkipJsonSchema[Any] = Field(default=None, exclude=True, repr=False)

    @field_validator(*JWT_FIELDS, mode="before")
    @classmethod
    def _refuse_jwt(cls, _value: object) -> object:
        # The value is a credential: the error names the field but never repeats it.
        raise PydanticCustomError("jwt_app_deprecated", jwt_migration_advice())


# The sizes Zoom sells the webinar add-on in.
WEBINAR_SEAT_SIZES = (100, 500, 1_000, 3_000, 5_000, 10_000)


def _seat_size(value: int) -> int:
    if value not in WEBINAR_SEAT_SIZES:
        sizes = ", ".join(f"{size:,}" for size in WEBINAR_SEAT_SIZES)
        raise PydanticCustomError(
            "webinar_seats", "Zoom sells webinars for {sizes} attendees", {"sizes": sizes}
        )
    return value


WebinarSeats = Annotated[int, AfterValidator(_seat_size)]


class ZoomConnectionCreate(_RefusesJwtFields):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    name: Name
    account_id: Identifier
    client_id: Identifier
    client_secret: Secret
    webhook_secret_token: Secret | None = None
    plan: ZoomPlan = ZoomPlan.PRO
    webinar_addon: bool = False
    webinar_seats: WebinarSeats | None = Field(
        default=None, description="the webinar add-on's size; null = not known"
    )
    api_url: HttpUrlText | None = Field(default=None, description="null: the settings default")
    oauth_url: HttpUrlText | None = Field(default=None, description="null: the settings default")

    def to_model(self) -> ZoomConnection:
        return ZoomConnection(**self.model_dump(exclude=set(JWT_FIELDS)))


class ZoomConnectionUpdate(_RefusesJwtFields):
    """Only the fields sent are changed; `webhook_secret_token: null` removes the token."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    name: Name | None = None
    account_id: Identifier | None = None
    client_id: Identifier | None = None
    client_secret: Secret | None = None
    webhook_secret_token: Secret | None = None
    plan: ZoomPlan | None = None
    webinar_addon: bool | None = None
    webinar_seats: WebinarSeats | None = None
    api_url: HttpUrlText | None = None
    oauth_url: HttpUrlText | None = None

    def apply_to(self, connection: ZoomConnection) -> None:
        nullable = {"webhook_secret_token", "api_url", "oauth_url", "webinar_seats"}
        for field in self.model_fields_set - set(JWT_FIELDS):
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
    webinar_seats: int | None = None
    api_url: str | None
    oauth_url: str | None
    last_tested_at: datetime | None
    last_test_ok: bool | None
    last_test_error: str | None
    granted_scopes: list[str]
    missing_scopes: dict[str, list[str]] | None = Field(
        default=None,
        description="{feature: scopes to add} from the last test; {} = all granted; "
        "null = not tested yet",
    )
    test_requested_at: datetime | None = None
    hosts_requested_at: datetime | None = None
    hosts_fetched_at: datetime | None = None
    picker_hosts: str = "owner"
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
            webinar_seats=connection.webinar_seats,
            api_url=connection.api_url,
            oauth_url=connection.oauth_url,
            last_tested_at=connection.last_tested_at,
            last_test_ok=connection.last_test_ok,
            last_test_error=connection.last_test_error,
            granted_scopes=sorted(connection.granted_scope_set),
            missing_scopes=(
                missing_scopes(connection.granted_scope_set)
                if connection.granted_scopes is not None
                else None
            ),
            test_requested_at=connection.test_requested_at,
            hosts_requested_at=connection.hosts_requested_at,
            hosts_fetched_at=connection.hosts_fetched_at,
            picker_hosts=connection.picker_hosts,
            created_at=connection.created_at,
            updated_at=connection.updated_at,
        )


class PickerUpdate(BaseModel):
    """C3: whose meetings the "link existing" pickers list."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["owner", "selected"]
    host_ids: list[str] = Field(
        default_factory=list,
        description="for mode selected: ZoomHost ids, Zoom user ids or emails of fetched hosts",
    )


class ZoomHostRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: uuid.UUID
    zoom_user_id: str
    email: str
    first_name: str
    last_name: str
    user_type: int | None
    status: str | None
    shown_in_pickers: bool
    fetched_at: datetime

    @classmethod
    def from_model(cls, host: ZoomHost) -> ZoomHostRead:
        return cls.model_validate(host)


class MeetingChoiceRead(BaseModel):
    """A host's meeting or webinar as last listed from Zoom, with what the picker shows."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    zoom_meeting_id: int
    zoom_user_id: str
    kind: str
    type: int | None
    topic: str
    start: datetime | None
    duration: int | None
    timezone: str | None
    fetched_at: datetime

    @classmethod
    def from_model(cls, choice: ZoomMeetingChoice) -> MeetingChoiceRead:
        return cls(
            id=choice.id,
            zoom_meeting_id=choice.zoom_meeting_id,
            zoom_user_id=choice.zoom_user_id,
            kind=choice.kind,
            type=choice.zoom_type,
            topic=choice.topic,
            start=choice.start_time,
            duration=choice.duration,
            timezone=choice.timezone,
            fetched_at=choice.fetched_at,
        )


class WebhookEventRead(BaseModel):
    """A Zoom webhook event as the worker left it: applied, waiting, or stopped with a reason."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    event: str = Field(description="Zoom's event name, e.g. meeting.participant_joined")
    received_at: datetime
    state: Literal["applied", "pending", "failed"] = Field(
        description="failed: not applied after every attempt; `error` says why"
    )
    attempts: int
    error: str | None = Field(description="why applying it failed, when it did")
    applied_at: datetime | None
