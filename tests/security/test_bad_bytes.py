"""Bad bytes refused at the door (issue 15, item 4): NUL, other control characters (tab, CR and
LF aside) and lone surrogates in any text of a JSON body, a form, a query string, a path or a
CSV upload are answered 422 naming the field, before any database call; nothing is stored.
Before, PostgreSQL answered 500 (it refuses NUL), SQLite stored them (and wrote them into CSV
exports), and a lone surrogate was a 500 on both. CSV exports never carry a control character,
whatever was stored before."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.api import ApiHarness
from tests.orders.factories import create_event
from tests.orders.helpers import people, row_counts
from tests.security.helpers import CSRF_INPUT, page_csrf, sign_in, ui_client
from zoombridge.accounts.models import ApiToken, User
from zoombridge.accounts.service import create_user
from zoombridge.orders.models import Attendee, Order

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@asynccontextmanager
async def _statements(api: ApiHarness) -> AsyncIterator[list[str]]:
    """The SQL statements the app sends while the block runs."""
    engine: AsyncEngine = api.sessionmaker.kw["bind"]
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def _field(answer: Any) -> str:
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["errors"]
    assert re.match(r"(line \d+ )?contains a ", problem["message"]), problem
    return str(problem["field"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"billing": {"note": "gate\x00code"}}, "billing.note"),
        ({"billing": {"street": "Main St\x1b[31m"}}, "billing.street"),
        ({"billing": {"ke\x00y": "x"}}, "billing.ke?y"),
        ({"reference": "A-\x7f1"}, "reference"),
        ({"customer": {"name": "Ada\x85"}}, "customer.name"),
    ],
)
async def test_a_json_body_with_bad_bytes_is_refused_naming_the_field(
    api: ApiHarness, body: dict[str, Any], field: str | None
) -> None:
    event_ids = await create_event(api.sessionmaker)
    order = {"attendees": people("ada"), "status": "completed", **body}
    answer = await api.http.post(f"/api/v1/events/{event_ids.event_id}/orders", json=order)
    assert _field(answer) == field
    assert await row_counts(api.sessionmaker) == (0, 0, 0)


async def test_escaped_and_raw_bad_bytes_are_the_same_to_the_door(api: ApiHarness) -> None:
    event_ids = await create_event(api.sessionmaker)
    url = f"/api/v1/events/{event_ids.event_id}/orders"
    for raw in (
        b'{"attendees": [{"email": "ada@example.com"}], "billing": {"n": "\\u0000"}}',
        b'{"attendees": [{"email": "ada@example.com"}], "billing": {"n": "\\u001F"}}',
        '{"attendees": [{"email": "ada@example.com"}], "billing": {"n": "\u0090"}}'.encode(),
        # A lone surrogate: not text (neither database can store it; it was a 500 on both).
        b'{"attendees": [{"email": "ada@example.com"}], "billing": {"n": "\\ud800"}}',
        # UTF-16, which the JSON parser reads too.
        '{"attendees": [{"email": "ada@example.com"}], "billing": {"n": "\\u0000"}}'.encode(
            "utf-16"
        ),
    ):
        answer = await api.http.post(url, content=raw, headers={"Content-Type": "application/json"})
        assert _field(answer) == "billing.n", raw
    tab = (
        b'{"attendees": [{"email": "ada@example.com", "first_name": "Ada", "last_name": "T"}],'
        b' "billing": {"n": "a\\tb\\r\\nc"}}'
    )
    kept = await api.http.post(url, content=tab, headers={"Content-Type": "application/json"})
    assert kept.status_code == 201, kept.text  # tab and line breaks are text, in free fields


async def test_the_query_and_the_path_are_checked_too(api: ApiHarness) -> None:
    event_ids = await create_event(api.sessionmaker)
    csv_text = "email,first_name,last_name\nada@example.com,Ada,Tester\n"
    answer = await api.http.post(
        f"/api/v1/events/{event_ids.event_id}/attendees.csv",
        params={"reference": "upload\x00"},
        content=csv_text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert _field(answer) == "reference"
    ticket = await api.http.get("/api/v1/attendees/TICKET%00/ticket")
    assert _field(ticket) == "path"
    assert await row_counts(api.sessionmaker) == (0, 0, 0)


async def test_a_csv_upload_with_bad_bytes_is_refused_naming_the_line(api: ApiHarness) -> None:
    event_ids = await create_event(api.sessionmaker)
    csv_text = (
        "email,first_name,last_name\nada@example.com,Ada,Tester\neve@example.com,Eve\x00,Tester\n"
    )
    answer = await api.http.post(
        f"/api/v1/events/{event_ids.event_id}/attendees.csv",
        content=csv_text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert _field(answer) == "file"
    assert answer.json()["errors"][0]["message"].startswith("line 3 contains a control")
    assert await row_counts(api.sessionmaker) == (0, 0, 0)


async def test_the_sign_in_form_refuses_bad_bytes_before_any_database_call(
    api: ApiHarness,
) -> None:
    async with ui_client(api.app) as browser:
        login = await browser.get("/login")
        csrf = CSRF_INPUT.search(login.text)
        assert csrf
        async with _statements(api) as sent:
            answer = await browser.post(
                "/login",
                data={"email": "ada\x00@example.com", "password": "x", "csrf_token": csrf[1]},
            )
        assert answer.status_code == 422
        assert "email" in answer.text
        assert "U+0000" in answer.text
        assert sent == []


async def test_a_form_field_without_a_schema_is_checked_too(api: ApiHarness) -> None:
    """The tokens page's name is a bare form field: it was stored as typed."""
    async with api.sessionmaker() as session:
        await create_user(session, "olga@example.com", "long-enough-1")
        await session.commit()
    async with ui_client(api.app) as browser:
        assert (await sign_in(browser, "olga@example.com", "long-enough-1")).status_code == 303
        csrf = await page_csrf(browser)
        answer = await browser.post("/tokens", data={"csrf_token": csrf, "name": "shop\x07"})
        assert answer.status_code == 422
        assert "“name”" in answer.text
    async with api.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ApiToken)) == 1  # "tests"


async def test_an_api_caller_without_a_token_is_told_to_authenticate_first(
    api: ApiHarness,
) -> None:
    """Checking the token is the one database call a refused API request makes."""
    answer = await api.anonymous.post(
        "/api/v1/users", json={"email": "a@example.com", "name": "\x00", "password": "x" * 9}
    )
    assert answer.status_code == 401
    async with api.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0


async def test_csv_exports_carry_no_control_characters(api: ApiHarness) -> None:
    """Text stored before the door checked it (or written by other means) is blanked."""
    event_ids = await create_event(api.sessionmaker)
    made = await api.http.post(
        f"/api/v1/events/{event_ids.event_id}/orders",
        json={
            "attendees": people("ada"),
            "status": "completed",
            "customer": {"name": "Shop"},
            "billing": {"note": "first line\nsecond\tline"},
        },
    )
    assert made.status_code == 201, made.text
    async with api.sessionmaker() as session:
        await session.execute(
            update(Attendee).values(first_name="A\x01da\x1b[31m", last_name="=1+1\x07")
        )
        await session.execute(update(Order).values(customer_name="\tShop\x85"))
        await session.commit()
    export = await api.http.get(
        f"/api/v1/events/{event_ids.event_id}/attendees.csv",
        params={"include_billing": "true"},
    )
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text)))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if CONTROL.search(cell) or "\n" in cell or "\t" in cell]
    header, line = rows
    values = dict(zip(header, line, strict=True))
    assert values["first_name"] == "A da [31m"
    assert values["last_name"] == "'=1+1 "  # still neutralised as a formula
    assert values["customer_name"] == " Shop "
    assert values["billing_note"] == "first line second line"
