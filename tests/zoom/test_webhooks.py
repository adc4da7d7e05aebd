"""Webhook signature checks and URL validation."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.fixtures.reference import reference_dir
from zoombridge.zoom.webhooks import (
    BadSignature,
    MissingSignature,
    StaleTimestamp,
    sign,
    url_validation_response,
    verify_signature,
)

SECRET = "whsec-test-token"
NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
TS = str(int(NOW.timestamp()))
BODY = b'{"event":"meeting.started","event_ts":1,"payload":{"account_id":"a","object":{}}}'


def expected_signature(secret: str, ts: str, body: bytes) -> str:
    # Written out independently of the module: Zoom's documented recipe.
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def test_sign_matches_zoom_recipe() -> None:
    assert sign(SECRET, TS, BODY) == expected_signature(SECRET, TS, BODY)


def test_valid_signature_from_headers_passes() -> None:
    headers = {"X-Zm-Request-Timestamp": TS, "X-Zm-Signature": expected_signature(SECRET, TS, BODY)}
    verify_signature(SECRET, headers, BODY, now=NOW)
    verify_signature(SECRET, (TS, expected_signature(SECRET, TS, BODY)), BODY.decode(), now=NOW)


def test_tampered_body_or_wrong_secret_fails() -> None:
    good = expected_signature(SECRET, TS, BODY)
    with pytest.raises(BadSignature):
        verify_signature(SECRET, (TS, good), BODY.replace(b"started", b"ended"), now=NOW)
    with pytest.raises(BadSignature) as info:
        verify_signature("other-secret", (TS, good), BODY, now=NOW)
    assert SECRET not in str(info.value)
    assert "other-secret" not in str(info.value)


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_stale_or_future_timestamp_fails(skew: int) -> None:
    ts = str(int(NOW.timestamp()) + skew)
    with pytest.raises(StaleTimestamp):
        verify_signature(SECRET, (ts, expected_signature(SECRET, ts, BODY)), BODY, now=NOW)


def test_timestamp_within_tolerance_passes() -> None:
    ts = str(int((NOW - timedelta(seconds=299)).timestamp()))
    verify_signature(SECRET, (ts, expected_signature(SECRET, ts, BODY)), BODY, now=NOW)


@pytest.mark.parametrize(
    "headers", [{}, {"x-zm-request-timestamp": TS}, {"x-zm-signature": "v0=ab"}, (None, None)]
)
def test_missing_headers_fail(headers: dict[str, str] | tuple[None, None]) -> None:
    with pytest.raises(MissingSignature):
        verify_signature(SECRET, headers, BODY, now=NOW)


def test_url_validation_response() -> None:
    answer = url_validation_response(SECRET, "qgg8vlvZRS6UYooatFL8Aw")
    assert answer == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
        "encryptedToken": hmac.new(
            SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256
        ).hexdigest(),
    }


def test_url_validation_uses_the_plain_token_of_zoom_example_request() -> None:
    # Zoom's published example pair was made with a secret Zoom does not publish, so the
    # encrypted token cannot be reproduced; the request's shape still drives our answer.
    folder = reference_dir()
    if folder is None:
        pytest.skip("Zoom reference folder absent")
    path = folder / "webhooks" / "endpoint.url_validation.request.example.json"
    if not path.is_file():
        pytest.skip("example request absent")
    request = json.loads(path.read_text())
    plain = request["payload"]["plainToken"]
    answer = url_validation_response(SECRET, plain)
    assert answer["plainToken"] == plain
    assert len(answer["encryptedToken"]) == 64
    assert (
        answer["encryptedToken"] == hmac.new(SECRET.encode(), plain.encode(), "sha256").hexdigest()
    )
