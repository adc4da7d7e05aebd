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
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'zoombridge.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
