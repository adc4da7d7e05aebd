"""The `zoom_connections` table: one row per connected Zoom account (Server-to-Server OAuth)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import SecretStr
from sqlalchemy import Boolean, CheckConstraint, Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates

from zoombridge.db.base import Base, TimestampMixin, UTCDateTime, UUIDPrimaryKeyMixin
from zoombridge.db.encryption import EncryptedString


class ZoomPlan(StrEnum):
    """The account's plan; it decides what Zoom will refuse (webinars, registration, …)."""

    FREE = "free"
    PRO = "pro"
    BUSINESS = "business"


class ZoomConnection(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "zoom_connections"
    __table_args__ = (
        CheckConstraint(
            "plan IN (" + ", ".join(f"'{plan.value}'" for plan in ZoomPlan) + ")", name="plan"
        ),
    )

    name: Mapped[str] = mapped_column(String(100), unique=True)
    account_id: Mapped[str] = mapped_column(String(255), index=True)
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[SecretStr] = mapped_column(EncryptedString())
    webhook_secret_token: Mapped[SecretStr | None] = mapped_column(EncryptedString())
    plan: Mapped[ZoomPlan] = mapped_column(
        # Stored as plain text with a CHECK (below) rather than a native enum type: adding a
        # plan later is then a one-line migration on both SQLite and PostgreSQL.
        Enum(
            ZoomPlan,
            native_enum=False,
            create_constraint=False,
            length=16,
            values_callable=lambda plans: [plan.value for plan in plans],
        ),
        default=ZoomPlan.PRO,
    )
    webinar_addon: Mapped[bool] = mapped_column(Boolean(), default=False)
    # Null means the default from settings (ZOOMBRIDGE_ZOOM_API_URL / _ZOOM_OAUTH_URL); set per
    # connection to point one account at the simulator or a regional endpoint.
    api_url: Mapped[str | None] = mapped_column(String(255))
    oauth_url: Mapped[str | None] = mapped_column(String(255))
    # Outcome of the last "test access" run (C2); null until the first run.
    last_tested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean())
    last_test_error: Mapped[str | None] = mapped_column(Text())
    granted_scopes: Mapped[str | None] = mapped_column(Text(), doc="space-separated, as Zoom")

    @validates("client_secret", "webhook_secret_token")
    def _wrap_secret(self, _key: str, value: SecretStr | str | None) -> SecretStr | None:
        # A plain str assigned by mistake would print in reprs and logs; wrap it at once.
        if isinstance(value, str):
            return SecretStr(value)
        return value

    @property
    def granted_scope_set(self) -> frozenset[str]:
        return frozenset((self.granted_scopes or "").split())

    def __repr__(self) -> str:
        return f"ZoomConnection(id={self.id!s}, name={self.name!r}, account_id={self.account_id!r})"
