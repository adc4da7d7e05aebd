"""The simulator's request models agree with Zoom's specs, field by field.

The simulator never reads the specs; it carries its own models (`zoombridge.simulator.
request_models`). These tests read the specs in place and prove the two say the same thing:
the same fields, types, enums, lengths, bounds and required fields (`differences`), and the
models refuse at the right field what the spec refuses and accept what it allows (`probes`).
Where they differ on purpose, the difference is a named spec gap (tests/fixtures/spec_gaps.py);
a gap that no longer matches a difference fails too, so the list stays true.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.spec_models import (
    Difference,
    differences,
    model_schema,
    probes,
)
from tests.fixtures.contract import load_specs
from tests.fixtures.reference import require_reference_dir
from tests.fixtures.spec_gaps import SPEC_GAPS, allowed_deviations, generic_field
from tests.fixtures.zoom_spec import ZoomSpecs
from zoombridge.simulator.app import build_router
from zoombridge.simulator.errors import ZoomError
from zoombridge.simulator.request_models import QUERIES, REQUEST_BODIES, ZoomRequest, parse

SERVED = sorted({route.operation_id for route in build_router().routes})


@pytest.fixture(scope="module")
def specs() -> ZoomSpecs:
    require_reference_dir()
    loaded = load_specs()
    assert loaded is not None
    return loaded


def _unexplained(operation_id: str, found: list[Difference]) -> list[str]:
    allowed = allowed_deviations(operation_id)
    return [str(d) for d in found if (d.field, d.keyword) not in allowed]


def test_every_served_operation_has_its_request_models(specs: ZoomSpecs) -> None:
    assert len(SERVED) == 38  # 35 operations of the meetings spec, 3 of the users spec
    with_bodies = {op for op in SERVED if specs.request_body_schema(op) is not None}
    assert set(REQUEST_BODIES) == with_bodies
    assert set(QUERIES) == set(SERVED)


@pytest.mark.parametrize("operation_id", sorted(REQUEST_BODIES))
def test_body_models_match_the_spec(specs: ZoomSpecs, operation_id: str) -> None:
    spec = specs.request_body_schema(operation_id)
    assert spec is not None
    found = differences(spec, model_schema(REQUEST_BODIES[operation_id]))
    assert _unexplained(operation_id, found) == []


@pytest.mark.parametrize("operation_id", SERVED)
def test_query_models_match_the_spec(specs: ZoomSpecs, operation_id: str) -> None:
    schema = model_schema(QUERIES[operation_id])
    schema.setdefault("properties", {})  # an operation without parameters has none
    found = differences(specs.query_schema(operation_id), schema)
    assert _unexplained(operation_id, found) == []


def test_every_named_deviation_is_still_one(specs: ZoomSpecs) -> None:
    """A gap's deviation the models no longer show (the spec or the model changed) is stale."""
    seen: set[tuple[str, str, str]] = set()
    for operation_id in SERVED:
        schema = model_schema(QUERIES[operation_id])
        schema.setdefault("properties", {})
        found = differences(specs.query_schema(operation_id), schema)
        body = specs.request_body_schema(operation_id)
        if body is not None:
            found += differences(body, model_schema(REQUEST_BODIES[operation_id]))
        seen |= {(operation_id, d.field, d.keyword) for d in found}
    stale = [
        f"{gap.name}: {field or '<body>'} {keyword}"
        for gap in SPEC_GAPS
        for field, keyword in gap.deviations
        if not any((op, field, keyword) in seen for op in gap.operations)
    ]
    assert stale == []


def _refused_fields(model: type[ZoomRequest], body: dict[str, Any]) -> list[str]:
    """The fields Zoom's 300 answer would name for this body ([] when it is accepted)."""
    try:
        parse(model, body)
    except ZoomError as error:
        if (error.status, error.code) != (400, 300):
            raise
        return [e["field"] for e in error.errors or []]
    return []


def _check_probes(
    operation_id: str, model: type[ZoomRequest], schema: dict[str, Any], *, text: bool
) -> int:
    allowed = allowed_deviations(operation_id)
    wrong: list[str] = []
    count = 0
    for probe in probes(schema, text=text):
        if (generic_field(probe.field), probe.keyword) in allowed:
            continue  # the model differs here on purpose; the structural test holds it to that
        count += 1
        refused = _refused_fields(model, probe.body)
        at_field = [
            f
            for f in refused
            if f == probe.field or f.startswith((probe.field + ".", probe.field + "["))
        ]
        if probe.refused and probe.field not in refused:
            wrong.append(f"{probe}: not refused there (refused: {refused})")
        if not probe.refused and at_field:
            wrong.append(f"{probe}: refused ({at_field})")
    assert wrong == [], f"{len(wrong)} of {count} probes:\n" + "\n".join(wrong[:40])
    return count


@pytest.mark.parametrize("operation_id", sorted(REQUEST_BODIES))
def test_body_models_refuse_what_the_spec_refuses(specs: ZoomSpecs, operation_id: str) -> None:
    spec = specs.request_body_schema(operation_id)
    assert spec is not None
    count = _check_probes(operation_id, REQUEST_BODIES[operation_id], spec, text=False)
    assert count >= 10  # every body has a few fields at least


@pytest.mark.parametrize("operation_id", SERVED)
def test_query_models_refuse_what_the_spec_refuses(specs: ZoomSpecs, operation_id: str) -> None:
    _check_probes(operation_id, QUERIES[operation_id], specs.query_schema(operation_id), text=True)


class _MisreadSettings(ZoomRequest):
    host_video: str | None = None  # the spec says boolean


class _MisreadMeeting(ZoomRequest):
    """A meeting body written wrongly on purpose: the comparison must see every mistake."""

    topic: str | None = None  # spec: maxLength 200
    type: int | None = None  # spec: enum
    settings: _MisreadSettings | None = None
    invented: bool | None = None  # not in the spec


def test_the_comparison_sees_a_misread_model(specs: ZoomSpecs) -> None:
    spec = specs.request_body_schema("meetingCreate")
    assert spec is not None
    found = {(d.field, d.keyword) for d in differences(spec, model_schema(_MisreadMeeting))}
    assert {
        ("topic", "maxLength"),
        ("type", "enum"),
        ("settings.host_video", "type"),
        ("invented", "extra"),
        ("agenda", "missing"),
        ("settings.approval_type", "missing"),
    } <= found


class _UncheckedSettings(ZoomRequest):
    """Settings taken as any object: what the simulator did before it modelled them."""

    settings: dict[str, Any] | None = None


def test_the_probes_catch_unchecked_settings(specs: ZoomSpecs) -> None:
    spec = specs.request_body_schema("meetingCreate")
    assert spec is not None
    missed = {
        (probe.field, probe.keyword)
        for probe in probes(spec)
        if probe.refused
        and probe.field.startswith("settings.")
        and probe.field not in _refused_fields(_UncheckedSettings, probe.body)
    }
    assert ("settings.host_video", "nullable") in missed
    assert ("settings.alternative_hosts", "type") in missed
    assert ("settings.approval_type", "enum") in missed
