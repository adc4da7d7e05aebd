"""The engine's tests run in the sync world (simulator, worker factory, test clock) with a real
SMTP server for the outbox."""

from __future__ import annotations

from tests.notifications.conftest import sink  # noqa: F401
from tests.sync.conftest import clock, make_worker, world  # noqa: F401
