"""Fixtures of the hostile-input tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from zoombridge.settings import get_settings


@pytest.fixture
def cli_settings(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The CLI's settings point at the test's database (run the CLI with helpers.run_cli)."""
    monkeypatch.setenv("ZOOMBRIDGE_DATABASE_URL", database_url)
    monkeypatch.setenv("ZOOMBRIDGE_DATA_DIR", str(tmp_path / "cli"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
