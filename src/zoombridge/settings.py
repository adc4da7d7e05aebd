"""The one place configuration is read from (environment, `ZOOMBRIDGE_` prefix, or `.env`).

Every field has a default so the product runs with no configuration at all: a local SQLite file
under `data_dir` and, for the demo, the built-in Zoom simulator.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZOOMBRIDGE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        default=Path("var"), description="Where the SQLite file and generated keys live."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default: SQLite file `<data_dir>/zoombridge.db`. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key that encrypts secrets at rest. Unset: generated once and kept "
        "in `<data_dir>/secret.key` (mode 0600).",
    )
    secret_key_old: SecretStr | None = Field(
        default=None,
        description="Previous Fernet key(s), comma-separated, still accepted for decrypting "
        "while secrets are re-encrypted with `secret_key` (key rotation).",
    )
    zoom_api_url: str = "https://api.zoom.us/v2"
    zoom_oauth_url: str = "https://zoom.us/oauth/token"
    # HubSpot connections without an API URL of their own call this one.
    hubspot_api_url: str = "https://api.hubapi.com"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # --- the web UI's session (see docs/security.md) ---------------------------------------
    session_lifetime_hours: float = Field(
        default=14 * 24,
        gt=0,
        description="How long a sign-in lasts, from the moment of signing in (the cookie and "
        "the server both stop accepting it after that).",
    )
    cookie_secure: Literal["auto", "true", "false"] = Field(
        default="auto",
        description="The session cookie's Secure flag: `auto` sets it when the request came "
        "over https (as seen by `serve`, after trusted proxy headers), `true` always, "
        "`false` never.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies whose X-Forwarded-Proto / X-Forwarded-For `serve` believes "
        "(comma-separated addresses or networks, `*` for any): the scheme decides the cookie's "
        "Secure flag in `auto` and the address is what sign-in throttling counts.",
    )

    # --- sign-in throttling ----------------------------------------------------------------
    signin_free_failures_per_account: int = Field(
        default=5, ge=1, description="Failed sign-ins to one account before a delay applies."
    )
    signin_free_failures_per_address: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins from one client address (any accounts) before a delay.",
    )
    signin_max_delay_seconds: int = Field(
        default=15 * 60, ge=1, description="The longest delay; it doubles up to this."
    )

    # --- request limits --------------------------------------------------------------------
    max_body_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, description="Largest request body (413 above)."
    )
    max_csv_import_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest CSV upload (`POST /api/v1/events/{id}/attendees.csv`).",
    )
    max_json_depth: int = Field(
        default=32, ge=2, le=500, description="Deepest JSON nesting accepted (API, webhooks)."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=60_000,
        ge=0,
        description="How long a SQLite writer waits for the write lock before the request is "
        "answered 503.",
    )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'zoombridge.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
