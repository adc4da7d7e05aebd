"""`POST /webhooks/automations/{automation_id}`: an automation (a CRM workflow, a form tool)
registers the posted person to the automation's webinar (H9).

No API token: the automation's own secret, sent as `X-Automation-Secret` and compared in
constant time, is the authentication (HubSpot's signed workflow calls have their own route,
`hubspot_sync.webhooks`). The body is `{email, first_name, last_name, fields}`; the webinar is the
automation's, or the one whose id the named field holds (the posted fields first, then the
contact's stored ones). The answer is the register request (202); the worker registers it.
Refusals answer as the API does: 422 with the field and a plain sentence, nothing stored.
"""

from __future__ import annotations

import json
import uuid

from fastapi import APIRouter, Header, Request
from pydantic import ValidationError
from sqlalchemy import update

from zoombridge.contacts.models import ContactAutomation, RequestOrigin
from zoombridge.contacts.schemas import AutomationHookIn, RegisterPersonIn, RegisterRequestOut
from zoombridge.contacts.service import register
from zoombridge.db.base import utc_now
from zoombridge.errors import FieldProblem, InvalidInput
from zoombridge.kit.http import SessionDep, read_webhook_body, refuse_deep_json

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 64 * 1024


def _problems(exc: ValidationError) -> InvalidInput:
    # `msg` only, never `input`.
    problems = [
        FieldProblem(
            ".".join(str(p) for p in e["loc"]) or "body", e["msg"].removeprefix("Value error, ")
        )
        for e in exc.errors()
    ]
    return InvalidInput("The request has invalid fields.", field_errors=problems)


async def _body(request: Request) -> AutomationHookIn:
    raw = await read_webhook_body(request, MAX_BODY_BYTES, "64 KiB")
    refuse_deep_json(request, raw)
    try:
        return AutomationHookIn.model_validate(json.loads(raw or b"null"))
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            raise _problems(exc) from None
        raise InvalidInput("The body is not JSON.") from None


@router.post(
    "/webhooks/automations/{automation_id}",
    status_code=202,
    summary="Register the posted person to the automation's webinar (its secret; no API token)",
    responses={
        401: {"description": "Missing or wrong X-Automation-Secret."},
        404: {"description": "No such automation, or it is switched off."},
        422: {"description": "Invalid or excluded email, unknown webinar, or Zoom would refuse."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/AutomationHookIn"}}
            },
        }
    },
)
async def receive_automation(
    automation_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    x_automation_secret: str | None = Header(default=None, description="The automation's secret"),
) -> RegisterRequestOut:
    # The secret first: nothing about the body is said to a caller without it.
    automation = await register.authenticate(session, automation_id, x_automation_secret)
    data = await _body(request)
    fixed = automation.zoom_webinar_id
    person = RegisterPersonIn.model_validate(
        {
            **data.model_dump(),
            "webinar_id": fixed,
            "webinar_field": automation.webinar_field if fixed is None else None,
        }
    )
    row = await register.register_person(
        session, person, utc_now(), origin=RequestOrigin.AUTOMATION, automation=automation
    )
    await session.execute(
        update(ContactAutomation)
        .where(ContactAutomation.id == automation.id)
        .values(uses=ContactAutomation.uses + 1, last_used_at=utc_now())
        .execution_options(synchronize_session=False)
    )
    return await register.request_view(session, row)
