"""The event's attendees: searched by name or email, filtered by ticket status and by the state
of their Zoom registrations, a page at a time."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from zoombridge.accounts.permissions import Permission
from zoombridge.kit.http import SessionDep
from zoombridge.orders import listing
from zoombridge.orders import service as orders
from zoombridge.orders.models import RegistrationState
from zoombridge.orders.schemas import AttendeeStatus
from zoombridge.web.auth_session import Allowed
from zoombridge.web.views import lists
from zoombridge.web.views.common import parse_id, render, ui_router

router = ui_router()


@router.get(
    "/events/{event_id}/attendees",
    response_class=HTMLResponse,
    dependencies=[Allowed(Permission.MANAGE_ORDERS)],
)
async def attendees_page(request: Request, session: SessionDep, event_id: str) -> Response:
    event = await orders.get_event(session, parse_id(event_id, "event"))
    filters = listing.AttendeeFilters(
        status=lists.choice(request, "status", AttendeeStatus),
        q=lists.text(request, "q"),
        registration=lists.choice(request, "registration", RegistrationState),
    )
    page, pager = await lists.one_page(
        request,
        lambda cursor, limit: listing.list_attendees(
            session, event.id, filters, cursor=cursor, limit=limit
        ),
    )
    return render(
        request,
        "attendees.html",
        event=event,
        attendees=page.items,
        pager=pager,
        filters=lists.form_values(filters.as_dict()),
        filtered=lists.any_set(filters.as_dict()),
        statuses=list(AttendeeStatus),
        registration_states=list(RegistrationState),
    )
