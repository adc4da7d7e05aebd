"""Business rules for HubSpot connections and pushes, shared by the REST API and the web UI.

Functions take the caller's session, flush but never commit, and never call HubSpot: "test
access", the property set-up and "sync now" only record a request the worker carries out.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts.models import Contact, ContactWebinar
from zoombridge.db.base import utc_now
from zoombridge.errors import Conflict, FieldProblem, NotFoundError
from zoombridge.hubspot_sync.models import (
    HubSpotConnection,
    HubSpotContact,
    HubSpotParticipation,
    HubSpotWebinarPush,
    HubSpotWorkflowCall,
)
from zoombridge.hubspot_sync.schemas import (
    HubSpotConnectionCreate,
    HubSpotConnectionUpdate,
    TombstoneOut,
    WebinarPushOut,
    WorkflowCallOut,
)

# Changing these makes the last test result stale: the worker tests again.
_ACCESS_FIELDS = {"hub_id", "access_token", "api_url"}


async def get_connection(session: AsyncSession, connection_id: uuid.UUID) -> HubSpotConnection:
    row = await session.get(HubSpotConnection, connection_id)
    if row is None:
        raise NotFoundError(f"There is no HubSpot connection with id {connection_id}.")
    return row


async def list_connections(session: AsyncSession) -> Sequence[HubSpotConnection]:
    return (await session.scalars(select(HubSpotConnection).order_by(HubSpotConnection.name))).all()


async def _refuse_taken_name(
    session: AsyncSession, name: str, own: uuid.UUID | None = None
) -> None:
    other = await session.scalar(select(HubSpotConnection.id).where(HubSpotConnection.name == name))
    if other is not None and other != own:
        message = f"A HubSpot connection is already called {name}."
        raise Conflict(message, field_errors=[FieldProblem("name", message)])


async def create_connection(
    session: AsyncSession, data: HubSpotConnectionCreate
) -> HubSpotConnection:
    """Store the connection (secrets encrypted by the column type) and ask the worker to test
    access and to make the property group and the Zoom properties."""
    await _refuse_taken_name(session, data.name)
    now = utc_now()
    row = HubSpotConnection(
        **data.model_dump(), test_requested_at=now, setup_requested_at=now, missing_scopes={}
    )
    session.add(row)
    await session.flush()
    return row


def _secret_or_none(value: SecretStr | None) -> SecretStr | None:
    if value is None or not value.get_secret_value():
        return None
    return value


async def update_connection(
    session: AsyncSession, connection_id: uuid.UUID, data: HubSpotConnectionUpdate
) -> HubSpotConnection:
    row = await get_connection(session, connection_id)
    sent = data.model_fields_set
    if data.name is not None:
        await _refuse_taken_name(session, data.name, row.id)
    for field in sent:
        value = getattr(data, field)
        if field in ("workflow_app_secret", "workflow_api_key"):
            setattr(row, field, _secret_or_none(value))
        elif field == "workflow_api_key_name":
            row.workflow_api_key_name = value
        elif value is not None:
            setattr(row, field, value)
    if _ACCESS_FIELDS & sent:
        row.test_requested_at = utc_now()
        row.setup_requested_at = utc_now()
    await session.flush()
    return row


async def delete_connection(session: AsyncSession, connection_id: uuid.UUID) -> None:
    """Forget the connection and what was sent through it (HubSpot keeps what it received)."""
    await session.delete(await get_connection(session, connection_id))
    await session.flush()


async def request_test(session: AsyncSession, connection_id: uuid.UUID) -> HubSpotConnection:
    row = await get_connection(session, connection_id)
    row.test_requested_at = utc_now()
    await session.flush()
    return row


async def request_setup(session: AsyncSession, connection_id: uuid.UUID) -> HubSpotConnection:
    """Make the property group and the Zoom properties again (e.g. after one was deleted)."""
    row = await get_connection(session, connection_id)
    row.setup_requested_at = utc_now()
    await session.flush()
    return row


async def _webinar(session: AsyncSession, webinar_id: uuid.UUID) -> ContactWebinar:
    webinar = await session.get(ContactWebinar, webinar_id)
    if webinar is None:
        raise NotFoundError(f"There is no synced webinar with id {webinar_id}.")
    return webinar


async def request_push(
    session: AsyncSession, connection_id: uuid.UUID, webinar_id: uuid.UUID
) -> HubSpotWebinarPush:
    """ "Sync now": push the webinar again (its event, contacts, participations). What HubSpot
    confirmed before is not sent again; failed items are tried again at once."""
    await get_connection(session, connection_id)
    webinar = await _webinar(session, webinar_id)
    row = await session.scalar(
        select(HubSpotWebinarPush).where(
            HubSpotWebinarPush.hubspot_connection_id == connection_id,
            HubSpotWebinarPush.webinar_id == webinar.id,
        )
    )
    if row is None:
        row = HubSpotWebinarPush(
            hubspot_connection_id=connection_id, webinar_id=webinar.id, counts={}, due_version=0
        )
        session.add(row)
    row.push_due = True
    row.trigger = "sync_now"
    row.due_version += 1
    row.not_before = None
    row.attempts = 0
    row.last_error = None
    # Participations HubSpot refused are offered again (the data may have been corrected).
    await session.execute(
        update(HubSpotParticipation)
        .where(
            HubSpotParticipation.hubspot_connection_id == connection_id,
            HubSpotParticipation.webinar_id == webinar.id,
            HubSpotParticipation.sent_at.is_(None),
        )
        .values(not_sent=None)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return row


async def pushes(session: AsyncSession, connection_id: uuid.UUID) -> list[WebinarPushOut]:
    await get_connection(session, connection_id)
    rows = await session.execute(
        select(HubSpotWebinarPush, ContactWebinar.zoom_webinar_id, ContactWebinar.topic)
        .join(ContactWebinar, ContactWebinar.id == HubSpotWebinarPush.webinar_id)
        .where(HubSpotWebinarPush.hubspot_connection_id == connection_id)
        .order_by(ContactWebinar.start_at.desc(), ContactWebinar.topic)
    )
    return [WebinarPushOut.of(push, zoom_id, topic) for push, zoom_id, topic in rows]


async def tombstones(session: AsyncSession, connection_id: uuid.UUID) -> list[TombstoneOut]:
    """Contacts deleted in HubSpot, which zoombridge does not create there again."""
    await get_connection(session, connection_id)
    rows = await session.scalars(
        select(HubSpotContact)
        .where(
            HubSpotContact.hubspot_connection_id == connection_id,
            HubSpotContact.deleted_in_hubspot_at.is_not(None),
        )
        .order_by(HubSpotContact.email)
    )
    return [
        TombstoneOut(
            contact_id=r.contact_id, email=r.email, deleted_in_hubspot_at=r.deleted_in_hubspot_at
        )
        for r in rows
        if r.deleted_in_hubspot_at is not None
    ]


async def forget_tombstone(
    session: AsyncSession, connection_id: uuid.UUID, contact_id: uuid.UUID
) -> None:
    """Allow zoombridge to create this contact in HubSpot again (at its next push)."""
    row = await session.scalar(
        select(HubSpotContact).where(
            HubSpotContact.hubspot_connection_id == connection_id,
            HubSpotContact.contact_id == contact_id,
        )
    )
    if row is None or row.deleted_in_hubspot_at is None:
        raise NotFoundError("This contact is not marked as deleted in HubSpot.")
    if await session.get(Contact, contact_id) is None:
        raise NotFoundError("This contact no longer exists in zoombridge.")
    row.deleted_in_hubspot_at = None
    row.hubspot_id = None
    row.sent_properties = {}
    await session.flush()


async def workflow_calls(
    session: AsyncSession, connection_id: uuid.UUID, limit: int = 50
) -> list[WorkflowCallOut]:
    await get_connection(session, connection_id)
    rows = await session.scalars(
        select(HubSpotWorkflowCall)
        .where(HubSpotWorkflowCall.hubspot_connection_id == connection_id)
        .order_by(HubSpotWorkflowCall.received_at.desc())
        .limit(limit)
    )
    return [
        WorkflowCallOut(
            id=r.id,
            received_at=r.received_at,
            email=r.email,
            zoom_webinar_id=r.zoom_webinar_id,
            outcome=r.outcome.value,
            status_code=r.status_code,
            message=r.message,
            register_request_id=r.register_request_id,
        )
        for r in rows
    ]
