"""Dependencies every route uses: the request's transaction, the API token, settings.

The request owns the transaction: services flush but never commit; the session commits when the
route returns (before the answer is sent, so a 2xx means it is stored) and rolls back on error.

On SQLite (one writer at a time) an API read (GET) begins a deferred transaction and never takes
the write lock; every other request takes it at BEGIN and waits for it up to the (long) busy
timeout. Writers are not queued in-process: measured, a FIFO queue in `zoombridge serve` handed
the lock from request to request with no gap and starved the worker process of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.accounts.models import ApiToken
from zoombridge.accounts.service import authenticate_token, token_use_is_stale
from zoombridge.db.engine import sqlite_read_only
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


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    maker = sessionmaker_of(request)
    async with AsyncExitStack() as stack:
        if _is_sqlite(maker) and is_read_only(request):
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


async def _api_token(request: Request, session: SessionDep) -> ApiToken:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    plain = value.strip()
    read_only = is_read_only(request)
    token = (
        await authenticate_token(session, plain, record_use=not read_only)
        if scheme.lower() == "bearer"
        else None
    )
    if token is not None and read_only and token_use_is_stale(token):
        # A read-only request must not write; the token's "last used" (a few minutes' precision)
        # is written in a short transaction of its own, before this request reads anything else.
        await session.rollback()
        with sqlite_read_only(False):
            async with sessionmaker_of(request)() as writer, writer.begin():
                await authenticate_token(writer, plain)
    if token is None:
        raise HTTPException(
            401,
            "Send an API token as `Authorization: Bearer <token>` (create one with "
            "`zoombridge token create` or in the web UI).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token


TokenDep = Annotated[ApiToken, Depends(_api_token)]
