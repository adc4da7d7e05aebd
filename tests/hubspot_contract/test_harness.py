"""The HubSpot contract harness must catch what it exists to catch, or the contract tests
prove nothing. The inner transport is a canned answer: this tests the validator, not HubSpot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.fixtures.hubspot_spec import (
    OPERATION_EXTENSION,
    ContractRecorder,
    HubSpotSpecs,
    SpecValidatingTransport,
    load_specs,
    require_reference_dir,
)
from zoombridge.hubspot import OPERATIONS

API = "http://127.0.0.1:1"
AUTH = {"Authorization": "Bearer pat-test"}
UPSERT = OPERATIONS["contacts.batch_upsert"].operation_id
GET_EVENT = OPERATIONS["events.get"].operation_id
CORRELATION = "aeb5f871-7f07-4993-9211-075dc63e7cbf"
STAMP = "2030-01-01T00:00:00.000Z"
UPSERTED = {
    "status": "COMPLETE",
    "startedAt": STAMP,
    "completedAt": STAMP,
    "results": [
        {
            "id": "1",
            "new": True,
            "archived": False,
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "properties": {"email": "ada@example.com"},
        }
    ],
}


@pytest.fixture(scope="module")
def specs() -> HubSpotSpecs:
    require_reference_dir()
    loaded = load_specs()
    assert loaded is not None
    return loaded


def answering(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body, headers=headers))


async def exchange(
    specs: HubSpotSpecs,
    inner: httpx.AsyncBaseTransport,
    build: Callable[[httpx.AsyncClient], httpx.Request],
    operation_id: str | None,
) -> ContractRecorder:
    recorder = ContractRecorder()
    async with httpx.AsyncClient(transport=SpecValidatingTransport(specs, recorder, inner)) as c:
        request = build(c)
        if operation_id is not None:
            request.extensions[OPERATION_EXTENSION] = operation_id
        await c.send(request)
    return recorder


def upsert(
    body: Any, headers: dict[str, str] | None = None
) -> Callable[[httpx.AsyncClient], httpx.Request]:
    return lambda c: c.build_request(
        "POST",
        f"{API}/crm/v3/objects/contacts/batch/upsert",
        json=body,
        headers=AUTH if headers is None else headers,
    )


GOOD = {"inputs": [{"id": "ada@example.com", "idProperty": "email", "properties": {}}]}


async def test_valid_exchange_is_clean_and_counts_as_covered(specs: HubSpotSpecs) -> None:
    recorder = await exchange(specs, answering(200, UPSERTED), upsert(GOOD), UPSERT)
    assert recorder.violations() == []
    assert recorder.covered() == {UPSERT}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"inputs": [{"idProperty": "email", "properties": {}}]}, "id"),  # required missing
        ({"inputs": [{"id": "a@b.co", "properties": {}, "idPropety": "email"}]}, "idPropety"),
        ({"inputs": [{"id": "a@b.co", "properties": {"n": 3}}]}, "3"),  # values are strings
    ],
)
async def test_bad_request_bodies_are_flagged(
    specs: HubSpotSpecs, body: dict[str, Any], expected: str
) -> None:
    recorder = await exchange(specs, answering(200, UPSERTED), upsert(body), UPSERT)
    [bad] = recorder.violations()
    assert expected in "\n".join(bad.problems)
    assert recorder.covered() == set()


async def test_request_without_bearer_token_is_flagged(specs: HubSpotSpecs) -> None:
    recorder = await exchange(specs, answering(200, UPSERTED), upsert(GOOD, headers={}), UPSERT)
    assert "Authorization: Bearer" in "\n".join(recorder.violations()[0].problems)


async def test_request_without_operation_tag_is_flagged(specs: HubSpotSpecs) -> None:
    recorder = await exchange(specs, answering(200, UPSERTED), upsert(GOOD), None)
    assert OPERATION_EXTENSION in recorder.violations()[0].problems[0]


async def test_wrong_operation_for_the_path_is_flagged(specs: HubSpotSpecs) -> None:
    other = OPERATIONS["contacts.batch_read"].operation_id
    recorder = await exchange(specs, answering(200, UPSERTED), upsert(GOOD), other)
    assert UPSERT in "\n".join(recorder.violations()[0].problems)


async def test_answer_missing_a_required_field_is_flagged(specs: HubSpotSpecs) -> None:
    broken = {k: v for k, v in UPSERTED.items() if k != "completedAt"}
    recorder = await exchange(specs, answering(200, broken), upsert(GOOD), UPSERT)
    assert "completedAt" in "\n".join(recorder.violations()[0].problems)


async def test_status_the_operation_does_not_declare_is_flagged(specs: HubSpotSpecs) -> None:
    recorder = await exchange(specs, answering(201, UPSERTED), upsert(GOOD), UPSERT)
    assert "201" in "\n".join(recorder.violations()[0].problems)


def get_event(c: httpx.AsyncClient) -> httpx.Request:
    return c.build_request(
        "GET", f"{API}/marketing/v3/marketing-events/events/w1?externalAccountId=zb", headers=AUTH
    )


async def test_error_bodies_are_parsed_and_checked_despite_their_declared_type(
    specs: HubSpotSpecs,
) -> None:
    good = {
        "status": "error",
        "message": "no",
        "correlationId": CORRELATION,
        "category": "OBJECT_NOT_FOUND",
    }
    assert (await exchange(specs, answering(404, good), get_event, GET_EVENT)).violations() == []
    no_category = {k: v for k, v in good.items() if k != "category"}
    recorder = await exchange(specs, answering(404, no_category), get_event, GET_EVENT)
    assert "category" in "\n".join(recorder.violations()[0].problems)


async def test_rate_limit_answers_must_name_their_policy(specs: HubSpotSpecs) -> None:
    body = {
        "status": "error",
        "message": "limit",
        "errorType": "RATE_LIMIT",
        "correlationId": CORRELATION,
        "policyName": "TEN_SECONDLY_ROLLING",
    }
    assert (await exchange(specs, answering(429, body), get_event, GET_EVENT)).violations() == []
    body.pop("policyName")
    recorder = await exchange(specs, answering(429, body), get_event, GET_EVENT)
    assert "policyName" in "\n".join(recorder.violations()[0].problems)


def test_paths_match_literal_segments_before_parameters(specs: HubSpotSpecs) -> None:
    assert (
        specs.match("POST", "/crm/v3/objects/contacts/search")
        == OPERATIONS["contacts.search"].operation_id
    )
    assert (
        specs.match("GET", "/crm/v3/properties/contacts/groups")
        == OPERATIONS["groups.list"].operation_id
    )
