"""The sync tests' world (zoombridge rows, a loopback simulator, workers) for contacts tests."""

from __future__ import annotations

from tests.sync.conftest import clock, make_worker, world

__all__ = ["clock", "make_worker", "world"]
