"""REST API for contacts (H1–H9), under `/api/v1`; every route needs "Manage contacts (CRM)".

Nothing here waits for Zoom: "sync now", a register request and a settings change are rows the
worker acts on; answers show what the last sync stored. The inbound automation webhook is in
`contacts.webhooks` (it authenticates with its own secret, not an API token). Routes by area:
`people` (contacts, the register action, segments) and `crm` (settings, hosts, webinars,
automations).
"""

from __future__ import annotations

from fastapi import APIRouter

from zoombridge.contacts.api import crm, people

router = APIRouter()
router.include_router(people.router)
router.include_router(crm.router)
