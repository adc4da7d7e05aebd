"""End-to-end flows: the API, the worker, the simulator and a real SMTP server together."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sync.conftest import clock, make_worker, world  # noqa: F401
from zoombridge.notifications.sink import MailSink


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink() as running:
        yield running
