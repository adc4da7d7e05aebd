"""The simulator's scope table agrees with the `security` blocks of HubSpot's specs, and it
serves every operation the client uses (without either importing the other's code paths)."""

from __future__ import annotations

import pytest

from tests.fixtures.hubspot_spec import HubSpotSpecs, load_specs, require_reference_dir
from zoombridge.hubspot import OPERATIONS
from zoombridge.hubspot_simulator.app import build_router
from zoombridge.hubspot_simulator.scopes import ACCEPTED


@pytest.fixture(scope="module")
def specs() -> HubSpotSpecs:
    require_reference_dir()
    loaded = load_specs()
    assert loaded is not None
    return loaded


@pytest.mark.parametrize("operation_id", sorted(ACCEPTED))
def test_accepted_scopes_are_alternatives_the_spec_lists(
    specs: HubSpotSpecs, operation_id: str
) -> None:
    spec_alternatives = specs.operations[operation_id].security
    for option in ACCEPTED[operation_id]:
        assert frozenset(option) in spec_alternatives


def test_every_route_has_its_scopes_and_its_spec_path(specs: HubSpotSpecs) -> None:
    for route in build_router().routes:
        assert route.operation_id in ACCEPTED
        spec = specs.operations[route.operation_id]
        assert (route.method, "/" + "/".join(route.segments)) == (spec.method, spec.path)


def test_the_simulator_serves_every_operation_the_client_uses() -> None:
    served = {route.operation_id for route in build_router().routes}
    assert {op.operation_id for op in OPERATIONS.values()} <= served
