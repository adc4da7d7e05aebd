"""The contract harness itself must catch what it exists to catch, or the contract tests prove
nothing. The inner transport here is a canned answer: we are testing the validator, not Zoom."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.fixtures.contract import ContractRecorder, SpecValidatingTransport
from tests.fixtures.zoom_spec import ZoomSpecs

API = "http://127.0.0.1:1/v2"
AUTH = {"Authorization": "Bearer test-token"}


@pytest.fixture(scope="module")
def specs() -> ZoomSpecs:
    from tests.fixtures.reference import require_reference_dir

    return ZoomSpecs(require_reference_dir())


def answering(status: int, body: object) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


async def exchange(
    specs: ZoomSpecs,
    inner: httpx.AsyncBaseTransport,
    build: Callable[[httpx.AsyncClient], httpx.Request],
    operation_id: str,
) -> ContractRecorder:
    recorder = ContractRecorder()
    transport = SpecValidatingTransport(specs, recorder, inner)
    async with httpx.AsyncClient(transport=transport) as client:
        request = build(client)
        request.extensions["zoom_operation"] = operation_id
        await client.send(request)
    return recorder


def registrant_post(body: object) -> Callable[[httpx.AsyncClient], httpx.Request]:
    return lambda c: c.build_request(
        "POST", f"{API}/meetings/85746065432/registrants", json=body, headers=AUTH
    )


CREATED = {"id": 85746065432, "join_url": "https://zoom.us/w/1", "registrant_id": "abc"}


async def test_valid_exchange_is_clean_and_counts_as_covered(specs: ZoomSpecs) -> None:
    body = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}
    recorder = await exchange(
        specs, answering(201, CREATED), registrant_post(body), "meetingRegistrantCreate"
    )
    assert recorder.violations() == []
    assert recorder.covered() == {"meetingRegistrantCreate"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"email": "ada@example.com"}, "first_name"),  # required field missing
        ({"email": "ada@example.com", "first_name": "A", "frist_name": "x"}, "frist_name"),
        ({"email": "ada@example.com", "first_name": 7}, "first_name"),  # wrong type
    ],
)
async def test_bad_request_bodies_are_flagged(
    specs: ZoomSpecs, body: dict[str, object], expected: str
) -> None:
    recorder = await exchange(
        specs, answering(201, CREATED), registrant_post(body), "meetingRegistrantCreate"
    )
    [bad] = recorder.violations()
    assert expected in "\n".join(bad.problems)
    assert recorder.covered() == set()


async def test_wrong_operation_for_the_path_is_flagged(specs: ZoomSpecs) -> None:
    body = {"email": "ada@example.com", "first_name": "Ada"}
    recorder = await exchange(
        specs, answering(201, CREATED), registrant_post(body), "webinarRegistrantCreate"
    )
    assert "meetingRegistrantCreate" in "\n".join(recorder.violations()[0].problems)


async def test_answer_with_wrong_type_is_flagged(specs: ZoomSpecs) -> None:
    get = lambda c: c.build_request("GET", f"{API}/meetings/85746065432", headers=AUTH)  # noqa: E731
    recorder = await exchange(specs, answering(200, {"id": "not-a-number"}), get, "meeting")
    assert "id" in "\n".join(recorder.violations()[0].problems)


async def test_error_code_not_documented_for_the_operation_is_flagged(specs: ZoomSpecs) -> None:
    get = lambda c: c.build_request("GET", f"{API}/meetings/85746065432", headers=AUTH)  # noqa: E731
    wrong = answering(404, {"code": 1001, "message": "User does not exist: x."})
    recorder = await exchange(specs, wrong, get, "meeting")
    assert "1001" in "\n".join(recorder.violations()[0].problems)
    right = answering(404, {"code": 3001, "message": "Meeting does not exist: 85746065432."})
    assert (await exchange(specs, right, get, "meeting")).violations() == []


async def test_request_without_operation_tag_is_flagged(specs: ZoomSpecs) -> None:
    recorder = ContractRecorder()
    transport = SpecValidatingTransport(specs, recorder, answering(200, {}))
    async with httpx.AsyncClient(transport=transport, headers=AUTH) as client:
        await client.get(f"{API}/users/me")
    assert "zoom_operation" in recorder.violations()[0].problems[0]


def test_double_encoded_uuid_matches_one_path_segment(specs: ZoomSpecs) -> None:
    path = "/past_meetings/%252Fab%252F%252Fcd%253D%253D/participants"
    assert specs.match("GET", path) == "pastMeetingParticipants"
    assert specs.match("GET", "/users/email") == "userEmail"


def test_reference_folder_is_read_in_place(zoom_reference_dir: Path) -> None:
    assert (zoom_reference_dir / "meetings-api.openapi.json").is_file()


async def test_request_without_credentials_is_flagged(specs: ZoomSpecs) -> None:
    get = lambda c: c.build_request("GET", f"{API}/meetings/85746065432")  # noqa: E731
    recorder = await exchange(specs, answering(200, {"id": 85746065432}), get, "meeting")
    assert "Security" in "\n".join(recorder.violations()[0].problems)
