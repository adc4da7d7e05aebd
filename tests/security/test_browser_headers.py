"""Browser hardening (issue 15, item 7): every UI page (and every other answer) carries a
Content-Security-Policy without inline script, framing forbidden, a Referrer-Policy and nosniff;
the templates hold no inline script or event handler (the confirmations are in
/static/zoombridge.js); the API docs pages allow exactly their inline scripts by hash; and a 405
names every method the path serves in `Allow`."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest

from tests.fixtures.api import ApiHarness
from tests.security.helpers import signed_in_client
from tests.security.routes import served_routes
from zoombridge.web.views.common import TEMPLATES_DIR

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def _hardened(answer: httpx.Response, what: str) -> None:
    for name, value in EXPECTED.items():
        assert answer.headers.get(name) == value, (what, name)
    policy = _directives(answer.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"], what
    assert policy["script-src"] == ["'self'"], what  # no 'unsafe-inline', no other site
    assert policy["object-src"] == ["'none'"], what
    assert policy["default-src"] == ["'self'"], what


async def test_every_ui_page_and_answer_carries_the_security_headers(api: ApiHarness) -> None:
    client, _ = await signed_in_client(api, "olga@example.com", "long-enough-1")
    try:
        pages = [r for r in served_routes(api.app) if r.ui and r.method == "GET"]
        assert len(pages) > 20
        for route in pages:
            answer = await client.get(route.concrete_path())
            _hardened(answer, str(route))
        for path in (
            "/tokens",
            "/events",
            "/users",
            "/static/zoombridge.js",
            "/static/zoombridge.css",
        ):
            answer = await client.get(path)
            assert answer.status_code == 200, path
            _hardened(answer, path)
    finally:
        await client.aclose()
    for answer in (
        await api.anonymous.get("/login"),
        await api.anonymous.get("/events"),  # a redirect to sign in
        await api.http.get("/api/v1/events"),
        await api.anonymous.get("/api/v1/events"),  # a 401
        await api.anonymous.post("/login", data={"email": "\x00"}),  # refused at the door
    ):
        _hardened(answer, f"{answer.request.method} {answer.request.url.path}")


_INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_no_template_holds_inline_script_or_event_handlers() -> None:
    templates = sorted(Path(TEMPLATES_DIR).glob("*.html"))
    assert len(templates) > 30
    found = [
        f"{path.name}: {match.group().strip()}"
        for path in templates
        for pattern in (_INLINE_HANDLER, _INLINE_SCRIPT, re.compile(r"javascript:", re.I))
        for match in pattern.finditer(path.read_text())
    ]
    assert found == []
    confirmations = sum(p.read_text().count("data-confirm=") for p in templates)
    assert confirmations >= 9  # each destructive form still asks first, from the static script


async def test_the_api_docs_allow_exactly_their_own_inline_scripts(api: ApiHarness) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        answer = await api.anonymous.get(path)
        assert answer.status_code == 200, path
        policy = _directives(answer.headers["content-security-policy"])
        assert policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in policy["script-src"]
        inline = re.findall(r"<script>(.*?)</script>", answer.text, re.DOTALL)
        hashes = {
            "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
            for s in inline
        }
        assert hashes == {s for s in policy["script-src"] if s.startswith("'sha256-")}, path
        assert answer.headers["x-frame-options"] == "DENY"


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


async def test_a_405_names_every_method_the_path_serves(api: ApiHarness) -> None:
    routes = served_routes(api.app)
    paths = sorted({r.path for r in routes})
    checked = 0
    for template in paths:
        concrete = next(r for r in routes if r.path == template).concrete_path()
        served = {r.method for r in routes if _pattern(r.path).match(concrete)}
        unserved = [m for m in ("PUT", "PATCH", "DELETE", "POST", "GET") if m not in served]
        if not unserved:
            continue
        answer = await api.anonymous.request(unserved[0], concrete)
        assert answer.status_code == 405, (template, unserved[0], answer.status_code)
        allowed = {m.strip() for m in answer.headers["allow"].split(",")}
        # The enumeration leaves HEAD out; plain Starlette routes (the docs) serve it with GET.
        assert allowed - {"HEAD"} == served, template
        checked += 1
    assert checked > 60


@pytest.mark.parametrize("path", ["/api/v1/tokens", "/tokens"])
async def test_get_and_post_routes_of_one_path_are_both_allowed(api: ApiHarness, path: str) -> None:
    answer = await api.anonymous.put(path)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
