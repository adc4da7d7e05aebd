"""HubSpot sync's tables: the connected HubSpot account, and what was sent to it.

- `HubSpotConnection`: one HubSpot account reached with a private app's access token
  (encrypted at rest, never shown), its tier and time zone (they decide the API limits), the
  outcome of "test access", whether the property group and the Zoom properties exist, and how
  inbound workflow calls authenticate (the app's client secret for HubSpot's v3 signature, or
  an API key).
- `HubSpotWebinarPush`: a contacts webinar pushed to one account (a work row: due when the
  webinar was synced again or "sync now" was asked), with what its marketing event last showed.
- `HubSpotContact`: a contact as sent to one account: HubSpot's id, the property values HubSpot
  confirmed (only changes are sent again), and the tombstone of a contact deleted in HubSpot.
- `HubSpotParticipation`: one register / attend / cancel of a contact on a webinar's marketing
  event, with when HubSpot confirmed it (never sent again after that).
- `HubSpotWorkflowCall`: an inbound "Send a webhook" workflow call, as stored and answered.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import SecretStr
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from zoombridge.db.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
    utc_now,
)
from zoombridge.db.encryption import EncryptedString
from zoombridge.engine.work import WorkMixin
from zoombridge.hubspot import Tier


class ParticipationState(StrEnum):
    """HubSpot's subscriber states zoombridge writes."""

    REGISTER = "register"
    ATTEND = "attend"
    CANCEL = "cancel"


class WorkflowOutcome(StrEnum):
    ACCEPTED = "accepted"  # a register request was made (or an open one found)
    REFUSED = "refused"  # can never succeed: answered 4xx so that HubSpot does not retry


class HubSpotConnection(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "hubspot_connections"
    __table_args__ = (enum_check("tier", Tier),)

    name: Mapped[str] = mapped_column(String(100), unique=True)
    hub_id: Mapped[str] = mapped_column(String(32), doc="HubSpot's account (portal) id")
    access_token: Mapped[SecretStr] = mapped_column(EncryptedString())
    tier: Mapped[Tier] = mapped_column(text_enum(Tier, 16), default=Tier.FREE)
    api_limit_pack: Mapped[bool] = mapped_column(Boolean(), default=False)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Null: ZOOMBRIDGE_HUBSPOT_API_URL (real HubSpot by default); the simulator's URL in the demo.
    api_url: Mapped[str | None] = mapped_column(String(255))
    # zoombridge's own id for the account its marketing events come from.
    external_account_id: Mapped[str] = mapped_column(String(64), default="zoombridge")
    push_enabled: Mapped[bool] = mapped_column(Boolean(), default=True)
    # Inbound workflow calls: HubSpot's v3 signature with the app's client secret, or an API key.
    workflow_app_secret: Mapped[SecretStr | None] = mapped_column(EncryptedString())
    workflow_api_key_name: Mapped[str | None] = mapped_column(String(64))
    workflow_api_key: Mapped[SecretStr | None] = mapped_column(EncryptedString())
    workflow_webinar_field: Mapped[str] = mapped_column(String(64), default="zoom_webinar_id")
    # "Test access": the request stamp the worker clears, and its outcome.
    test_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_tested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean())
    last_test_error: Mapped[str | None] = mapped_column(Text())
    missing_scopes: Mapped[dict[str, list[str]]] = mapped_column(JSON(), default=dict)
    # The property group and Zoom properties: made once on connect (and again on request).
    setup_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    setup_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    setup_error: Mapped[str | None] = mapped_column(Text())

    @validates("access_token", "workflow_app_secret", "workflow_api_key")
    def _wrap_secret(self, _key: str, value: SecretStr | str | None) -> SecretStr | None:
        # A plain str assigned by mistake would print in reprs and logs; wrap it at once.
        if isinstance(value, str):
            return SecretStr(value)
        return value

    def __repr__(self) -> str:
        return f"HubSpotConnection(id={self.id!s}, name={self.name!r}, hub_id={self.hub_id!r})"


class HubSpotWebinarPush(UUIDPrimaryKeyMixin, TimestampMixin, WorkMixin, Base):
    __tablename__ = "hubspot_webinar_pushes"
    __table_args__ = (UniqueConstraint("hubspot_connection_id", "webinar_id"),)

    hubspot_connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hubspot_connections.id", ondelete="CASCADE"), index=True
    )
    webinar_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_webinars.id", ondelete="CASCADE"), index=True
    )
    push_due: Mapped[bool] = mapped_column(Boolean(), default=True, index=True)
    trigger: Mapped[str] = mapped_column(String(16), default="synced")
    # Raised whenever the push is asked for again; a push that finishes clears `push_due` only
    # if no request came in while it ran (that request is then pushed too).
    due_version: Mapped[int] = mapped_column(Integer(), default=0)
    # The webinar's `synced_at` this push row last followed: a newer sync makes it due again.
    seen_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The marketing event's fields as HubSpot last confirmed them (null: not created yet), and
    # how it ended there ("completed", "cancelled").
    event_sent: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    event_end_sent: Mapped[str | None] = mapped_column(String(16))
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    counts: Mapped[dict[str, int]] = mapped_column(JSON(), default=dict)


class HubSpotContact(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "hubspot_contacts"
    __table_args__ = (UniqueConstraint("hubspot_connection_id", "contact_id"),)

    hubspot_connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hubspot_connections.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(255))
    hubspot_id: Mapped[str | None] = mapped_column(String(32))
    sent_properties: Mapped[dict[str, str]] = mapped_column(JSON(), default=dict)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The tombstone: deleted in HubSpot, so never created there again by zoombridge.
    deleted_in_hubspot_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text())


class HubSpotParticipation(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "hubspot_participations"
    __table_args__ = (
        UniqueConstraint("hubspot_connection_id", "webinar_id", "contact_id", "state"),
        Index("ix_hubspot_participations_unsent", "hubspot_connection_id", "webinar_id", "sent_at"),
        enum_check("state", ParticipationState),
    )

    hubspot_connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hubspot_connections.id", ondelete="CASCADE")
    )
    webinar_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_webinars.id", ondelete="CASCADE")
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[ParticipationState] = mapped_column(text_enum(ParticipationState, 8))
    email: Mapped[str] = mapped_column(String(255))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hubspot_contact_id: Mapped[int | None] = mapped_column(BigInteger())
    # Why it is not sent (the contact was deleted in HubSpot), or HubSpot's refusal.
    not_sent: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    last_error: Mapped[str | None] = mapped_column(Text())


class HubSpotWorkflowCall(UUIDPrimaryKeyMixin, Base):
    __tablename__ = "hubspot_workflow_calls"
    __table_args__ = (enum_check("outcome", WorkflowOutcome),)

    hubspot_connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hubspot_connections.id", ondelete="CASCADE"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, index=True)
    hubspot_object_id: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(255), default="")
    zoom_webinar_id: Mapped[int | None] = mapped_column(BigInteger())
    outcome: Mapped[WorkflowOutcome] = mapped_column(text_enum(WorkflowOutcome, 16))
    status_code: Mapped[int] = mapped_column(Integer())
    message: Mapped[str] = mapped_column(Text(), default="")
    register_request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contact_register_requests.id", ondelete="SET NULL")
    )
