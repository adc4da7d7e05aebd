"""Hostile deliveries to `POST /webhooks/zoom/{connection_id}`: each is refused with the right
4xx and writes no `inbound_webhooks` row; a genuine event replayed is stored once; the
URL-validation challenge is answered only when signed (Zoom signs it like any event, FACTS.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fixtures.api import ApiHarness
from tests.security.helpers import CreatedConnection, create_connection, inbound_webhook_count
from zoombridge.connections.webhooks import MAX_BODY_BYTES
from zoombridge.zoom.webhooks import DEFAULT_TOLERANCE_SECONDS, sign


def _event(name: str = "meeting.started") -> dict[str, Any]:
    return {
        "event": name,
        "event_ts": int(time.time() * 1000),
        "payload": {"account_id": "acct", "object": {"id": "8123", "uuid": "u-1"}},
    }


def _signed(raw: bytes, secret: str, *, ts: int | str | None = None) -> dict[str, str | bytes]:
    stamp = str(ts if ts is not None else int(time.time()))
    return {
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": sign(secret, stamp, raw),
        "content-type": "application/json",
    }


async def _post(
    api: ApiHarness, connection_id: str, content: Any, headers: dict[str, Any]
) -> httpx.Response:
    return await api.anonymous.post(
        f"/webhooks/zoom/{connection_id}", content=content, headers=headers
    )


async def _refused(
    api: ApiHarness, connection_id: str, content: Any, headers: dict[str, Any], status: int
) -> httpx.Response:
    before = await inbound_webhook_count(api.sessionmaker)
    response = await _post(api, connection_id, content, headers)
    assert response.status_code == status, response.text
    assert await inbound_webhook_count(api.sessionmaker) == before
    return response


@pytest.fixture
async def two(api: ApiHarness) -> tuple[CreatedConnection, CreatedConnection]:
    return await create_connection(api, "first"), await create_connection(api, "second")


async def test_bad_signature_is_refused(api: ApiHarness, two: Any) -> None:
    a, _ = two
    raw = json.dumps(_event()).encode()
    headers = _signed(raw, a.webhook_secret)
    headers["x-zm-signature"] = "v0=" + "0" * 64
    await _refused(api, a.id, raw, headers, 401)
    # A correct signature of another body does not sign this one.
    headers = _signed(b'{"event": "other"}', a.webhook_secret)
    await _refused(api, a.id, raw, headers, 401)


@pytest.mark.parametrize(
    "missing",
    [
        ("x-zm-signature",),
        ("x-zm-request-timestamp",),
        ("x-zm-signature", "x-zm-request-timestamp"),
    ],
)
async def test_missing_headers_are_refused(
    api: ApiHarness, two: Any, missing: tuple[str, ...]
) -> None:
    a, _ = two
    raw = json.dumps(_event()).encode()
    headers = _signed(raw, a.webhook_secret)
    for name in missing:
        del headers[name]
    await _refused(api, a.id, raw, headers, 401)


@pytest.mark.parametrize("offset", [-1, +1], ids=["past", "future"])
async def test_timestamp_outside_the_tolerance_is_refused_even_when_signed(
    api: ApiHarness, two: Any, offset: int
) -> None:
    a, _ = two
    raw = json.dumps(_event()).encode()
    stale = int(time.time() + offset * (DEFAULT_TOLERANCE_SECONDS + 60))
    await _refused(api, a.id, raw, _signed(raw, a.webhook_secret, ts=stale), 401)


@pytest.mark.parametrize("stamp", ["nan", "inf", "-inf"])
async def test_non_finite_timestamp_is_refused_even_when_signed(
    api: ApiHarness, two: Any, stamp: str
) -> None:
    # float("nan") parses, and abs(now - nan) > tolerance is False: the freshness check passes.
    a, _ = two
    raw = json.dumps(_event()).encode()
    await _refused(api, a.id, raw, _signed(raw, a.webhook_secret, ts=stamp), 401)


async def test_timestamp_with_non_ascii_bytes_is_refused_not_a_crash(
    api: ApiHarness, two: Any
) -> None:
    # Latin-1 header bytes: float() strips the no-break space, then the signing code encodes
    # the timestamp as ASCII.
    a, _ = two
    raw = json.dumps(_event()).encode()
    headers: dict[str, Any] = _signed(raw, a.webhook_secret)
    headers["x-zm-request-timestamp"] = str(int(time.time())).encode() + b"\xa0"
    await _refused(api, a.id, raw, headers, 401)


async def test_signature_with_non_ascii_bytes_is_refused(api: ApiHarness, two: Any) -> None:
    a, _ = two
    raw = json.dumps(_event()).encode()
    headers: dict[str, Any] = _signed(raw, a.webhook_secret)
    headers["x-zm-signature"] = b"v0=\xe9\xff"
    await _refused(api, a.id, raw, headers, 401)


async def test_replayed_event_is_stored_once(api: ApiHarness, two: Any) -> None:
    a, _ = two
    raw = json.dumps(_event()).encode()
    before = await inbound_webhook_count(api.sessionmaker)
    first = await _post(api, a.id, raw, _signed(raw, a.webhook_secret))
    again = await _post(api, a.id, raw, _signed(raw, a.webhook_secret))
    # Zoom's retry of the same event carries a new timestamp and signature: still one row.
    later = await _post(api, a.id, raw, _signed(raw, a.webhook_secret, ts=int(time.time()) + 5))
    assert [r.status_code for r in (first, again, later)] == [200, 200, 200]
    assert first.json() == {"status": "stored"}
    assert again.json() == later.json() == {"status": "duplicate"}
    assert await inbound_webhook_count(api.sessionmaker) == before + 1


async def test_oversized_body_is_refused(api: ApiHarness, two: Any) -> None:
    a, _ = two
    padding = "x" * (MAX_BODY_BYTES + 1)
    raw = json.dumps({**_event(), "padding": padding}).encode()
    assert len(raw) > MAX_BODY_BYTES
    await _refused(api, a.id, raw, _signed(raw, a.webhook_secret), 413)


async def test_oversized_streamed_body_without_length_is_refused(api: ApiHarness, two: Any) -> None:
    # No Content-Length: the receiver must count while reading, not trust the header.
    a, _ = two
    chunk = b" " * 65536
    chunks = MAX_BODY_BYTES // len(chunk) + 2

    async def stream() -> AsyncIterator[bytes]:
        for _ in range(chunks):
            yield chunk

    headers = _signed(chunk * chunks, a.webhook_secret)
    await _refused(api, a.id, stream(), headers, 413)


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"\xff\xfe\x00",
        b"[1, 2, 3]",
        b'"meeting.started"',
        b"42",
        b"null",
        b'{"payload": {}}',
        b'{"event": 7}',
    ],
    ids=["malformed", "not-utf8", "array", "string", "number", "null", "no-event", "event-not-str"],
)
async def test_signed_body_that_is_not_an_event_is_refused(
    api: ApiHarness, two: Any, raw: bytes
) -> None:
    a, _ = two
    await _refused(api, a.id, raw, _signed(raw, a.webhook_secret), 400)


@pytest.mark.parametrize("event_ts", ["soon", [1], {"a": 1}, 10**30])
async def test_signed_event_with_a_hostile_event_ts_is_refused_or_stored_never_a_crash(
    api: ApiHarness, two: Any, event_ts: Any
) -> None:
    a, _ = two
    raw = json.dumps({**_event(), "event_ts": event_ts}).encode()
    before = await inbound_webhook_count(api.sessionmaker)
    response = await _post(api, a.id, raw, _signed(raw, a.webhook_secret))
    assert response.status_code in (200, 400), response.text
    stored = 1 if response.status_code == 200 else 0
    assert await inbound_webhook_count(api.sessionmaker) == before + stored


@pytest.mark.parametrize("connection_id", ["random-uuid", "not-a-uuid", "%00", "0" * 500])
async def test_unknown_connection_is_refused(api: ApiHarness, two: Any, connection_id: str) -> None:
    a, _ = two
    target = str(uuid.uuid4()) if connection_id == "random-uuid" else connection_id
    raw = json.dumps(_event()).encode()
    await _refused(api, target, raw, _signed(raw, a.webhook_secret), 404)


async def test_connection_without_webhook_secret_refuses(api: ApiHarness) -> None:
    response = await api.http.post(
        "/api/v1/connections",
        json={"name": "nosecret", "account_id": "a", "client_id": "c", "client_secret": "s-1"},
    )
    assert response.status_code == 201, response.text
    raw = json.dumps(_event()).encode()
    await _refused(api, response.json()["id"], raw, _signed(raw, ""), 404)


async def test_another_connections_secret_is_refused(api: ApiHarness, two: Any) -> None:
    a, b = two
    raw = json.dumps(_event()).encode()
    await _refused(api, a.id, raw, _signed(raw, b.webhook_secret), 401)
    # ...and it is accepted by the connection it belongs to, so the refusal was about the secret.
    ok = await _post(api, b.id, raw, _signed(raw, b.webhook_secret))
    assert ok.json() == {"status": "stored"}


def _validation(plain: str) -> bytes:
    return json.dumps(
        {
            "event": "endpoint.url_validation",
            "event_ts": int(time.time() * 1000),
            "payload": {"plainToken": plain},
        }
    ).encode()


async def test_url_validation_is_answered_only_when_signed(api: ApiHarness, two: Any) -> None:
    a, b = two
    raw = _validation("plain-123")
    expected = hmac.new(a.webhook_secret.encode(), b"plain-123", hashlib.sha256).hexdigest()
    before = await inbound_webhook_count(api.sessionmaker)

    answered = await _post(api, a.id, raw, _signed(raw, a.webhook_secret))
    assert answered.status_code == 200
    assert answered.json() == {"plainToken": "plain-123", "encryptedToken": expected}

    # Unsigned or signed by someone else: no answer that would prove knowledge of the secret.
    for headers in ({"content-type": "application/json"}, _signed(raw, b.webhook_secret)):
        refused = await _post(api, a.id, raw, headers)
        assert refused.status_code == 401
        assert expected not in refused.text
    assert await inbound_webhook_count(api.sessionmaker) == before


@pytest.mark.parametrize("payload", [None, [], {"plainToken": ""}, {"plainToken": 5}])
async def test_url_validation_without_a_plain_token_is_refused(
    api: ApiHarness, two: Any, payload: Any
) -> None:
    a, _ = two
    raw = json.dumps({"event": "endpoint.url_validation", "payload": payload}).encode()
    await _refused(api, a.id, raw, _signed(raw, a.webhook_secret), 400)
