"""Browser hardening: the headers every answer carries, and the API docs pages with their own
Content-Security-Policy.

The UI's policy allows scripts, styles and images from this site only: no inline script (the
confirmations live in /static/zoombridge.js, keyed on data attributes), no plugin, no other
site's forms, no framing (`frame-ancestors 'none'`, and X-Frame-Options for older browsers).
Even if some text were ever rendered unescaped, the browser would not run it.

/docs and /redoc are FastAPI's pages, loading Swagger UI and ReDoc from files shipped with the
package (no CDN: they work on a machine with no internet) and starting them with an inline
script: their policy names those scripts by hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UI_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": UI_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Same-origin: the UI's "back to the page you came from" reads the Referer; other sites
    # never see our URLs (which hold ids).
    "Referrer-Policy": "same-origin",
}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


class SecurityHeaders:
    """Adds `HEADERS` to every HTTP answer that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


def _hashed(page: HTMLResponse, *sources: str) -> HTMLResponse:
    """`page` with a policy allowing exactly its inline scripts (by SHA-256) and `sources`."""
    body = bytes(page.body).decode()
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(body)
    ]
    allowed = " ".join(dict.fromkeys(["'self'", *sources]))
    policy = "; ".join(
        [
            "default-src 'self'",
            f"script-src {' '.join([*hashes, *sources])}".strip(),
            # Both render with inline styles; a style cannot run code.
            f"style-src {allowed} 'unsafe-inline'",
            f"img-src {allowed} data:",
            "worker-src blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )
    page.headers["Content-Security-Policy"] = policy
    return page


def install_docs(app: FastAPI, openapi_url: str, static_url: str) -> None:
    """/docs, /docs/oauth2-redirect and /redoc as FastAPI serves them, each with its policy
    (the app is made with docs_url=None and redoc_url=None), their scripts and styles from
    `static_url`."""
    title = app.title

    def route(path: str, build: Callable[[Request], HTMLResponse]) -> None:
        async def page(request: Request) -> HTMLResponse:
            return build(request)

        app.add_route(path, page, include_in_schema=False)

    def root(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    route(
        "/docs",
        lambda request: _hashed(
            get_swagger_ui_html(
                openapi_url=root(request) + openapi_url,
                title=f"{title} - Swagger UI",
                oauth2_redirect_url=root(request) + "/docs/oauth2-redirect",
                swagger_js_url=f"{root(request)}{static_url}/swagger-ui-bundle.js",
                swagger_css_url=f"{root(request)}{static_url}/swagger-ui.css",
                swagger_favicon_url=f"{root(request)}{static_url}/favicon.png",
            ),
            "'self'",
        ),
    )
    route(
        "/docs/oauth2-redirect",
        lambda request: _hashed(get_swagger_ui_oauth2_redirect_html()),
    )
    route(
        "/redoc",
        lambda request: _hashed(
            get_redoc_html(
                openapi_url=root(request) + openapi_url,
                title=f"{title} - ReDoc",
                redoc_js_url=f"{root(request)}{static_url}/redoc.standalone.js",
                redoc_favicon_url=f"{root(request)}{static_url}/favicon.png",
                with_google_fonts=False,
            ),
            "'self'",
        ),
    )
