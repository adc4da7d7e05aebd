"""REST API for the audit log: `GET /api/v1/audit`, every outside call the worker made,
newest first, paged and filtered (see `zoombridge.web.audit_log`)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from zoombridge.accounts.deps import TokenDep, requires
from zoombridge.accounts.permissions import AUDIT_READERS
from zoombridge.engine.models import Outcome
from zoombridge.kit.http import SessionDep
from zoombridge.kit.pages import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from zoombridge.web.audit_log import AuditEntryOut, AuditFilters, list_entries

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", dependencies=[requires(*AUDIT_READERS)])
async def list_audit_entries(
    session: SessionDep,
    _token: TokenDep,
    event_id: uuid.UUID | None = None,
    order_id: Annotated[
        uuid.UUID | None, Query(description="calls about its attendees and registrations")
    ] = None,
    attendee_id: Annotated[
        uuid.UUID | None, Query(description="calls about the attendee's registrations, emails")
    ] = None,
    booking_id: uuid.UUID | None = None,
    connection_id: uuid.UUID | None = None,
    outcome: Outcome | None = None,
    at_from: Annotated[date | None, Query(description="on or after (UTC day)")] = None,
    at_to: Annotated[date | None, Query(description="on or before (UTC day)")] = None,
    q: Annotated[
        str | None, Query(max_length=255, description="words in the operation or message")
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[AuditEntryOut]:
    """Every call zoombridge made to Zoom (and HubSpot, SMTP), newest first; times in UTC."""
    filters = AuditFilters(
        event_id, order_id, attendee_id, booking_id, connection_id, outcome, at_from, at_to, q
    )
    return await list_entries(session, filters, cursor=cursor, limit=limit)
