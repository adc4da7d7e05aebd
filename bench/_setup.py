"""Set-up the benches share: a connection to a running simulator, one auto-created webinar, the
product started in its own processes (`zoombridge serve`, `zoombridge worker`) and throwaway
PostgreSQL databases."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection, ZoomKind, ZoomPlan
from zoombridge.events.models import Event, LinkMode, MeetingLink
from zoombridge.simulator import SimulatorServer


async def add_simulated_webinar(
    session: AsyncSession,
    sim: SimulatorServer,
    *,
    name: str,
    start: datetime,
    duration_minutes: int,
) -> tuple[Event, MeetingLink]:
    """A connection to `sim`'s default account, a webinar event and its pending link."""
    connection = ZoomConnection(
        name=name,
        account_id=sim.config.account_id,
        client_id=sim.config.client_id,
        client_secret=SecretStr(sim.config.client_secret),
        plan=ZoomPlan(sim.config.plan),
        webinar_addon=True,
        api_url=sim.api_url,
        oauth_url=sim.oauth_url,
    )
    session.add(connection)
    await session.flush()
    event = Event(
        connection_id=connection.id,
        kind=ZoomKind.WEBINAR,
        topic=f"{name} webinar",
        start_at=start,
        timezone="UTC",
        duration_minutes=duration_minutes,
    )
    session.add(event)
    await session.flush()
    link = MeetingLink(
        event_id=event.id,
        connection_id=connection.id,
        kind=ZoomKind.WEBINAR,
        mode=LinkMode.CREATED,
        desired_version=event.version,
    )
    session.add(link)
    await session.flush()
    return event, link


async def add_simulated_connection(
    session: AsyncSession, sim: SimulatorServer, *, name: str
) -> ZoomConnection:
    """A connection to `sim`'s default account (webinar add-on on), flushed, not committed."""
    connection = ZoomConnection(
        name=name,
        account_id=sim.config.account_id,
        client_id=sim.config.client_id,
        client_secret=SecretStr(sim.config.client_secret),
        plan=ZoomPlan(sim.config.plan),
        webinar_addon=True,
        api_url=sim.api_url,
        oauth_url=sim.oauth_url,
    )
    session.add(connection)
    await session.flush()
    return connection


# --- the product in its own processes (`zoombridge serve`, `zoombridge worker`) -------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def product_env(database_url: str, secret_key: str, data_dir: Path) -> dict[str, str]:
    """The environment `zoombridge serve` / `zoombridge worker` read their settings from."""
    return {
        **os.environ,
        "ZOOMBRIDGE_DATABASE_URL": database_url,
        "ZOOMBRIDGE_SECRET_KEY": secret_key,
        "ZOOMBRIDGE_DATA_DIR": str(data_dir),
        "ZOOMBRIDGE_LOG_LEVEL": "WARNING",
    }


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("zoombridge")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "zoombridge.cli"]


def spawn_cli(env: dict[str, str], args: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    """`zoombridge <args>` in its own process, output to `log_path`."""
    log = log_path.open("wb")
    return subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [*_cli(), *args], env=env, stdout=log, stderr=subprocess.STDOUT
    )


async def wait_until_serving(
    process: subprocess.Popen[bytes], base_url: str, log_path: Path, within: float = 60.0
) -> None:
    """Until GET /health answers 200; the server's log in the error when it died or hung."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=base_url, timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if (await http.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    log = await asyncio.to_thread(log_path.read_text, errors="replace")
    raise RuntimeError(f"the server did not start:\n{log}")


def stop_process(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- databases ----------------------------------------------------------------------------

POSTGRES_URL_ENV = "ZOOMBRIDGE_BENCH_POSTGRES_URL"


def postgres_server_url() -> str | None:
    """A local PostgreSQL server this user may create databases on (trust auth), or None."""
    configured = os.environ.get(POSTGRES_URL_ENV) or os.environ.get("ZOOMBRIDGE_TEST_POSTGRES_URL")
    users = dict.fromkeys([getpass.getuser(), "postgres", "root"])
    candidates = (
        [configured]
        if configured
        else [f"postgresql://{u}@127.0.0.1:5432/{db}" for db in ("postgres", "test") for u in users]
    )
    for url in candidates:
        try:
            psycopg.connect(url, connect_timeout=3).close()
        except psycopg.Error:
            continue
        return url
    return None


@contextlib.contextmanager
def throwaway_postgres(server_url: str) -> Iterator[str]:
    """A new, empty database on `server_url` (its SQLAlchemy URL); dropped afterwards."""
    name = f"zb_bench_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield (
            make_url(server_url)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
