"""Following pages to the end, by token or (webinar list) by page number (canned pages)."""

from __future__ import annotations

import httpx

from tests.zoom.helpers import canned_client

WEBINARS: list[dict[str, int | str]] = [{"id": n, "topic": f"w{n}"} for n in range(1, 6)]


def page(
    items: list[dict[str, int | str]], number: int, size: int = 2
) -> list[dict[str, int | str]]:
    return items[(number - 1) * size : number * size]


async def test_webinar_list_by_page_number_when_zoom_sends_no_token() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page_number", "1"))
        asked.append(request.url.params.get("page_number", "-"))
        return httpx.Response(
            200,
            json={
                "page_count": 3,
                "page_number": number,
                "page_size": 2,
                "total_records": 5,
                "next_page_token": "",
                "webinars": page(WEBINARS, number),
            },
        )

    async with canned_client(handler) as zoom:
        ids = [w.id async for w in zoom.list_meetings("webinar", "me")]
    assert ids == [1, 2, 3, 4, 5]
    assert asked == ["-", "2", "3"]


async def test_webinar_list_by_token_stops_at_the_empty_token() -> None:
    # page_count says 3 but the answers page by token: the empty token ends the listing.
    tokens = {"": 1, "t2": 2, "t3": 3}
    following = {1: "t2", 2: "t3", 3: ""}

    def handler(request: httpx.Request) -> httpx.Response:
        number = tokens[request.url.params.get("next_page_token", "")]
        return httpx.Response(
            200,
            json={
                "page_count": 3,
                "page_number": 1,
                "page_size": 2,
                "next_page_token": following[number],
                "webinars": page(WEBINARS, number),
            },
        )

    async with canned_client(handler) as zoom:
        ids = [w.id async for w in zoom.list_meetings("webinar", "me")]
        assert ids == [1, 2, 3, 4, 5]
        assert zoom.stats.calls == 3
