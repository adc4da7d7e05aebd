"""Dependencies every route uses: the request's transaction, the API token, settings.

The request owns the transaction: services flush but never commit; the session commits when the
route returns (before the answer is sent, so a 2xx means it is stored) and rolls back on error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zoombridge.accounts.models import ApiToken
from zoombridge.accounts.service import authenticate_token
from zoombridge.settings import Settings


def sessionmaker_of(request: Request) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return maker


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with sessionmaker_of(request)() as session:
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
    token = await authenticate_token(session, value.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise HTTPException(
            401,
            "Send an API token as `Authorization: Bearer <token>` (create one with "
            "`zoombridge token create` or in the web UI).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token


TokenDep = Annotated[ApiToken, Depends(_api_token)]
