"""The HubSpot half of `zoombridge demo`: the HubSpot simulator beside the Zoom one, and the
sample wiring that makes the demo's contacts arrive there.

The Zoom connection's webinars are synced into contacts (CRM sync on, every host), and a
HubSpot connection to the simulator's account (its private app's token, client secret for
signed workflow calls) pushes each synced webinar: contacts with the Zoom properties, and a
marketing event with the registrations, attendance and cancellations.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from zoombridge.hubspot_simulator import HubSpotSimulatorConfig, HubSpotSimulatorServer

# Workflow retries in seconds rather than HubSpot's minutes to hours.
DEMO_WORKFLOW_RETRY_SCALE = 0.01


def start_simulator(port: int = 0) -> HubSpotSimulatorServer:
    server = HubSpotSimulatorServer(
        HubSpotSimulatorConfig(workflow_retry_scale=DEMO_WORKFLOW_RETRY_SCALE),
        host="127.0.0.1",
        port=port,
    )
    return server.start()


async def create_sample_wiring(
    session: Any, simulator: HubSpotSimulatorServer, zoom_connection_id: uuid.UUID
) -> uuid.UUID:
    """CRM sync on for every host of the Zoom connection, and the HubSpot connection; the
    HubSpot connection's id."""
    from zoombridge.contacts.models import HostsMode
    from zoombridge.contacts.schemas import CrmSettingsIn
    from zoombridge.contacts.service import settings as crm
    from zoombridge.hubspot import Tier
    from zoombridge.hubspot_sync import service as hubspot
    from zoombridge.hubspot_sync.schemas import HubSpotConnectionCreate

    now = datetime.now(UTC)
    await crm.update_settings(session, CrmSettingsIn(sync_webinars=True), now)
    await crm.set_hosts_mode(session, zoom_connection_id, HostsMode.ALL, now)
    config = simulator.config
    row = await hubspot.create_connection(
        session,
        HubSpotConnectionCreate(
            name="Simulated HubSpot",
            hub_id=str(config.hub_id),
            access_token=SecretStr(config.token),
            tier=Tier(config.tier),
            time_zone=config.time_zone,
            api_url=simulator.url,
            workflow_app_secret=SecretStr(config.app_secret),
        ),
    )
    return row.id


def banner_lines(
    url: str, simulator: HubSpotSimulatorServer, connection_id: uuid.UUID
) -> list[str]:
    return [
        f"  HubSpot (sim): {simulator.url}/  (the contacts, Zoom properties and marketing "
        "events that arrived)",
        f"  HubSpot:      {url}/hubspot/{connection_id}  (test access, pushes, workflow URL)",
    ]
