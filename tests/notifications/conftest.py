"""Fixtures of the notification tests: the sync world (simulator, worker factory, test clock)
and a real SMTP server (MailSink) on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sync.conftest import Clock, World, clock, make_worker, world  # noqa: F401
from zoombridge.notifications.sink import MailSink


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink() as running:
        yield running
