"""Every list route answers the same envelope, `{items, next_cursor, total}`, and takes
`cursor` and `limit`: no GET in the API answers a bare array."""

from __future__ import annotations

from typing import Any

from tests.fixtures.api import ApiHarness


async def test_no_get_route_answers_a_bare_array(api: ApiHarness) -> None:
    spec: dict[str, Any] = (await api.anonymous.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    paged: list[str] = []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        answer = get["responses"].get("200", {}).get("content", {}).get("application/json", {})
        schema = answer.get("schema", {})
        assert schema.get("type") != "array", f"GET {path} answers a bare array"
        name = schema.get("$ref", "").rsplit("/", 1)[-1]
        if name.startswith("Page_"):
            assert set(schemas[name]["properties"]) == {"items", "next_cursor", "total"}, path
            params = {p["name"] for p in get.get("parameters", []) if p["in"] == "query"}
            assert {"cursor", "limit"} <= params, path
            paged.append(path)
    assert len(paged) >= 30  # events, orders, attendees, bookings, emails, audit, settings …


async def test_a_settings_list_pages_with_the_same_cursor_rules(api: ApiHarness) -> None:
    for name in ("first", "second", "third"):
        made = await api.http.post("/api/v1/tokens", json={"name": name})
        assert made.status_code == 201, made.text
    whole = (await api.http.get("/api/v1/tokens")).json()
    assert whole["total"] == len(whole["items"]) == 4  # with the harness's own token
    assert whole["next_cursor"] is None
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await api.http.get("/api/v1/tokens", params=params)).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [t["id"] for t in whole["items"]]
    refused = await api.http.get("/api/v1/tokens", params={"cursor": "garbage!"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["cursor"]
