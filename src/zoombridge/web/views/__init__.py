"""The web UI: server-rendered pages (Jinja2, plain forms, POST-redirect-GET).

Every page calls the same service functions as the REST API; nothing here talks to Zoom.
`router` is what `zoombridge.web.app` includes.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from zoombridge.web.views import (
    attendance,
    attendees,
    audit,
    auth,
    bookings,
    connections,
    contacts,
    courses,
    crm,
    events,
    hubspot,
    learn,
    learners,
    lrs,
    notifications,
    orders,
    people,
    staff,
)
from zoombridge.web.views.common import STATIC_DIR

router = APIRouter(include_in_schema=False)
for module in (
    auth,
    connections,
    events,
    orders,
    attendees,
    bookings,
    staff,
    notifications,
    audit,
    people,
    attendance,
    contacts,
    crm,
    hubspot,
    courses,
    learners,
    lrs,
    learn,
):
    router.include_router(module.router)
# Every asset is ours and served from here: the UI works offline and loads nothing from a CDN.
router.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
