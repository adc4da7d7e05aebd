"""The API's documentation: readable operation ids, and /docs and /redoc served from the
package (no CDN: they work on a machine with no internet)."""

from __future__ import annotations

import re
from collections import Counter

from tests.fixtures.api import ApiHarness


async def test_operation_ids_are_readable_and_unique(api: ApiHarness) -> None:
    spec = (await api.anonymous.get("/openapi.json")).json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert [name for name, count in Counter(ids).items() if count > 1] == []
    assert {"create_order", "list_events", "create_connection", "get_ticket"} <= set(ids)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in ids), ids


async def test_swagger_ui_and_redoc_load_everything_from_here(api: ApiHarness) -> None:
    for page in ("/docs", "/redoc"):
        html = (await api.anonymous.get(page)).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets, html
        assert all(a.startswith("/") for a in assets), assets  # nothing from another host
        for asset in assets:
            if asset == "/openapi.json":
                continue
            answer = await api.anonymous.get(asset)
            assert answer.status_code == 200, asset
            assert len(answer.content) > 1000, asset
