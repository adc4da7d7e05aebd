"""Schemathesis against the Zoom simulator, with Zoom's own specs as the schema.

Every operation the simulator serves (35 of the meetings spec, 3 of the users spec) gets
`--examples` positive cases (requests the schema allows) and as many negative ones (requests
it refuses), sent to the simulator's ASGI app in this process. Each answer goes through
schemathesis's checks: no server error; status, content type and body as the spec documents
them; positive data accepted (2xx, or 404 for an id that does not exist); negative data
refused. On top, the contract harness's own check (tests/fixtures/zoom_spec.py): error bodies
are Zoom's `{code, message}` with a code the operation documents, and userSettings answers
match the branch of their `option`.

What the spec cannot know is supplied from the simulator's own objects: path ids are those of
real meetings, webinars, registrants and past instances, `occurrence_id(s)` of real
occurrences, `userId` is `me`; update and delete cases get a meeting or registrant of their
own. A failure a named spec gap explains (tests/fixtures/spec_gaps.py: a rule Zoom states only
in prose, a contradiction of the spec) is counted under the gap's name; anything else is a
failure. The target is no failures.

    ./dev bench simulator_conformance                  # 100 + 100 cases per operation
    ./dev bench simulator_conformance --examples 20 --operation meetingCreate

The test suite runs it small (tests/contract/test_simulator_conformance.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the specs and their named gaps live with the tests

import httpx  # noqa: E402
import hypothesis  # noqa: E402
import schemathesis  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi import checks as openapi_checks  # noqa: E402
from tests.fixtures.reference import SPEC_FILES, reference_dir  # noqa: E402
from tests.fixtures.spec_gaps import (  # noqa: E402
    gap_for_answer,
    gap_for_refusal,
    generic_field,
)
from tests.fixtures.zoom_spec import ZoomSpecs  # noqa: E402

from zoombridge.simulator import SimulatorConfig, create_app  # noqa: E402
from zoombridge.simulator.app import build_router  # noqa: E402
from zoombridge.simulator.request_models import field_name  # noqa: E402

DEFAULT_EXAMPLES = 100
BASE = "http://simulator.test"
CHECKS = (
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.positive_data_acceptance,
    openapi_checks.negative_data_rejection,
)
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Operations on past instances, and those that change or delete their meeting (each case gets
# a meeting of its own).
PAST_DATA = ("past", "report", "listWebinarParticipants", "webinarAbsentees", "recordingGet")
OWN_MEETING = frozenset({"meetingUpdate", "webinarUpdate", "meetingDelete", "webinarDelete"})


@dataclass
class Finding:
    operation: str
    mode: str
    check: str
    status: int
    detail: str
    answer_field: str | None = None  # where an answer breaks its schema
    gap: str | None = None

    def __str__(self) -> str:
        detail = " ".join(self.detail.split())
        return f"{self.operation} [{self.mode}] {self.check} -> {self.status}: {detail[:500]}"


@dataclass
class Report:
    operations: int = 0
    cases: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    nothing_to_break: list[str] = field(default_factory=list)  # no negative case possible
    elapsed: float = 0.0

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.gap is None]

    @property
    def gaps(self) -> Counter[str]:
        return Counter(f.gap for f in self.findings if f.gap is not None)

    def report(self) -> str:
        total = sum(self.cases.values())
        lines = [
            f"simulator conformance: {self.operations} operations, {total} cases "
            f"({self.cases['positive']} positive, {self.cases['negative']} negative) "
            f"in {self.elapsed:.1f} s",
            f"no negative case possible (no query or body): {', '.join(self.nothing_to_break)}",
            f"failures: {len(self.failures)}",
        ]
        lines += [f"  {failure}" for failure in self.failures[:30]]
        lines.append(f"named spec gaps: {sum(self.gaps.values())} findings")
        lines += [f"  {name}: {count}" for name, count in sorted(self.gaps.items())]
        return "\n".join(lines)


class Simulator:
    """The simulator's app on this process's own event loop, with the objects cases need."""

    def __init__(self, runner: asyncio.Runner) -> None:
        self.runner = runner
        app = create_app(SimulatorConfig(rate_limits=False, seed=7))
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
        grant = "/oauth/token?grant_type=account_credentials&account_id=sim-account"
        answer = self.send("POST", grant, auth=("sim-client-id", "sim-client-secret"))
        self.auth = f"Bearer {answer.json()['access_token']}"
        self.fresh = 0
        recurrence = {"type": 1, "repeat_interval": 1, "end_times": 3}
        self.open = {"meeting": self.meeting("meeting"), "webinar": self.meeting("webinar")}
        self.recurring = {
            "meeting": self.meeting("meeting", type=8, recurrence=recurrence),
            "webinar": self.meeting("webinar", type=9, recurrence=recurrence),
        }
        self.registrant = {k: self.register(k, m["id"]) for k, m in self.open.items()}
        self.past = {k: self.ended(k) for k in ("meeting", "webinar")}

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.runner.run(self.http.request(method, url, **kwargs))

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = self.send(method, "/v2" + path, json=body, headers={"Authorization": self.auth})
        if answer.status_code >= 300:
            raise RuntimeError(f"set-up {method} {path}: {answer.status_code} {answer.text}")
        return answer.json() if answer.content else None

    def meeting(self, kind: str, **body: Any) -> dict[str, Any]:
        body = {"topic": "Conformance", "start_time": "2031-01-15T10:00:00Z", **body}
        body.setdefault("type", 2 if kind == "meeting" else 5)
        body.setdefault("settings", {"approval_type": 0})
        made: dict[str, Any] = self.api("POST", f"/users/me/{kind}s", body)
        return made

    def register(self, kind: str, meeting_id: int) -> str:
        self.fresh += 1
        person = {"email": f"person{self.fresh}@example.com", "first_name": "Ann"}
        answer = self.api("POST", f"/{kind}s/{meeting_id}/registrants", person)
        return str(answer["registrant_id"])

    def ended(self, kind: str) -> dict[str, Any]:
        """A meeting or webinar that took place, with a participant and a recording."""
        made = self.meeting(kind)
        admin = f"/_sim/meetings/{made['id']}"
        for path, body in (
            ("/start", {}),
            ("/participants", {"action": "join", "name": "Pat", "email": "pat@example.com"}),
            ("/end", {}),
            ("/recording", {}),
        ):
            answer = self.send("POST", admin + path, json=body)
            if answer.status_code >= 300:
                raise RuntimeError(f"set-up {admin}{path}: {answer.text}")
        return made

    def aim(self, operation_id: str, case: Any) -> None:
        """Points the case at objects that exist (the schema cannot know which ids do)."""
        kind = "webinar" if "ebinar" in operation_id else "meeting"
        path = case.path_parameters or {}
        query = case.query if isinstance(case.query, dict) else {}
        wants_occurrence = "occurrence_id" in query or "occurrence_ids" in query
        if "userId" in path:
            path["userId"] = "me"
        key = "webinarId" if "webinarId" in path else "meetingId"
        if key in path:
            if operation_id.startswith(PAST_DATA):
                target = self.past[kind]
            elif operation_id in OWN_MEETING:
                target = self.meeting(kind, **self._recurring_body(kind, wants_occurrence))
            elif wants_occurrence:
                target = self.recurring[kind]
            else:
                target = self.open[kind]
            path[key] = target["id"]
            if "registrantId" in path:
                own = target is self.open[kind] and "elete" not in operation_id
                path["registrantId"] = (
                    self.registrant[kind] if own else self.register(kind, target["id"])
                )
            occurrences = [o["occurrence_id"] for o in target.get("occurrences", [])]
            for name in ("occurrence_id", "occurrence_ids"):
                if name in query and occurrences:
                    query[name] = occurrences[0]
        case.path_parameters = path

    @staticmethod
    def _recurring_body(kind: str, recurring: bool) -> dict[str, Any]:
        if not recurring:
            return {}
        return {
            "type": 8 if kind == "meeting" else 9,
            "recurrence": {"type": 1, "repeat_interval": 1, "end_times": 3},
        }


def served_operations(specs_dir: Path) -> list[Any]:
    served = {route.operation_id for route in build_router().routes}
    operations = []
    for name in SPEC_FILES:
        schema = schemathesis.openapi.from_dict(json.loads((specs_dir / name).read_text()))
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.definition.raw.get("operationId") in served:
                operations.append(operation)
    return operations


def run(examples: int = DEFAULT_EXAMPLES, only: str | None = None) -> Report:
    folder = reference_dir()
    if folder is None:
        raise SystemExit("Zoom's specs are not in ../shared/reference/zoom (see tests/fixtures)")
    specs = ZoomSpecs(folder)
    report = Report()
    started = time.perf_counter()
    with asyncio.Runner() as runner:
        sim = Simulator(runner)
        operations = served_operations(folder)
        for operation in operations:
            operation_id = operation.definition.raw["operationId"]
            if only is not None and operation_id != only:
                continue
            report.operations += 1
            for mode in MODES:
                _fuzz(sim, specs, operation, operation_id, mode, examples, report)
        runner.run(sim.http.aclose())
    report.elapsed = time.perf_counter() - started
    return report


def _fuzz(
    sim: Simulator,
    specs: ZoomSpecs,
    operation: Any,
    operation_id: str,
    mode: GenerationMode,
    examples: int,
    report: Report,
) -> None:
    # Fixed path ids and token: negative cases then break the query or body, not the ids
    # (`aim` swaps the placeholders for real ids) or the credentials.
    placeholders = {p.name: "1" for p in operation.path_parameters} or None
    strategy = operation.as_strategy(
        generation_mode=mode, path_parameters=placeholders, headers={"Authorization": sim.auth}
    )

    @hypothesis.settings(
        max_examples=examples,
        derandomize=True,  # the same cases every run: a failure reproduces
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=strategy)
    def one_case(case: Any) -> None:
        sim.aim(operation_id, case)
        response = _send(sim, case)
        report.cases[mode.value] += 1
        findings: list[Finding] = []
        try:
            case.validate_response(response, checks=list(CHECKS))
        except BaseExceptionGroup as group:
            findings += [_finding(operation_id, mode, f, response) for f in group.exceptions]
        except AssertionError as failure:
            findings.append(_finding(operation_id, mode, failure, response))
        # The contract harness's own check (it checks userSettings against its branch).
        for problem in specs.response_errors(operation_id, response.request, response, "/v2"):
            findings.append(
                Finding(operation_id, mode.value, "zoom_contract", response.status_code, problem)
            )
        for finding in findings:
            finding.gap = _explain(case, finding, response)
        report.findings += findings

    try:
        one_case()
    except hypothesis.errors.Unsatisfiable:
        # Nothing to break: no query or body, and the path ids and token are fixed.
        report.nothing_to_break.append(operation_id)


def _send(sim: Simulator, case: Any) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url=BASE + "/v2")
    headers = {**(kwargs.get("headers") or {}), "Authorization": sim.auth}
    request = {k: kwargs[k] for k in ("params", "json") if kwargs.get(k) is not None}
    data = kwargs.get("data")
    if isinstance(data, bytes | str):
        request["content"] = data
    elif data is not None:
        request["data"] = data
    return sim.send(case.method, kwargs["url"], headers=headers, **request)


def _finding(
    operation_id: str, mode: GenerationMode, failure: BaseException, response: httpx.Response
) -> Finding:
    detail = (getattr(failure, "message", None) or str(failure))[:300]
    check = type(failure).__name__
    answer = response.text[:300]
    where = getattr(failure, "instance_path", None)
    return Finding(
        operation_id,
        mode.value,
        check,
        response.status_code,
        f"{detail} | {answer}",
        answer_field=field_name(tuple(where)) if where is not None else None,
    )


def _explain(case: Any, finding: Finding, response: httpx.Response) -> str | None:
    """The named spec gap behind a finding, or None (a failure)."""
    if finding.check == "JsonSchemaError" and finding.answer_field is not None:
        answer_gap = gap_for_answer(finding.operation, finding.answer_field)
        return answer_gap.name if answer_gap is not None else None
    if finding.check == "RejectedPositiveData" and response.status_code == 400:
        answer = response.json()
        if answer.get("code") != 300:
            return None
        fields = [e["field"] for e in answer.get("errors", [])]
        gap = gap_for_refusal(finding.operation, fields, answer.get("message", ""))
        return gap.name if gap is not None else None
    if finding.check == "AcceptedNegativeData":
        # What the negative case broke, by field: a gap where the simulator is more lenient
        # than the schema on purpose (a comma-separated weekly_days, a local start_time).
        mutations = getattr(case.meta.phase.data, "mutations", ()) if case.meta else ()
        fields = [field_name(tuple(m.path)) for m in mutations if m.path]
        gap = gap_for_refusal(finding.operation, [generic_field(f) for f in fields], "")
        return gap.name if gap is not None and fields else None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--examples", type=int, default=DEFAULT_EXAMPLES, help="cases per operation and mode"
    )
    parser.add_argument("--operation", help="only this operationId")
    args = parser.parse_args()
    report = run(args.examples, args.operation)
    print(report.report())
    sys.exit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
