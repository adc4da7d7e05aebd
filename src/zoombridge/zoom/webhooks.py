"""Checking Zoom's webhook signatures and answering its endpoint URL validation.

Zoom signs each delivery: `x-zm-signature: v0=<hex HMAC-SHA256(secret token,
"v0:{x-zm-request-timestamp}:{raw body}")>`, the timestamp in seconds. A stale timestamp means a
replayed request, so those are refused too.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

SIGNATURE_HEADER = "x-zm-signature"
TIMESTAMP_HEADER = "x-zm-request-timestamp"
DEFAULT_TOLERANCE_SECONDS = 300.0


class WebhookVerificationError(Exception):
    """The delivery cannot be trusted. The message says why; it never holds the secret."""


class MissingSignature(WebhookVerificationError):
    pass


class BadSignature(WebhookVerificationError):
    pass


class StaleTimestamp(WebhookVerificationError):
    pass


def _hmac_hex(secret_token: str, message: bytes) -> str:
    return hmac.new(secret_token.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret_token: str, timestamp: str | int, raw_body: bytes | str) -> str:
    """The `x-zm-signature` value Zoom would send (also what the simulator must produce)."""
    body = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
    return "v0=" + _hmac_hex(secret_token, b"v0:" + str(timestamp).encode("ascii") + b":" + body)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def verify_signature(
    secret_token: str,
    headers: Mapping[str, str] | tuple[str | None, str | None],
    raw_body: bytes | str,
    *,
    now: datetime | None = None,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Raise a `WebhookVerificationError` unless the delivery is signed with `secret_token` and
    its timestamp is within `tolerance` seconds of `now` (past or future).

    `headers` is the request's headers, or a `(timestamp, signature)` pair.
    """
    if isinstance(headers, tuple):
        timestamp, signature = headers
    else:
        timestamp = _header(headers, TIMESTAMP_HEADER)
        signature = _header(headers, SIGNATURE_HEADER)
    if not timestamp or not signature:
        raise MissingSignature(
            f"The request lacks the {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header; it did not "
            "come from Zoom (or a proxy stripped the headers)."
        )
    # Digits only: float() would take "nan" (which no freshness check catches) and non-ASCII
    # digits the signing below cannot encode.
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 20:
        raise MissingSignature(f"The {TIMESTAMP_HEADER} header is not a whole number.")
    sent_at = float(timestamp)
    current = (now or datetime.now(UTC)).timestamp()
    if abs(current - sent_at) > tolerance:
        raise StaleTimestamp(
            f"The webhook timestamp is {current - sent_at:.0f} s away from now (more than "
            f"{tolerance:.0f} s): a replayed request, or this server's clock is wrong."
        )
    expected = sign(secret_token, timestamp, raw_body)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
        raise BadSignature(
            "The webhook signature does not match. Check the secret token configured here is "
            "the one shown for this app's event subscription in the Zoom App Marketplace."
        )


def url_validation_response(secret_token: str, plain_token: str) -> dict[str, str]:
    """The answer to Zoom's `endpoint.url_validation` event."""
    return {
        "plainToken": plain_token,
        "encryptedToken": _hmac_hex(secret_token, plain_token.encode("utf-8")),
    }
