"""Schemathesis against the simulator, small: every operation it serves, positive and negative
cases generated from Zoom's specs, no failure but the named spec gaps (bench/simulator_
conformance.py runs the same harness full size)."""

from __future__ import annotations

import pytest

from tests.bench_loader import load_bench
from tests.fixtures.reference import require_reference_dir
from tests.fixtures.spec_gaps import SPEC_GAPS, gap_for_refusal

EXAMPLES = 4  # per operation and mode: ~260 cases, a few seconds


@pytest.mark.timeout(300)
def test_simulator_answers_zoom_specs_cases_as_documented() -> None:
    require_reference_dir()
    bench = load_bench("simulator_conformance")
    report = bench.run(EXAMPLES)
    print(report.report())  # shown with -s
    assert report.operations == 38
    assert report.cases["positive"] >= 38 * EXAMPLES * 0.8  # hypothesis may dedupe a few
    assert report.cases["negative"] >= 32 * EXAMPLES * 0.8  # 6 have nothing to break
    assert len(report.nothing_to_break) == 6
    assert [str(f) for f in report.failures] == []
    assert set(report.gaps) <= {gap.name for gap in SPEC_GAPS}


def test_named_gaps_explain_only_their_own_refusals() -> None:
    """The classification is no blanket excuse: a refusal is a gap's only when every field it
    names is that gap's, for that operation."""

    def explained(operation_id: str, fields: list[str], message: str = "") -> str | None:
        gap = gap_for_refusal(operation_id, fields, message)
        return gap.name if gap is not None else None

    assert explained("meetingCreate", ["timezone"]) == "timezone-ids"
    assert explained("addBatchRegistrants", ["registrants[7].last_name"]) == "batch-bounds"
    assert explained("users", [], "Invalid next page token.") == "page-tokens-are-issued"
    assert explained("meetingCreate", ["settings.host_video"]) is None
    assert explained("meetingCreate", ["timezone", "settings.host_video"]) is None
    assert explained("meetingCreate", ["registrants"]) is None  # another operation's gap
    assert explained("users", [], "Validation Failed.") is None
