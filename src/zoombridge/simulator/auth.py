"""Server-to-Server OAuth: `POST /oauth/token?grant_type=account_credentials&account_id=...`."""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse

from zoombridge.simulator.runtime import TOKEN_LIFETIME_S, Simulation


def _oauth_error(error: str, reason: str) -> JSONResponse:
    return JSONResponse({"reason": reason, "error": error}, status_code=400)


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


async def issue_token(sim: Simulation, request: Request) -> tuple[JSONResponse, str | None]:
    """The token answer, and the account it was issued to (for stats)."""
    params = dict(request.query_params)
    raw = await request.body()
    if raw and "x-www-form-urlencoded" in request.headers.get("content-type", ""):
        for key, value in parse_qsl(raw.decode(errors="replace")):
            params.setdefault(key, value)
    credentials = basic_credentials(request.headers.get("authorization"))
    account = sim.world.accounts_by_client.get(credentials[0]) if credentials else None
    if (
        credentials is None
        or account is None
        or not hmac.compare_digest(credentials[1].encode(), account.client_secret.encode())
    ):
        return _oauth_error("invalid_client", "Invalid client_id or client_secret"), None
    grant = params.get("grant_type")
    if grant != "account_credentials":
        return _oauth_error("unsupported_grant_type", "Unsupported grant type"), account.id
    if not params.get("account_id"):
        return _oauth_error("invalid_request", "Missing account_id"), account.id
    if params["account_id"] != account.id:
        return _oauth_error("invalid_request", "Invalid account_id"), account.id
    token = sim.issue_token(account)
    base = f"{request.url.scheme}://{request.url.netloc}"
    return (
        JSONResponse(
            {
                "access_token": token.value,
                "token_type": "bearer",
                "expires_in": TOKEN_LIFETIME_S,
                "scope": " ".join(token.scopes),
                "api_url": base,
            }
        ),
        account.id,
    )
