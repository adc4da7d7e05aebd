"""Limits (issue 15, item 6): a body over the configured size is answered 413 before the rest is
read (declared or streamed); the CSV import has its own, larger limit; JSON nested deeper than
the limit is refused in the API and in the Zoom webhook receiver (a deeply nested signed webhook
was a 500); and the API checks the token before it says anything about a body (401, not 422)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fixtures.api import ApiHarness
from tests.orders.factories import create_event
from tests.orders.helpers import people, row_counts
from tests.security.helpers import create_connection, inbound_webhook_count
from tests.security.test_webhooks_hostile import _event, _signed
from zoombridge.settings import Settings
from zoombridge.web.app import create_app

LIMIT = 64 * 1024
CSV_LIMIT = 256 * 1024
CHUNK = 16 * 1024


@pytest.fixture
async def small(api: ApiHarness) -> AsyncIterator[httpx.AsyncClient]:
    """The app with small limits (64 KiB, the CSV import 256 KiB), as the test token."""
    settings = Settings(
        data_dir=api.app.state.settings.data_dir,
        max_body_bytes=LIMIT,
        max_csv_import_bytes=CSV_LIMIT,
    )
    app = create_app(settings, sessionmaker=api.sessionmaker)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://zoombridge.test",
        headers={"Authorization": f"Bearer {api.token}"},
    ) as client:
        yield client


class Sent:
    """A streamed body that counts the chunks the server asked for."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.read += 1
            yield b" " * CHUNK


async def test_a_declared_size_over_the_limit_is_refused_before_reading_anything(
    api: ApiHarness, small: httpx.AsyncClient
) -> None:
    event_ids = await create_event(api.sessionmaker)
    body = Sent(64)  # 1 MiB
    answer = await small.post(
        f"/api/v1/events/{event_ids.event_id}/orders",
        content=body,
        headers={"Content-Type": "application/json", "Content-Length": str(64 * CHUNK)},
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"
    assert body.read == 0


async def test_a_streamed_body_over_the_limit_is_refused_without_reading_the_rest(
    api: ApiHarness, small: httpx.AsyncClient
) -> None:
    event_ids = await create_event(api.sessionmaker)
    body = Sent(64)  # no Content-Length: sent chunked
    answer = await small.post(
        f"/api/v1/events/{event_ids.event_id}/orders",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert body.read <= LIMIT // CHUNK + 1
    assert await row_counts(api.sessionmaker) == (0, 0, 0)


def _csv(rows: int) -> bytes:
    lines = ["email,first_name,last_name"] + [
        f"guest{i}@example.com,Guest,Number{i:06d}" for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


async def test_the_csv_import_has_its_own_larger_limit(
    api: ApiHarness, small: httpx.AsyncClient
) -> None:
    event_ids = await create_event(api.sessionmaker, links=0)
    file = _csv(3000)
    assert LIMIT < len(file) < CSV_LIMIT
    url = f"/api/v1/events/{event_ids.event_id}/attendees.csv"
    imported = await small.post(url, content=file, headers={"Content-Type": "text/csv"})
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 3000
    elsewhere = await small.post(
        f"/api/v1/events/{event_ids.event_id}/orders",
        content=file,
        headers={"Content-Type": "application/json"},
    )
    assert elsewhere.status_code == 413
    too_big = await small.post(url, content=_csv(12_000), headers={"Content-Type": "text/csv"})
    assert too_big.status_code == 413


async def test_a_ui_form_over_the_limit_is_refused_too(small: httpx.AsyncClient) -> None:
    answer = await small.post("/login", data={"email": "x" * (LIMIT + 1), "password": "x"})
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")


def _nested(depth: int) -> str:
    """JSON text nesting `depth` levels (arrays and objects by turns), written out directly:
    json.dumps itself fails on thousands of levels."""
    opening = "".join('{"k": ' if level % 2 else "[" for level in range(depth))
    closing = "".join("}" if level % 2 else "]" for level in reversed(range(depth)))
    return opening + '"deep"' + closing


def _order(url_order: dict[str, Any], depth: int) -> bytes:
    """The order as JSON with billing.address nested `depth` levels."""
    head = json.dumps({**url_order, "billing": {"address": None}})
    return head.replace("null", _nested(depth), 1).encode()


async def test_json_nested_deeper_than_the_limit_is_refused_before_it_is_parsed(
    api: ApiHarness,
) -> None:
    event_ids = await create_event(api.sessionmaker)
    url = f"/api/v1/events/{event_ids.event_id}/orders"
    order = {"attendees": people("ada"), "status": "completed"}
    json_type = {"Content-Type": "application/json"}
    kept = await api.http.post(url, content=_order(order, 30), headers=json_type)
    assert kept.status_code == 201, kept.text  # 32 levels with the order and billing
    for depth in (31, 5000):
        answer = await api.http.post(url, content=_order(order, depth), headers=json_type)
        assert answer.status_code == 422, (depth, answer.text)
        assert answer.json()["errors"] == [
            {"field": "body", "message": "nests deeper than 32 levels; flatten it"}
        ]
    assert (await row_counts(api.sessionmaker))[0] == 1  # only the order within the limit


async def test_a_deeply_nested_signed_webhook_is_refused_not_a_500(api: ApiHarness) -> None:
    connection = await create_connection(api, "Zoom")
    before = await inbound_webhook_count(api.sessionmaker)
    for depth in (31, 5000):
        event = _event()
        event["payload"]["object"]["extra"] = None  # 3 levels down: 34 in all, or 5003
        raw = json.dumps(event).replace("null", _nested(depth), 1).encode()
        answer = await api.anonymous.post(
            f"/webhooks/zoom/{connection.id}",
            content=raw,
            headers=_signed(raw, connection.webhook_secret),
        )
        assert answer.status_code == 400, (depth, answer.text)
        assert "nests deeper than 32 levels" in answer.json()["detail"]
    assert await inbound_webhook_count(api.sessionmaker) == before


@pytest.mark.parametrize(
    ("label", "raw"),
    [
        ("malformed JSON", b'{"attendees": [}'),
        ("too deep", _nested(5000).encode()),
        ("a NUL byte", b'{"attendees": [{"email": "a\\u0000@example.com"}]}'),
        ("the wrong shape", b'{"attendees": "nobody"}'),
    ],
)
@pytest.mark.parametrize("token", [None, "zb_" + "n" * 43])
async def test_an_unauthenticated_bad_body_is_told_to_authenticate(
    api: ApiHarness, label: str, raw: bytes, token: str | None
) -> None:
    event_ids = await create_event(api.sessionmaker)
    json_type = {"Content-Type": "application/json"}
    sent = {**json_type, "Authorization": f"Bearer {token}"} if token else json_type
    answer = await api.anonymous.post(
        f"/api/v1/events/{event_ids.event_id}/orders", content=raw, headers=sent
    )
    assert answer.status_code == 401, (label, answer.text)
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["errors"] == []
    # With the token, the same body gets the detail.
    authenticated = await api.http.post(
        f"/api/v1/events/{event_ids.event_id}/orders", content=raw, headers=json_type
    )
    assert authenticated.status_code == 422, authenticated.text


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


_TEXT = st.text(alphabet=st.sampled_from('[]{}"\\ab,:\u00e9\u0000'), max_size=6)
_JSON = st.recursive(
    st.none() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(value=_JSON, limit=st.integers(min_value=1, max_value=8))
def test_the_depth_measured_on_bytes_is_the_parsed_depth(value: Any, limit: int) -> None:
    """Brackets and quotes inside strings (escaped or not) never count."""
    from zoombridge.kit.json_depth import json_too_deep

    for raw in (json.dumps(value).encode(), json.dumps(value, ensure_ascii=False).encode()):
        assert json_too_deep(raw, limit) == (_depth(value) > limit), raw
        assert json_too_deep(raw.decode().encode("utf-16"), limit) == (_depth(value) > limit)
