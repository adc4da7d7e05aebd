"""Dependencies every route uses: the request's transaction and the settings (the API token is
`zoombridge.accounts.deps`).

The request owns the transaction: services flush but never commit; the session commits when the
route returns (before the answer is sent, so a 2xx means it is stored) and rolls back on error.

On SQLite (one writer at a time) an API read (GET) begins a deferred transaction and never takes
the write lock, nor queues for it; a route marked `writes_late` (creating orders) reads the same
way and takes the lock only for its writes (`begin_writes`); every other request takes it at
BEGIN. Those write transactions queue in `zoombridge serve` in arrival order for a turn held
until their commit or rollback (`zoombridge.db.write_turns`), so one at a time waits at SQLite
instead of all of them racing in its busy handler, where newcomers often won. A queue alone
handed the lock from request to request with no gap and starved the worker process (measured
when the lock was held for the whole request): the worker announces its waits with a marker file
beside the database, and before each turn serve lets it in (waiting at most 200 ms).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.db.engine import sqlite_read_only
from zoombridge.kit.json_depth import json_too_deep
from zoombridge.settings import Settings

# Routes answered by a read-only transaction: the REST API's reads (checked to never write) and
# the health check. The UI's pages stay ordinary transactions.
_READ_METHODS = frozenset({"GET", "HEAD"})
_READ_PATHS = ("/api/", "/health")


def sessionmaker_of(request: Request) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return maker


def _is_sqlite(maker: async_sessionmaker[AsyncSession]) -> bool:
    bind = maker.kw.get("bind")
    return bind is not None and bind.dialect.name == "sqlite"


def is_read_only(request: Request) -> bool:
    """Whether this request is answered by a transaction that never writes."""
    return request.method in _READ_METHODS and request.url.path.startswith(_READ_PATHS)


_WRITES_LATE = "zoombridge_writes_late"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def writes_late(endpoint: Endpoint) -> Endpoint:
    """Mark a route that reads first and then writes (`zoombridge.db.engine.begin_writes`):
    on SQLite it authenticates and reads without the write lock, and takes it only for the
    writes. Put it under the route decorator."""
    setattr(endpoint, _WRITES_LATE, True)
    return endpoint


def reads_first(request: Request) -> bool:
    """Whether this request begins reading without the write lock: a read, or a route marked
    `writes_late` (which takes the lock itself when it writes)."""
    endpoint = request.scope.get("endpoint")
    return is_read_only(request) or bool(getattr(endpoint, _WRITES_LATE, False))


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    maker = sessionmaker_of(request)
    async with AsyncExitStack() as stack:
        if _is_sqlite(maker) and reads_first(request):
            stack.enter_context(sqlite_read_only())
        session = await stack.enter_async_context(maker())
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]


async def read_webhook_body(request: Request, max_bytes: int, limit_text: str) -> bytes:
    """The body of a webhook (a route the request guard leaves alone, as it authenticates by its
    own secret): 413 past `max_bytes`, counted as it streams (the rest is never read)."""
    too_large = HTTPException(413, f"The webhook body is larger than {limit_text}.")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def refuse_deep_json(request: Request, body: bytes) -> None:
    """400 when `body` nests deeper than the configured depth: measured on the bytes, before a
    parser (and everything after it) would recurse into them until it fails."""
    max_depth: int = request.app.state.settings.max_json_depth
    if json_too_deep(body, max_depth):
        raise HTTPException(400, f"The body nests deeper than {max_depth} levels.")
