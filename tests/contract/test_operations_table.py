"""The client's table of operations agrees with Zoom's specs: same method, path and category.

The category decides which of the account's rate limiters a call waits on, so a wrong one would
make the client either slower than it needs to be or hit 429s it should have planned around.
"""

from __future__ import annotations

import pytest

from tests.fixtures.contract import load_specs
from tests.fixtures.reference import require_reference_dir
from tests.fixtures.zoom_spec import ZoomSpecs
from zoombridge.zoom.operations import OPERATIONS, Category

SPEC_LABEL = {
    "LIGHT": Category.LIGHT,
    "MEDIUM": Category.MEDIUM,
    "HEAVY": Category.HEAVY,
    "RESOURCE-INTENSIVE": Category.RESOURCE_INTENSIVE,
}


@pytest.fixture(scope="module")
def specs() -> ZoomSpecs:
    require_reference_dir()
    loaded = load_specs()
    assert loaded is not None
    return loaded


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_operation_matches_the_spec(specs: ZoomSpecs, operation_id: str) -> None:
    ours = OPERATIONS[operation_id]
    theirs = specs.operations.get(operation_id)
    assert theirs is not None, f"{operation_id} is in neither of Zoom's specs"
    assert (ours.method, ours.path) == (theirs.method, theirs.path)
    assert theirs.rate_label is not None, f"the spec gives {operation_id} no rate limit label"
    assert ours.category == SPEC_LABEL[theirs.rate_label]
