"""HubSpot's "Send a webhook" workflow action, sent by the simulator's workflow sender to
zoombridge served on loopback: signed calls register the enrolled contact (through a contacts
register request), the host is refused once and not retried, stale and unsigned calls refused."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.fixtures.hubspot_simulator import HubSpotAdmin
from tests.hubspot_sync.helpers import CrmWorld
from zoombridge.contacts.models import ContactRegisterRequest, RequestState
from zoombridge.hubspot_sync.models import HubSpotWorkflowCall, WorkflowOutcome
from zoombridge.settings import Settings
from zoombridge.web.app import create_app

WEBINAR_ID = 81234567890


@pytest.fixture
async def served(
    db_sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> AsyncIterator[str]:
    """zoombridge's app on a loopback port, in this test's event loop; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(Settings(data_dir=tmp_path), sessionmaker=db_sessionmaker)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


def hubspot_contact(crm: CrmWorld, email: str, first: str) -> int:
    """A contact made in HubSpot (as a marketer would), its id."""
    answer = httpx.post(
        f"{crm.sim.url}/crm/v3/objects/contacts/batch/upsert",
        headers={"Authorization": f"Bearer {crm.sim.config.token}"},
        json={"inputs": [{"id": email, "idProperty": "email", "properties": {"firstname": first}}]},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"][0]["id"])


async def delivered(admin: HubSpotAdmin, delivery_id: int) -> dict[str, Any]:
    for _ in range(300):
        [found] = [d for d in admin.deliveries() if d["id"] == delivery_id]
        if found["status"] in ("delivered", "failed"):
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"delivery {delivery_id} still {found['status']}")


async def test_signed_workflow_calls_register_refuse_the_host_and_stale_ones(
    crm: CrmWorld, hubspot_admin: HubSpotAdmin, served: str
) -> None:
    connection = await crm.connect_hubspot()
    await crm.webinar(zoom_id=WEBINAR_ID, host_email="host@example.com", ended=False)
    url = f"{served}/webhooks/hubspot/{connection.id}/register"

    ann = hubspot_contact(crm, "ann@example.com", "Ann")
    sent = hubspot_admin.send_workflow(
        url=url, contact_id=ann, fields={"zoom_webinar_id": str(WEBINAR_ID)}
    )
    done = await delivered(hubspot_admin, sent["id"])
    assert done["status"] == "delivered", done
    [request] = await crm.all(select(ContactRegisterRequest))
    assert request.email == "ann@example.com"
    assert request.first_name == "Ann"
    assert request.state is RequestState.PENDING

    # The same enrolment again (HubSpot retrying, or a re-enrolment): one request, not two.
    again = hubspot_admin.send_workflow(url=f"{url}?webinar_id={WEBINAR_ID}", contact_id=ann)
    assert (await delivered(hubspot_admin, again["id"]))["status"] == "delivered"
    assert len(await crm.all(select(ContactRegisterRequest))) == 1

    # The host: the seed's refusal, answered 4xx once, never retried.
    host = hubspot_contact(crm, "host@example.com", "Hosting")
    refused = hubspot_admin.send_workflow(url=f"{url}?webinar_id={WEBINAR_ID}", contact_id=host)
    done = await delivered(hubspot_admin, refused["id"])
    assert done["status"] == "failed"
    assert [a["status_code"] for a in done["attempts"]] == [400]

    # An unknown webinar, and a contact property holding no id: never succeed either.
    unknown = hubspot_admin.send_workflow(url=f"{url}?webinar_id=999", contact_id=ann)
    assert [
        a["status_code"] for a in (await delivered(hubspot_admin, unknown["id"]))["attempts"]
    ] == [400]

    # A stale timestamp (the sender's clock 10 minutes behind) and a wrong secret: 401.
    hubspot_admin.advance_clock(-600)
    stale = hubspot_admin.send_workflow(url=f"{url}?webinar_id={WEBINAR_ID}", contact_id=ann)
    assert [
        a["status_code"] for a in (await delivered(hubspot_admin, stale["id"]))["attempts"]
    ] == [401]
    hubspot_admin.advance_clock(600)
    forged = hubspot_admin.send_workflow(
        url=f"{url}?webinar_id={WEBINAR_ID}", contact_id=ann, app_secret="not-the-secret"
    )
    assert [
        a["status_code"] for a in (await delivered(hubspot_admin, forged["id"]))["attempts"]
    ] == [401]

    calls = await crm.all(select(HubSpotWorkflowCall).order_by(HubSpotWorkflowCall.received_at))
    outcomes = [(c.email, c.outcome, c.status_code) for c in calls]
    assert outcomes == [
        ("ann@example.com", WorkflowOutcome.ACCEPTED, 200),
        ("ann@example.com", WorkflowOutcome.ACCEPTED, 200),
        ("host@example.com", WorkflowOutcome.REFUSED, 400),
        ("ann@example.com", WorkflowOutcome.REFUSED, 400),
    ]
    assert calls[2].message == "The webinar host cannot register for the webinar"
    assert "999" in calls[3].message


async def test_an_api_key_instead_of_a_signature(
    crm: CrmWorld, hubspot_admin: HubSpotAdmin, served: str
) -> None:
    connection = await crm.connect_hubspot(
        workflow_app_secret=None,
        workflow_api_key_name="X-Zoombridge-Key",
        workflow_api_key=SecretStr("key-for-workflows"),
    )
    await crm.webinar(zoom_id=WEBINAR_ID, ended=False)
    url = f"{served}/webhooks/hubspot/{connection.id}/register?webinar_id={WEBINAR_ID}"
    bo = hubspot_contact(crm, "bo@example.com", "Bo")
    good = hubspot_admin.send_workflow(
        url=url,
        contact_id=bo,
        sign=False,
        api_key={"name": "X-Zoombridge-Key", "value": "key-for-workflows", "in": "header"},
    )
    assert (await delivered(hubspot_admin, good["id"]))["status"] == "delivered"
    wrong = hubspot_admin.send_workflow(
        url=url,
        contact_id=bo,
        sign=False,
        api_key={"name": "X-Zoombridge-Key", "value": "guessed", "in": "query"},
    )
    assert [
        a["status_code"] for a in (await delivered(hubspot_admin, wrong["id"]))["attempts"]
    ] == [401]
    [request] = await crm.all(select(ContactRegisterRequest))
    assert request.email == "bo@example.com"


async def test_a_get_workflow_call_carries_the_contact_in_the_query(
    crm: CrmWorld, hubspot_admin: HubSpotAdmin, served: str
) -> None:
    connection = await crm.connect_hubspot()
    await crm.webinar(zoom_id=WEBINAR_ID, ended=False)
    cy = hubspot_contact(crm, "cy@example.com", "Cy")
    sent = hubspot_admin.send_workflow(
        url=f"{served}/webhooks/hubspot/{connection.id}/register",
        contact_id=cy,
        method="GET",
        properties=["email", "firstname"],
        fields={"zoom_webinar_id": str(WEBINAR_ID)},
    )
    assert (await delivered(hubspot_admin, sent["id"]))["status"] == "delivered"
    [request] = await crm.all(select(ContactRegisterRequest))
    assert (request.email, request.first_name) == ("cy@example.com", "Cy")
