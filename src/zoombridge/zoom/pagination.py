"""Following Zoom's pages to the end (reading only the first page is a classic sync bug)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

from zoombridge.zoom.errors import UnexpectedResponse

FetchPage = Callable[[dict[str, str | int]], Awaitable[dict[str, Any]]]
PageMode = Literal["token", "auto"]


async def iterate_items(
    fetch: FetchPage, items_key: str, *, mode: PageMode = "token", operation_id: str | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Every item under `items_key` across all pages.

    `token` mode follows `next_page_token` until it is empty. `auto` mode (for the webinar
    list, whose spec declares only the deprecated `page_number` while telling callers to use
    `next_page_token`) follows the token when the answer has one, else asks for the next
    `page_number` up to `page_count`.
    """
    params: dict[str, str | int] = {}
    seen_tokens: set[str] = set()
    page_number = 1
    while True:
        body = await fetch(params)
        items = body.get(items_key) or []
        if not isinstance(items, list):
            raise UnexpectedResponse(
                f"Zoom's page has no list under {items_key!r}.", operation_id=operation_id
            )
        for item in items:
            if isinstance(item, dict):
                yield item
        token = str(body.get("next_page_token") or "")
        # Once Zoom pages by token, an empty token is the end, whatever page_count says.
        if token or mode == "token" or seen_tokens:
            if not token:
                return
            if token in seen_tokens:
                raise UnexpectedResponse(
                    "Zoom returned the same page token twice; stopping to avoid a loop.",
                    operation_id=operation_id,
                )
            seen_tokens.add(token)
            params = {"next_page_token": token}
        else:
            page_count = int(body.get("page_count") or 0)
            if not items or page_number >= page_count:
                return
            page_number += 1
            params = {"page_number": page_number}
