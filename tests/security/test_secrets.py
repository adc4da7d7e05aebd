"""No secret (Zoom client secret, webhook secret token, SMTP password, a user's password) ever
appears in an answer body, an answer header or a log line, in plain, base64, URL-encoded or
HTTP-Basic form.

The secrets are set through the API, then every GET route of the API and every UI page is
fetched (signed in, with real ids where a route takes one), errors are provoked (invalid input
that carries the secret, duplicates, wrong tokens, JWT fields, bad webhooks, a UI form
re-rendered with errors) and the worker runs against the simulator (OAuth with the client
secret, the connection test). All logs are captured at DEBUG.
"""

from __future__ import annotations

import base64
import logging
import re
import secrets
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from tests.fixtures.api import ApiHarness
from tests.security.helpers import create_connection, signed_in_client
from tests.security.routes import served_routes
from zoombridge.settings import Settings
from zoombridge.simulator import SimulatorServer
from zoombridge.worker import Worker
from zoombridge.zoom.webhooks import sign


def _forms(secret: str, client_id: str | None = None) -> set[str]:
    """The ways a secret could leak: as is, base64 (with and without padding), URL-encoded,
    and inside an HTTP Basic credential."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        base64.b64encode(secret.encode()).decode(),
        base64.b64encode(secret.encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
    }
    if client_id is not None:
        forms.add(base64.b64encode(f"{client_id}:{secret}".encode()).decode())
    return forms


class Recorder:
    """Every answer seen, as text: status line, headers and body."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def add(self, label: str, response: httpx.Response) -> httpx.Response:
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        self.seen.append((label, f"{response.status_code}\n{headers}\n\n{response.text}"))
        return response


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(
        r"\{([^}]+)\}", lambda m: ids.get(m.group(1), "00000000-0000-4000-8000-000000000000"), path
    )


async def test_no_secret_in_answers_headers_or_logs(
    api: ApiHarness,
    simulator: SimulatorServer,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    record = Recorder()
    password = "pw-" + secrets.token_urlsafe(16)
    ui, csrf = await signed_in_client(api, "owner@example.test", password)

    # --- secrets set through the API ---
    client_id = "client-" + secrets.token_hex(4)
    client_secret = "cs-" + secrets.token_urlsafe(24)
    webhook_secret = "wh-" + secrets.token_urlsafe(24)
    created = record.add(
        "create connection",
        await api.http.post(
            "/api/v1/connections",
            json={
                "name": "Leak check",
                "account_id": "sim-account",
                "client_id": client_id,
                "client_secret": client_secret,
                "webhook_secret_token": webhook_secret,
                "api_url": simulator.api_url,
                "oauth_url": simulator.oauth_url,
            },
        ),
    )
    assert created.status_code == 201, created.text
    connection_id = created.json()["id"]
    other = await create_connection(api, "Other")

    smtp_password = "smtp-" + secrets.token_urlsafe(16)
    smtp = record.add(
        "put smtp",
        await api.http.put(
            "/api/v1/settings/smtp",
            json={
                "host": "127.0.0.1",
                "port": 2525,
                "security": "none",
                "username": "mailer",
                "password": smtp_password,
                "from_address": "events@example.test",
            },
        ),
    )
    if smtp.status_code == 404 and "/api/v1/settings/smtp" not in str(api.app.openapi()["paths"]):
        pytest.skip("the notifications API (PUT /api/v1/settings/smtp) does not exist yet")
    assert smtp.status_code == 200, smtp.text

    # --- errors that carry a secret in their input ---
    bad_inputs = [
        (
            "post",
            "/api/v1/connections",
            {
                "name": "Leak check",
                "account_id": "a",
                "client_id": "c",
                "client_secret": client_secret,
            },
        ),
        (
            "post",
            "/api/v1/connections",
            {
                "name": "",
                "account_id": "a",
                "client_id": "c",
                "client_secret": client_secret,
                "webhook_secret_token": webhook_secret,
            },
        ),
        (
            "post",
            "/api/v1/connections",
            {
                "name": "x",
                "account_id": "a",
                "client_id": "c",
                "client_secret": client_secret,
                "api_secret": client_secret,
                "jwt_token": webhook_secret,
            },
        ),
        (
            "post",
            "/api/v1/connections",
            {
                "name": "y",
                "account_id": "a",
                "client_id": "c",
                "client_secret": client_secret * 200,
            },
        ),
        (
            "patch",
            f"/api/v1/connections/{connection_id}",
            {"client_secret": 5, "webhook_secret_token": [webhook_secret]},
        ),
        (
            "patch",
            f"/api/v1/connections/{connection_id}",
            {"oauth_url": client_secret, "unknown": webhook_secret},
        ),
        (
            "put",
            "/api/v1/settings/smtp",
            {"host": "", "port": 0, "password": smtp_password, "from_address": smtp_password},
        ),
        (
            "put",
            "/api/v1/settings/smtp",
            {"host": "h", "password": smtp_password * 100, "from_address": "a@b.test"},
        ),
    ]
    for method, path, body in bad_inputs:
        answer = record.add(
            f"{method} {path} invalid", await api.http.request(method, path, json=body)
        )
        assert 400 <= answer.status_code < 500, (path, answer.status_code)
    for token in (client_secret, webhook_secret, smtp_password):
        record.add(
            "secret as token",
            await api.anonymous.get(
                "/api/v1/connections", headers={"Authorization": f"Bearer {token}"}
            ),
        )
    record.add(
        "sign-in with a wrong password",
        await api.anonymous.post(
            "/login",
            data={"email": "owner@example.test", "password": password + "x", "csrf_token": csrf},
        ),
    )

    # Webhooks: wrong secret, and the validation answer (an HMAC, not the secret).
    raw = b'{"event": "meeting.started", "event_ts": 1, "payload": {"object": {"id": "1"}}}'
    stamp = str(int(time.time()))
    for secret_used in (other.webhook_secret, webhook_secret):
        record.add(
            "webhook",
            await api.anonymous.post(
                f"/webhooks/zoom/{connection_id}",
                content=raw,
                headers={
                    "x-zm-request-timestamp": stamp,
                    "x-zm-signature": sign(secret_used, stamp, raw),
                },
            ),
        )
    validation = b'{"event": "endpoint.url_validation", "payload": {"plainToken": "p"}}'
    record.add(
        "url validation",
        await api.anonymous.post(
            f"/webhooks/zoom/{connection_id}",
            content=validation,
            headers={
                "x-zm-request-timestamp": stamp,
                "x-zm-signature": sign(webhook_secret, stamp, validation),
            },
        ),
    )

    # The UI: a connection form re-rendered with errors must not echo the secrets back.
    record.add(
        "ui create invalid",
        await ui.post(
            "/connections",
            data={
                "csrf_token": csrf,
                "name": "",
                "account_id": "a",
                "client_id": "c",
                "client_secret": client_secret,
                "webhook_secret_token": webhook_secret,
            },
        ),
    )
    record.add(
        "ui edit invalid",
        await ui.post(
            f"/connections/{connection_id}/edit",
            data={
                "csrf_token": csrf,
                "name": "",
                "account_id": "",
                "client_id": "c",
                "client_secret": client_secret,
                "webhook_secret_token": webhook_secret,
            },
        ),
    )

    # --- the worker uses the client secret against the simulator (OAuth, test access) ---
    record.add("request test", await api.http.post(f"/api/v1/connections/{connection_id}/test"))
    record.add(
        "request hosts", await api.http.post(f"/api/v1/connections/{connection_id}/hosts/fetch")
    )
    worker = Worker(api.sessionmaker, Settings(data_dir=tmp_path), poll_interval=0.05)
    try:
        for _ in range(3):
            await worker.run_once()
    finally:
        await worker.aclose()

    # --- every GET: API routes with the token, UI pages signed in ---
    ids = {"connection_id": connection_id, "key": "booking_confirmation"}
    fetched = ui_pages_shown = 0
    for route in served_routes(api.app):
        if route.method != "GET":
            continue
        client = ui if route.ui else api.http
        page = record.add(f"GET {route.path}", await client.get(_fill(route.path, ids)))
        fetched += 1
        ui_pages_shown += route.ui and page.status_code == 200
    assert fetched > 30
    # The UI pages were really rendered for a signed-in user (not sign-in redirects).
    assert ui_pages_shown >= 5, ui_pages_shown
    connection = await api.http.get(f"/api/v1/connections/{connection_id}")
    record.add("connection after worker", connection)
    await ui.aclose()

    # --- grep everything ---
    leaks = []
    checks = {
        "client secret": _forms(client_secret, client_id),
        "webhook secret": _forms(webhook_secret),
        "smtp password": _forms(smtp_password, "mailer"),
        "user password": _forms(password),
    }
    logs = [
        (f"log {r.name}:{r.levelname}", r.getMessage() + "\n" + (r.exc_text or "") + repr(r.args))
        for r in caplog.records
    ]
    for label, text in record.seen + logs:
        for what, forms in checks.items():
            for form in forms:
                if form in text:
                    leaks.append(f"{what} ({form[:6]}…) in {label}")
                    break
    assert len(record.seen) > 50, "the check saw too few answers to mean anything"
    assert caplog.records, "no log line was captured"
    assert not leaks, "\n".join(sorted(set(leaks)))
