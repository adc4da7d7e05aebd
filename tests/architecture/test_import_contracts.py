"""The architecture is a checked contract (pyproject's [tool.importlinter]): the tree keeps it,
and a forbidden import added anywhere breaks it, naming the contract."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "zoombridge"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.skip(
            f"lint-imports is not installed beside {sys.executable} (pip install -e .[dev])"
        )
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """The package copied to `tmp_path`, with `line` appended to `module` (a relative path)."""
    copy = tmp_path / "zoombridge"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + f"\n{line}\n")
    return tmp_path


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(REPO / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        (
            "engine/worker.py",
            "import zoombridge.orders.models",
            "Layers: entry points above the domains",
        ),
        (
            "events/models.py",
            "import zoombridge.orders.models",
            "Domains in a one-way order",
        ),
        (
            "zoom/client.py",
            "import zoombridge.simulator.state",
            "The Zoom client and the Zoom simulator share nothing",
        ),
        (
            "zoom/errors.py",
            "import sqlalchemy",
            "The Zoom and HubSpot clients import no database, web or domain code",
        ),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    result = lint_imports(copy_with(tmp_path, module, line))
    assert result.returncode != 0, result.stdout
    broken = [row for row in result.stdout.splitlines() if "BROKEN" in row]
    assert broken, result.stdout
    assert contract in result.stdout
