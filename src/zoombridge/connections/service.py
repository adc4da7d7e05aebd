"""Business rules for Zoom connections (C1–C6), shared by the REST API and the web UI.

Functions take the caller's session, flush but never commit, and never call Zoom: "test access"
and "fetch hosts" only record a request that the worker carries out (it then records the outcome
on the connection and in `zoom_hosts` / `zoom_meeting_choices`).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections.models import ZoomConnection, ZoomHost, ZoomKind, ZoomMeetingChoice
from zoombridge.connections.repository import ConnectionNameTakenError, ZoomConnectionRepository
from zoombridge.connections.schemas import (
    PickerUpdate,
    ZoomConnectionCreate,
    ZoomConnectionUpdate,
)
from zoombridge.connections.signals import connection_deleting
from zoombridge.db.base import utc_now
from zoombridge.errors import Conflict, FieldProblem, InvalidInput, NotFoundError, invalid


def _name_taken(exc: ConnectionNameTakenError) -> Conflict:
    return Conflict(str(exc), field_errors=[FieldProblem("name", str(exc))])


async def get_connection(session: AsyncSession, connection_id: uuid.UUID) -> ZoomConnection:
    connection = await ZoomConnectionRepository(session).get(connection_id)
    if connection is None:
        raise NotFoundError(f"There is no Zoom connection with id {connection_id}.")
    return connection


async def list_connections(session: AsyncSession) -> Sequence[ZoomConnection]:
    return await ZoomConnectionRepository(session).list()


async def create_connection(session: AsyncSession, data: ZoomConnectionCreate) -> ZoomConnection:
    """Store a new connection; the secrets are encrypted by the model's column type."""
    try:
        return await ZoomConnectionRepository(session).add(data.to_model())
    except ConnectionNameTakenError as exc:
        raise _name_taken(exc) from None


async def update_connection(
    session: AsyncSession, connection_id: uuid.UUID, data: ZoomConnectionUpdate
) -> ZoomConnection:
    """Change the fields sent. New credentials make the last test result stale, so they also
    ask the worker to test again."""
    connection = await get_connection(session, connection_id)
    repository = ZoomConnectionRepository(session)
    if data.name is not None and data.name != connection.name:
        other = await repository.get_by_name(data.name)
        if other is not None:
            raise _name_taken(ConnectionNameTakenError(data.name))
    try:
        data.apply_to(connection)
    except ValueError as exc:
        field = str(exc).split(" ", 1)[0]
        raise invalid(field, str(exc)) from None
    credentials = {"account_id", "client_id", "client_secret", "api_url", "oauth_url"}
    if credentials & data.model_fields_set:
        connection.test_requested_at = utc_now()
    await session.flush()
    return connection


async def delete_connection(session: AsyncSession, connection_id: uuid.UUID) -> None:
    """Remove a connection nothing uses (its hosts and meeting choices go with it)."""
    connection = await get_connection(session, connection_id)
    # Domains whose rows use the connection refuse here (events: "used by N event(s)").
    await connection_deleting.send(session, connection)
    await ZoomConnectionRepository(session).delete(connection)


async def request_test(session: AsyncSession, connection_id: uuid.UUID) -> ZoomConnection:
    """C2 "test access": the worker requests a token, records the granted scopes and clears
    `test_requested_at`."""
    connection = await get_connection(session, connection_id)
    connection.test_requested_at = utc_now()
    await session.flush()
    return connection


async def request_hosts(session: AsyncSession, connection_id: uuid.UUID) -> ZoomConnection:
    """C3 "fetch hosts": the worker lists the account's users (and the picker hosts' meetings)."""
    connection = await get_connection(session, connection_id)
    connection.hosts_requested_at = utc_now()
    await session.flush()
    return connection


async def list_hosts(session: AsyncSession, connection_id: uuid.UUID) -> Sequence[ZoomHost]:
    await get_connection(session, connection_id)
    statement = (
        select(ZoomHost).where(ZoomHost.connection_id == connection_id).order_by(ZoomHost.email)
    )
    return (await session.scalars(statement)).all()


async def find_host(session: AsyncSession, connection_id: uuid.UUID, ref: str) -> ZoomHost | None:
    """A fetched host by ZoomHost id, Zoom user id or email (case-insensitive)."""
    ref = ref.strip()
    conditions = [ZoomHost.zoom_user_id == ref, func.lower(ZoomHost.email) == ref.lower()]
    with contextlib.suppress(ValueError):  # not a ZoomHost id: the other two still apply
        conditions.append(ZoomHost.id == uuid.UUID(ref))
    statement = select(ZoomHost).where(ZoomHost.connection_id == connection_id, or_(*conditions))
    return (await session.scalars(statement.limit(1))).first()


async def set_picker(
    session: AsyncSession, connection_id: uuid.UUID, data: PickerUpdate
) -> ZoomConnection:
    """C3: list the credential owner's meetings in the pickers, or those of chosen hosts.

    Choosing hosts also asks the worker to fetch again, so their meetings appear in the picker.
    """
    connection = await get_connection(session, connection_id)
    chosen: list[ZoomHost] = []
    problems = []
    for index, ref in enumerate(data.host_ids):
        host = await find_host(session, connection_id, ref)
        if host is None:
            problems.append(
                FieldProblem(
                    f"host_ids[{index}]",
                    f"{ref!r} is not a fetched host of this connection; fetch hosts first or "
                    "pick one listed",
                )
            )
        else:
            chosen.append(host)
    if data.mode == "selected" and not data.host_ids:
        problems.append(FieldProblem("host_ids", "choose at least one host for mode 'selected'"))
    if problems:
        raise InvalidInput("Some hosts cannot be chosen.", field_errors=problems)
    if data.mode == "selected":
        chosen_ids = {host.id for host in chosen}
        for host in await list_hosts(session, connection_id):
            host.shown_in_pickers = host.id in chosen_ids
        connection.hosts_requested_at = utc_now()
    connection.picker_hosts = data.mode
    await session.flush()
    return connection


async def list_meeting_choices(
    session: AsyncSession, connection_id: uuid.UUID, kind: ZoomKind | None = None
) -> Sequence[ZoomMeetingChoice]:
    """The meetings/webinars the "link existing" picker offers, soonest first."""
    await get_connection(session, connection_id)
    statement = select(ZoomMeetingChoice).where(ZoomMeetingChoice.connection_id == connection_id)
    if kind is not None:
        statement = statement.where(ZoomMeetingChoice.kind == kind.value)
    statement = statement.order_by(ZoomMeetingChoice.start_time, ZoomMeetingChoice.topic)
    return (await session.scalars(statement)).all()
