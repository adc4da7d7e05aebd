"""Register a contact to a webinar (H9), by an API call or an inbound automation webhook.

The webinar is named by Zoom's id, or by the name of a contact field holding it (the posted
fields first, then the contact's stored ones). What can be refused without asking Zoom is
refused at once, nothing written: an invalid or excluded email, an unknown webinar, the host
(also alternative hosts and panelists) with the seed's message "The webinar host cannot register
for the webinar", a registration form requiring more than first name, last name and email. The
rest is a request row the worker sends to Zoom (checking the webinar's host and form again,
fresh, first) and records on the contact's timeline.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.contacts import exclusions
from zoombridge.contacts.models import (
    Contact,
    ContactAutomation,
    ContactRegisterRequest,
    ContactWebinar,
    RequestOrigin,
    RequestState,
    SourceKind,
)
from zoombridge.contacts.schemas import AutomationIn, RegisterPersonIn, RegisterRequestOut
from zoombridge.contacts.service import webinars
from zoombridge.contacts.service.people import owner_of
from zoombridge.contacts.service.resolve import Person, resolve
from zoombridge.errors import Conflict, DomainError, FieldProblem, InvalidInput, NotFoundError

HOST_REFUSAL = "The webinar host cannot register for the webinar"
SECRET_HEADER = "X-Automation-Secret"  # noqa: S105 - a header name, not a secret


class RegistrationRefused(InvalidInput):
    code = "registration_refused"


class BadSecret(DomainError):
    status = 401
    code = "unauthorized"


def _refused(field: str, message: str) -> RegistrationRefused:
    return RegistrationRefused(message, field_errors=[FieldProblem(field, message)])


def form_refusal(required: list[str]) -> str:
    return (
        "This webinar's registration form requires more than first name, last name and email: "
        f"{', '.join(required)}. Make those fields optional in Zoom, or register this person "
        "in Zoom."
    )


def host_like(webinar: ContactWebinar) -> set[str]:
    """The emails Zoom will not register: the host, alternative hosts and panelists."""
    found = {e.lower() for e in (*webinar.alternative_hosts, *webinar.panelists) if e}
    if webinar.host_email:
        found.add(webinar.host_email.lower())
    return found


def refusal(webinar: ContactWebinar, email: str) -> tuple[str, str] | None:
    """(field, message) when what we know of the webinar refuses `email`, else None."""
    if email in host_like(webinar):
        return "email", HOST_REFUSAL
    if webinar.required_fields:
        return "webinar_id", form_refusal(list(webinar.required_fields))
    return None


async def _webinar(
    session: AsyncSession,
    webinar_id: int | None,
    webinar_field: str | None,
    posted: dict[str, Any],
    stored: dict[str, Any],
) -> ContactWebinar:
    field = "webinar_id"
    if webinar_id is None:
        assert webinar_field is not None
        field = "webinar_field"
        raw = posted.get(webinar_field, stored.get(webinar_field))
        if raw is None or str(raw).strip() == "":
            raise _refused(field, f"The contact has no field {webinar_field} holding a webinar id.")
        cleaned = str(raw).replace(" ", "").replace("-", "")
        if not cleaned.isdigit():
            raise _refused(field, f"The field {webinar_field} holds {raw!r}, not a webinar id.")
        webinar_id = int(cleaned)
    found = await webinars.by_zoom_id(session, webinar_id)
    if found is None:
        raise _refused(
            field,
            f"No synced webinar has the id {webinar_id}: only webinars of the hosts chosen in the "
            "CRM settings are known (check the id, or select its host).",
        )
    return found


async def request(
    session: AsyncSession,
    contact: Contact,
    webinar: ContactWebinar,
    *,
    origin: RequestOrigin,
    automation_id: uuid.UUID | None,
) -> ContactRegisterRequest:
    """The request to register `contact` on `webinar` (the open one when there is one)."""
    if contact.deleted_at is not None:
        raise Conflict("This contact is deleted; restore it before registering it.")
    refused = refusal(webinar, contact.email)
    if refused is not None:
        raise _refused(*refused)
    open_one = await session.scalar(
        select(ContactRegisterRequest).where(
            ContactRegisterRequest.webinar_id == webinar.id,
            ContactRegisterRequest.contact_id == contact.id,
            ContactRegisterRequest.state.in_((RequestState.PENDING, RequestState.DEFERRED)),
        )
    )
    if open_one is not None:
        return open_one
    row = ContactRegisterRequest(
        webinar_id=webinar.id,
        contact_id=contact.id,
        email=contact.email,
        first_name=contact.first_name or contact.email.partition("@")[0][:64],
        last_name=contact.last_name,
        origin=origin,
        automation_id=automation_id,
    )
    session.add(row)
    await session.flush()
    return row


async def register_contact(
    session: AsyncSession,
    contact: Contact,
    *,
    webinar_id: int | None,
    webinar_field: str | None,
    origin: RequestOrigin = RequestOrigin.API,
) -> ContactRegisterRequest:
    webinar = await _webinar(session, webinar_id, webinar_field, {}, dict(contact.fields or {}))
    return await request(session, contact, webinar, origin=origin, automation_id=None)


async def register_person(
    session: AsyncSession,
    data: RegisterPersonIn,
    now: datetime,
    *,
    origin: RequestOrigin = RequestOrigin.API,
    automation: ContactAutomation | None = None,
) -> ContactRegisterRequest:
    """Find or make the contact of `data.email`, then request its registration. Everything is
    checked before anything is written."""
    existing = await owner_of(session, data.email)
    posted = {k: str(v) for k, v in data.fields.items()}
    stored = dict(existing.fields or {}) if existing is not None else {}
    webinar = await _webinar(session, data.webinar_id, data.webinar_field, posted, stored)
    if data.email in host_like(webinar):
        raise _refused("email", HOST_REFUSAL)
    excluded = (await exclusions.load(session)).check(data.email)
    if excluded is not None:
        raise _refused("email", f"{data.email} cannot be registered: {excluded.detail}.")
    if existing is not None and existing.deleted_at is not None:
        raise Conflict(f"{data.email} belongs to a deleted contact; restore it first.")
    email = existing.email if existing is not None else data.email
    refused = refusal(webinar, email) or refusal(webinar, data.email)
    if refused is not None:
        raise _refused(*refused)
    resolved = (
        await resolve(
            session,
            [Person(data.email, data.first_name, data.last_name)],
            exclusions.Exclusions(),
            SourceKind.WEBINAR_REGISTRANT,
            now,
        )
    )[data.email]
    assert resolved.contact_id is not None
    contact = await session.get(Contact, resolved.contact_id)
    assert contact is not None
    if posted:
        contact.fields = {**dict(contact.fields or {}), **posted}
    return await request(
        session,
        contact,
        webinar,
        origin=origin,
        automation_id=automation.id if automation is not None else None,
    )


async def request_view(session: AsyncSession, row: ContactRegisterRequest) -> RegisterRequestOut:
    webinar = await webinars.get_webinar(session, row.webinar_id)
    return RegisterRequestOut(
        id=row.id,
        contact_id=row.contact_id,
        webinar_id=row.webinar_id,
        zoom_webinar_id=webinar.zoom_webinar_id,
        email=row.email,
        state=row.state,
        last_error=row.last_error,
        join_url=row.join_url,
        created_at=row.created_at,
        registered_at=row.registered_at,
    )


async def get_request(session: AsyncSession, request_id: uuid.UUID) -> ContactRegisterRequest:
    row = await session.get(ContactRegisterRequest, request_id)
    if row is None:
        raise NotFoundError("No registration request has this id.")
    return row


async def requests_of(session: AsyncSession, contact_id: uuid.UUID) -> list[ContactRegisterRequest]:
    return list(
        await session.scalars(
            select(ContactRegisterRequest)
            .where(ContactRegisterRequest.contact_id == contact_id)
            .order_by(ContactRegisterRequest.created_at.desc())
        )
    )


# --- automations -------------------------------------------------------------------------


async def list_automations(session: AsyncSession) -> list[ContactAutomation]:
    return list(await session.scalars(select(ContactAutomation).order_by(ContactAutomation.name)))


async def get_automation(session: AsyncSession, automation_id: uuid.UUID) -> ContactAutomation:
    row = await session.get(ContactAutomation, automation_id)
    if row is None:
        raise NotFoundError("No automation has this id.")
    return row


async def create_automation(
    session: AsyncSession, data: AutomationIn
) -> tuple[ContactAutomation, str]:
    """The automation and its secret (shown once; stored encrypted)."""
    if await session.scalar(
        select(ContactAutomation.id).where(ContactAutomation.name == data.name)
    ):
        raise _refused("name", f"An automation is already called {data.name}.")
    secret = secrets.token_urlsafe(32)
    row = ContactAutomation(
        name=data.name,
        zoom_webinar_id=data.webinar_id,
        webinar_field=data.webinar_field,
        secret=SecretStr(secret),
    )
    session.add(row)
    await session.flush()
    return row, secret


async def rotate_secret(
    session: AsyncSession, automation_id: uuid.UUID
) -> tuple[ContactAutomation, str]:
    row = await get_automation(session, automation_id)
    secret = secrets.token_urlsafe(32)
    row.secret = SecretStr(secret)
    await session.flush()
    return row, secret


async def delete_automation(session: AsyncSession, automation_id: uuid.UUID) -> None:
    await session.delete(await get_automation(session, automation_id))
    await session.flush()


async def authenticate(
    session: AsyncSession, automation_id: uuid.UUID, presented: str | None
) -> ContactAutomation:
    """The automation, when `presented` is its secret (compared in constant time)."""
    row = await session.get(ContactAutomation, automation_id)
    if row is None or not row.enabled:
        raise NotFoundError("No automation has this id.")
    expected = row.secret.get_secret_value().encode()
    if not presented or not hmac.compare_digest(presented.encode(), expected):
        raise BadSecret(f"Send the automation's secret in the {SECRET_HEADER} header.")
    return row
