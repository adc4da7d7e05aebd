"""The database in trouble (issue 15, item 5), with real databases in real trouble: a SQLite file
held locked by another connection past the busy timeout, a PostgreSQL that accepts no writes, a
server nobody listens for, every pooled connection taken. Requests get 503 with Retry-After and
a plain sentence (no SQL, no traceback); a read is answered even when the token's "last used"
cannot be written; the worker waits with one log line when the database goes and one when it
comes back; `worker --once` and `serve` say what is wrong in one line and exit non-zero."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.fixtures.api import ApiHarness
from tests.orders.factories import create_event
from tests.orders.helpers import people, row_counts
from tests.security.helpers import CSRF_INPUT
from zoombridge.db.encryption import SecretBox
from zoombridge.db.engine import create_engine
from zoombridge.db.session import create_sessionmaker
from zoombridge.engine.context import SyncContext
from zoombridge.engine.steps import Step
from zoombridge.settings import Settings
from zoombridge.web.app import create_app
from zoombridge.worker import Worker

LEAKS = ("select", "insert", "update", "sqlite", "psycopg", "traceback", "sqlalchemy", "[sql")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: nothing listens there


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _plain_503(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["retry-after"]) > 0
    assert "try again" in answer.text
    assert not [leak for leak in LEAKS if leak in answer.text.lower()]


@contextmanager
def _writes_refused(database_url: str) -> Iterator[dict[str, Any]]:
    """Engine options for a database that takes no write while the block runs: SQLite, locked
    by another connection, with a short busy timeout; PostgreSQL read-only (as a standby)."""
    if _is_sqlite(database_url):
        holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the database's one write lock, held
        try:
            yield {"sqlite_busy_timeout_ms": 100}
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    else:
        yield {"connect_args": {"options": "-c default_transaction_read_only=on"}}


@asynccontextmanager
async def _app(url: str, tmp_path: Path, **engine_options: Any) -> AsyncIterator[httpx.AsyncClient]:
    engine = create_engine(url, secret_box=SecretBox.generate(), **engine_options)
    app = create_app(Settings(data_dir=tmp_path), sessionmaker=create_sessionmaker(engine))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://zoombridge.test"
        ) as client:
            yield client
    finally:
        await engine.dispose()


async def test_a_write_the_database_cannot_take_is_503_and_a_read_is_still_answered(
    api: ApiHarness, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    event_ids = await create_event(api.sessionmaker)
    bearer = {"Authorization": f"Bearer {api.token}"}  # never used yet: "last used" is due
    with _writes_refused(database_url) as options:
        async with _app(database_url, tmp_path, **options) as client:
            read = await client.get("/api/v1/events", headers=bearer)
            assert read.status_code == 200, read.text
            assert "the token's last use was not recorded" in caplog.text

            write = await client.post(
                f"/api/v1/events/{event_ids.event_id}/orders",
                json={"attendees": people("ada"), "status": "completed"},
                headers=bearer,
            )
            _plain_503(write)
            assert write.headers["content-type"] == "application/problem+json"
            assert write.json()["code"] == "database_unavailable"

            login = await client.get("/login")
            match = CSRF_INPUT.search(login.text)
            assert match
            form = await client.post(
                "/login", data={"email": "a@example.com", "password": "x", "csrf_token": match[1]}
            )
            _plain_503(form)
            assert form.headers["content-type"].startswith("text/html")  # the styled page
    assert await row_counts(api.sessionmaker) == (0, 0, 0)
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_database_that_cannot_be_reached_is_503(backend: str, tmp_path: Path) -> None:
    # SQLite: the file is a directory (cannot be opened); PostgreSQL: nothing on that port.
    url = (
        f"sqlite+aiosqlite:///{tmp_path}"
        if backend == "sqlite"
        else f"postgresql+psycopg://zoombridge@127.0.0.1:{_closed_port()}/zoombridge"
    )
    async with _app(url, tmp_path) as client:
        _plain_503(
            await client.get("/api/v1/events", headers={"Authorization": "Bearer zb_" + "x" * 43})
        )
        assert (await client.get("/login")).status_code == 200  # needs no database
        _plain_503(await client.get("/health"))


async def test_every_pooled_connection_taken_is_503(database_url: str, tmp_path: Path) -> None:
    options = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2}
    engine = create_engine(database_url, secret_box=SecretBox.generate(), **options)
    app = create_app(Settings(data_dir=tmp_path), sessionmaker=create_sessionmaker(engine))
    try:
        async with (
            engine.connect() as held,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://zoombridge.test"
            ) as client,
        ):
            await held.execute(text("SELECT 1"))
            _plain_503(
                await client.get(
                    "/api/v1/events", headers={"Authorization": "Bearer zb_" + "y" * 43}
                )
            )
    finally:
        await engine.dispose()


@asynccontextmanager
async def _tables_locked(database_url: str) -> AsyncIterator[tuple[dict[str, Any], Any]]:
    """Engine options under which the `registrations` table cannot be used, and a callable that
    releases it (SQLite: the write lock held elsewhere; PostgreSQL: an exclusive table lock and
    a short lock_timeout for the worker's connections)."""
    if _is_sqlite(database_url):
        holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield {"sqlite_busy_timeout_ms": 20}, lambda: holder.execute("ROLLBACK")
        finally:
            holder.close()
        return
    with psycopg.connect(_libpq(database_url)) as holder:
        holder.execute("LOCK TABLE registrations IN ACCESS EXCLUSIVE MODE")
        yield {"connect_args": {"options": "-c lock_timeout=50"}}, holder.rollback


async def test_the_worker_waits_for_the_database_with_one_line_when_it_goes_and_comes_back(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="zoombridge")
    passes: list[bool] = []

    async def probe(ctx: SyncContext) -> int:
        # A step of the real kind: a write transaction on a table every pass uses.
        async with ctx.sessionmaker() as session, session.begin():
            try:
                await session.execute(text("UPDATE registrations SET attempts = attempts"))
            except Exception:
                passes.append(False)
                raise
        passes.append(True)
        return 0

    async with _tables_locked(database_url) as (options, release):
        engine: AsyncEngine = create_engine(database_url, **options)
        maker: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
        worker = Worker(
            maker, Settings(data_dir=tmp_path), steps=[Step("probe", probe)], poll_interval=0.01
        )
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run_forever(stop))
        try:
            async with asyncio.timeout(60):
                # Several passes while it is away (a flag to watch, not an event to wait for).
                while passes.count(False) < 4:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
                assert worker.database_down is not None
                release()
                while not passes or not passes[-1]:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
        finally:
            stop.set()
            await running
            await engine.dispose()
    records = [r for r in caplog.records if r.name.startswith("zoombridge")]
    went = [r for r in records if "database unavailable" in r.getMessage()]
    back = [r for r in records if "database available again" in r.getMessage()]
    assert len(went) == 1, [r.getMessage() for r in records]
    assert len(back) == 1
    assert went[0].levelno == logging.WARNING
    assert not [r for r in records if r.exc_info or r.levelno >= logging.ERROR]
    assert worker.database_down is None


def _command(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "zoombridge.cli", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("mysql", "unsupported database URL scheme 'mysql'"),
        ("sqlite", "cannot use the database: unable to open database file"),
        ("postgresql", "cannot use the database: connection failed"),
    ],
)
@pytest.mark.parametrize("command", [("worker", "--once"), ("serve", "--port", "1")])
def test_worker_and_serve_say_what_is_wrong_in_one_line(
    tmp_path: Path, case: str, expected: str, command: tuple[str, ...]
) -> None:
    url = {
        "mysql": "mysql://zoombridge:s3cret@127.0.0.1/zoombridge",
        "sqlite": f"sqlite:///{tmp_path}",  # a directory: no database file can be opened
        "postgresql": f"postgresql://zoombridge:s3cret@127.0.0.1:{_closed_port()}/zoombridge",
    }[case]
    done = _command(
        *command, env={"ZOOMBRIDGE_DATABASE_URL": url, "ZOOMBRIDGE_DATA_DIR": str(tmp_path)}
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"zoombridge {command[0]}: ")
    assert expected in lines[0]
    assert "s3cret" not in done.stderr + done.stdout


def test_worker_once_on_a_database_that_takes_no_writes_says_so_and_fails(
    database_url: str, tmp_path: Path
) -> None:
    if _is_sqlite(database_url):
        pytest.skip("a read-only SQLite is the locked case above; this one needs a server")
    done = _command(
        "worker",
        "--once",
        env={
            "ZOOMBRIDGE_DATABASE_URL": database_url,
            "ZOOMBRIDGE_DATA_DIR": str(tmp_path),
            "PGOPTIONS": "-c default_transaction_read_only=on",
        },
    )
    assert done.returncode == 1, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(
        "zoombridge worker: cannot use the database: The database accepts no writes at the "
        "moment (it is read-only)."
    )
