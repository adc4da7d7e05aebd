"""Meeting UUIDs in paths: double encoding when Zoom requires it, and httpx leaving it alone."""

from __future__ import annotations

import httpx
import pytest

from tests.zoom.helpers import canned_client
from zoombridge.zoom.uuids import encode_path_segment, needs_double_encoding


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (85746065432, "85746065432"),
        ("4444AAAiAAAAAiAiAiiAii==", "4444AAAiAAAAAiAiAiiAii%3D%3D"),
        ("ab/cd+ef==", "ab%2Fcd%2Bef%3D%3D"),  # one slash inside: encoded once
        ("/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D"),  # leading slash
        ("ab//cdQmuoKj4854875==", "ab%252F%252FcdQmuoKj4854875%253D%253D"),  # double slash
        ("host@example.com", "host%40example.com"),
    ],
)
def test_path_segment_encoding(value: str | int, encoded: str) -> None:
    assert encode_path_segment(value) == encoded


def test_double_encoding_rule() -> None:
    assert needs_double_encoding("/abc")
    assert needs_double_encoding("a//b")
    assert not needs_double_encoding("a/b/c")
    assert not needs_double_encoding("abc==")


@pytest.mark.parametrize(
    ("uuid", "raw_segment"),
    [
        ("/ab//cd+e==", b"%252Fab%252F%252Fcd%252Be%253D%253D"),
        ("ab/cd+e==", b"ab%2Fcd%2Be%3D%3D"),
    ],
)
async def test_httpx_sends_the_encoded_uuid_byte_for_byte(uuid: str, raw_segment: bytes) -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(200, json={"participants": [], "next_page_token": ""})

    async with canned_client(handler) as zoom:
        rows = [p async for p in zoom.list_past_participants("meeting", uuid)]
    assert rows == []
    assert seen[0].split(b"?")[0] == b"/v2/past_meetings/" + raw_segment + b"/participants"
