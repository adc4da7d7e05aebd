"""Reading HubSpot's answers: JSON bodies, read models, paging cursors."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from zoombridge.hubspot import errors
from zoombridge.hubspot.models import InputOutcome
from zoombridge.hubspot.operations import Operation
from zoombridge.hubspot.requests import normalize_email

M = TypeVar("M", bound=BaseModel)


def json_body(response: httpx.Response, op: Operation) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise errors.UnexpectedResponse(status=response.status_code, operation=op.name) from exc
    if not isinstance(body, dict):
        raise errors.UnexpectedResponse(status=response.status_code, operation=op.name)
    return body


def as_model(model: type[M], response: httpx.Response, op: Operation) -> M:
    try:
        return model.model_validate(json_body(response, op))
    except ValueError as exc:
        raise errors.UnexpectedResponse(
            f"HubSpot's answer to {op.name} does not have the expected shape.",
            status=response.status_code,
            operation=op.name,
        ) from exc


def next_after(page: dict[str, Any]) -> str | None:
    paging = page.get("paging")
    nxt = paging.get("next") if isinstance(paging, dict) else None
    after = nxt.get("after") if isinstance(nxt, dict) else None
    return str(after) if after else None


def invalid_email(index: int, email: str, op: Operation) -> InputOutcome[Any]:
    """An input refused before sending: HubSpot keys contacts by email."""
    return InputOutcome(
        index=index,
        key=normalize_email(email),
        sent=False,
        error=errors.InvalidInput(
            f"{email!r} is not an email address HubSpot can key a contact by; it was not sent.",
            category="INVALID_EMAIL",
            operation=op.name,
        ),
    )
