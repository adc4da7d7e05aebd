"""Queries on Zoom connections. Takes the caller's session; flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection


class ConnectionNameTakenError(Exception):
    """Another Zoom connection already has this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"a Zoom connection named {name!r} already exists; choose another name")
        self.name = name


class ZoomConnectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, connection_id: uuid.UUID) -> ZoomConnection | None:
        return await self.session.get(ZoomConnection, connection_id)

    async def get_by_name(self, name: str) -> ZoomConnection | None:
        statement = select(ZoomConnection).where(ZoomConnection.name == name)
        return (await self.session.scalars(statement)).one_or_none()

    async def list(self) -> Sequence[ZoomConnection]:
        statement = select(ZoomConnection).order_by(ZoomConnection.name)
        return (await self.session.scalars(statement)).all()

    async def add(self, connection: ZoomConnection) -> ZoomConnection:
        """Insert `connection` (flushed, so it has its id and defaults).

        Raises ConnectionNameTakenError without spoiling the caller's transaction: the insert
        runs in a savepoint, so only it is undone.
        """
        if await self.get_by_name(connection.name) is not None:
            raise ConnectionNameTakenError(connection.name)
        try:
            async with self.session.begin_nested():
                self.session.add(connection)
        except IntegrityError:
            # Lost a race with a concurrent insert of the same name.
            if await self.get_by_name(connection.name) is not None:
                raise ConnectionNameTakenError(connection.name) from None
            raise
        return connection

    async def delete(self, connection: ZoomConnection) -> None:
        await self.session.delete(connection)
        await self.session.flush()
