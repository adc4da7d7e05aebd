"""The client's operations table and feature scopes agree with HubSpot's specs.

Each operation's method and path must be the spec's, and the scopes the client says it needs
must be one of the alternatives in the operation's `security` block: "Test access" names
missing scopes from this table, so a wrong row would send a person to add the wrong scope.
"""

from __future__ import annotations

import pytest

from tests.fixtures.hubspot_spec import HubSpotSpecs, load_specs, require_reference_dir
from zoombridge.hubspot import FEATURES, OPERATIONS


@pytest.fixture(scope="module")
def specs() -> HubSpotSpecs:
    require_reference_dir()
    loaded = load_specs()
    assert loaded is not None
    return loaded


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_operation_matches_the_spec(specs: HubSpotSpecs, name: str) -> None:
    ours = OPERATIONS[name]
    theirs = specs.operations.get(ours.operation_id)
    assert theirs is not None, f"{ours.operation_id} is in none of HubSpot's specs"
    assert (ours.spec, ours.method, ours.path) == (theirs.spec, theirs.method, theirs.path)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_operation_scopes_are_an_alternative_the_spec_lists(specs: HubSpotSpecs, name: str) -> None:
    ours = OPERATIONS[name]
    alternatives = specs.operations[ours.operation_id].security
    assert ours.scopes in alternatives, (
        f"{name} says it needs {sorted(ours.scopes)}; the spec accepts any of "
        f"{[sorted(a) for a in alternatives][:8]}"
    )


def test_every_operation_belongs_to_exactly_one_feature() -> None:
    owners = [op for feature in FEATURES.values() for op in feature.operations]
    assert sorted(owners) == sorted(OPERATIONS)


@pytest.mark.parametrize("key", sorted(FEATURES))
def test_feature_scopes_are_the_scopes_of_its_operations(key: str) -> None:
    feature = FEATURES[key]
    needed = frozenset().union(*(OPERATIONS[name].scopes for name in feature.operations))
    assert feature.scopes == needed


def test_search_is_the_only_operation_on_the_search_limit() -> None:
    on_search = {name for name, op in OPERATIONS.items() if op.limit == "search"}
    spec_search = {name for name, op in OPERATIONS.items() if op.path.endswith("/search")}
    assert on_search == spec_search == {"contacts.search"}
