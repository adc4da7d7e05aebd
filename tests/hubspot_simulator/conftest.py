from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hubspot_simulator.helpers import HubSpotApi
from zoombridge.hubspot_simulator import HubSpotSimulatorServer


@pytest.fixture
def api(hubspot_sim: HubSpotSimulatorServer) -> Iterator[HubSpotApi]:
    """The default account's API with its token; fails the test if an answer breaks the specs."""
    client = HubSpotApi(hubspot_sim)
    yield client
    client.close()
    if client.problems:
        pytest.fail(
            "answers break HubSpot's specs:\n" + "\n".join(client.problems[:20]), pytrace=False
        )
