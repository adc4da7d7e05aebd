from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.simulator.helpers import ZoomApi
from zoombridge.simulator import SimulatorServer


@pytest.fixture
def zoom(simulator: SimulatorServer) -> Iterator[ZoomApi]:
    """The default simulator's API with a token; fails the test if any answer breaks the specs."""
    api = ZoomApi(simulator)
    yield api
    api.close()
    if api.problems:
        pytest.fail("answers break Zoom's specs:\n" + "\n".join(api.problems[:20]), pytrace=False)
