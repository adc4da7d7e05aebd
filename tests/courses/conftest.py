"""Fixtures of the courses tests: the sync world (a loopback simulator, workers, the test
clock), a real SMTP sink and a real LRS (Ralph)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.courses.lrs import ralph
from tests.sync.conftest import clock, make_worker, world
from zoombridge.notifications.sink import MailSink

__all__ = ["clock", "make_worker", "ralph", "sink", "world"]


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink() as running:
        yield running
