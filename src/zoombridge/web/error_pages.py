"""Error pages for people in a browser: styled like the rest of the UI, a plain sentence and a
way back. API clients (anything under /api/, or asking for JSON) get problem details instead."""

from __future__ import annotations

from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse

TITLES = {
    403: "Not allowed",
    404: "Not found",
    405: "Not possible here",
    500: "Something went wrong",
    503: "Please try again shortly",
}


def wants_html(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/webhooks/", "/health")):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def error_page(status: int, detail: str, *, headers: dict[str, str] | None = None) -> HTMLResponse:
    title = TITLES.get(status, "Something is not right")
    return HTMLResponse(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · zoombridge</title>"
        '<link rel="stylesheet" href="/static/zoombridge.css"></head><body>'
        '<header class="top"><a class="brand" href="/">zoombridge</a></header>'
        f'<main class="error-page"><h1>{escape(title)}</h1><p data-testid="error-detail">'
        f"{escape(detail)}</p>"
        '<p><a href="/events">Back to the events</a> · <a href="/">the start page</a></p>'
        "</main></body></html>",
        status_code=status,
        headers=headers,
    )
