"""The `zoom_connections` table: one row per connected Zoom account (Server-to-Server OAuth)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import SecretStr
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from zoombridge.db.base import (
    Base,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    enum_check,
    text_enum,
)
from zoombridge.db.encryption import EncryptedString


class ZoomKind(StrEnum):
    """What a Zoom object is: the two kinds zoombridge creates, links and registers people on."""

    MEETING = "meeting"
    WEBINAR = "webinar"


class ZoomPlan(StrEnum):
    """The account's plan; it decides what Zoom will refuse (webinars, registration, …)."""

    FREE = "free"
    PRO = "pro"
    BUSINESS = "business"


class ZoomConnection(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "zoom_connections"
    __table_args__ = (enum_check("plan", ZoomPlan),)

    name: Mapped[str] = mapped_column(String(100), unique=True)
    account_id: Mapped[str] = mapped_column(String(255), index=True)
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[SecretStr] = mapped_column(EncryptedString())
    webhook_secret_token: Mapped[SecretStr | None] = mapped_column(EncryptedString())
    plan: Mapped[ZoomPlan] = mapped_column(text_enum(ZoomPlan, 16), default=ZoomPlan.PRO)
    webinar_addon: Mapped[bool] = mapped_column(Boolean(), default=False)
    # The add-on's size (100 … 10,000 attendees); null = not known. Enforced with the event's
    # capacity (the lower wins): Zoom itself would refuse registrant number size + 1 (3043).
    webinar_seats: Mapped[int | None] = mapped_column(Integer())
    # Null means the default from settings (ZOOMBRIDGE_ZOOM_API_URL / _ZOOM_OAUTH_URL); set per
    # connection to point one account at the simulator or a regional endpoint.
    api_url: Mapped[str | None] = mapped_column(String(255))
    oauth_url: Mapped[str | None] = mapped_column(String(255))
    # Outcome of the last "test access" run (C2); null until the first run.
    last_tested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean())
    last_test_error: Mapped[str | None] = mapped_column(Text())
    granted_scopes: Mapped[str | None] = mapped_column(Text(), doc="space-separated, as Zoom")
    # Zoom is never called inside a request: "test access" and "fetch hosts" set these and the
    # worker does the calls, clearing them and recording the outcome above / in zoom_hosts.
    test_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hosts_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hosts_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # C3: "owner" = pickers show the credential owner's meetings; "selected" = those of the
    # hosts marked shown_in_pickers.
    picker_hosts: Mapped[str] = mapped_column(String(16), default="owner")
    # B4: bookings' meetings get a random 8-digit passcode unless switched off here (or on the
    # service).
    booking_passcodes: Mapped[bool] = mapped_column(Boolean(), default=True)

    @validates("client_secret", "webhook_secret_token")
    def _wrap_secret(self, _key: str, value: SecretStr | str | None) -> SecretStr | None:
        # A plain str assigned by mistake would print in reprs and logs; wrap it at once.
        if isinstance(value, str):
            return SecretStr(value)
        return value

    @property
    def plan_name(self) -> str:
        """The plan as the engine's client pool reads it (engine.clients.ZoomAccount)."""
        return self.plan.value

    @property
    def granted_scope_set(self) -> frozenset[str]:
        return frozenset((self.granted_scopes or "").split())

    def __repr__(self) -> str:
        return f"ZoomConnection(id={self.id!s}, name={self.name!r}, account_id={self.account_id!r})"


class ZoomHost(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A Zoom user of a connection's account, fetched on request (C3) for the host pickers."""

    __tablename__ = "zoom_hosts"
    __table_args__ = (UniqueConstraint("connection_id", "zoom_user_id"),)

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("zoom_connections.id", ondelete="CASCADE"), index=True
    )
    zoom_user_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(64), default="")
    last_name: Mapped[str] = mapped_column(String(64), default="")
    user_type: Mapped[int | None] = mapped_column(Integer(), doc="1 basic, 2 licensed, …")
    status: Mapped[str | None] = mapped_column(String(32))
    # C3: the pickers show the meetings of the hosts chosen here.
    shown_in_pickers: Mapped[bool] = mapped_column(Boolean(), default=False)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"ZoomHost(id={self.id!s}, email={self.email!r})"


class ZoomMeetingChoice(UUIDPrimaryKeyMixin, Base):
    """A meeting or webinar of a host, as last listed from Zoom, for the "link existing" picker."""

    __tablename__ = "zoom_meeting_choices"
    __table_args__ = (UniqueConstraint("connection_id", "zoom_meeting_id"),)

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("zoom_connections.id", ondelete="CASCADE"), index=True
    )
    zoom_user_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16), doc="meeting or webinar")
    zoom_meeting_id: Mapped[int] = mapped_column(BigInteger())
    zoom_type: Mapped[int | None] = mapped_column(Integer())
    topic: Mapped[str] = mapped_column(String(255), default="")
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration: Mapped[int | None] = mapped_column(Integer())
    timezone: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
