"""`HubSpotClient`: every HubSpot call zoombridge makes, planned against the account's limits.

Contacts and participations go out in batches of up to 100 (larger lists are split and sent
side by side; the account's limiter paces them). Each batch answer is read back per input.
Named things (property groups, properties, marketing events) are created idempotently: a 409
means "it exists", and the existing one is read back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, SecretStr

from zoombridge.hubspot import contacts_batches, errors, participation_batches
from zoombridge.hubspot.access import check_access
from zoombridge.hubspot.models import (
    AccessReport,
    AttendanceCounters,
    BatchOutcome,
    Contact,
    Created,
    MarketingEvent,
    MarketingEventDetails,
    ParticipationRecorded,
    Property,
    PropertyGroup,
    UpsertedContact,
)
from zoombridge.hubspot.operations import OPERATIONS, Operation
from zoombridge.hubspot.ratelimit import DEFAULT_LIMITERS, LimiterRegistry
from zoombridge.hubspot.requests import (
    ContactInput,
    MarketingEventCreate,
    MarketingEventUpdate,
    Participant,
    PropertyDefinition,
    PropertyGroupDefinition,
    SubscriberState,
    iso_time,
    normalize_email,
)
from zoombridge.hubspot.responses import as_model, json_body, next_after
from zoombridge.hubspot.retry import RetryPolicy
from zoombridge.hubspot.sending import Clock, Sender
from zoombridge.hubspot.stats import ClientStats
from zoombridge.hubspot.tiers import RateLimits, Tier, limits_for

DEFAULT_BASE_URL = "https://api.hubapi.com"
DEFAULT_EXTERNAL_ACCOUNT_ID = "zoombridge"
CONTACT_OBJECT = "contacts"

M = TypeVar("M", bound=BaseModel)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class HubSpotClient:
    """One HubSpot account (Hub ID) reached with one private app's token.

    Use as `async with HubSpotClient(token, hub_id=...) as hubspot:`.
    """

    def __init__(
        self,
        token: SecretStr | str,
        *,
        hub_id: str | int,
        tier: Tier = Tier.FREE,
        api_limit_pack: bool = False,
        time_zone: str = "UTC",
        base_url: str = DEFAULT_BASE_URL,
        external_account_id: str = DEFAULT_EXTERNAL_ACCOUNT_ID,
        transport: httpx.AsyncBaseTransport | None = None,
        limiters: LimiterRegistry | None = None,
        limits: RateLimits | None = None,
        clock: Clock = _utcnow,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout = 30.0,
        batch_concurrency: int = 8,
    ) -> None:
        self.hub_id = str(hub_id)
        self.tier = tier
        self.time_zone = ZoneInfo(time_zone)
        self.base_url = base_url.rstrip("/")
        self.external_account_id = external_account_id
        self.limits = limits or limits_for(tier, api_limit_pack=api_limit_pack)
        self.stats = ClientStats()
        self._batch_concurrency = batch_concurrency
        secret = token if isinstance(token, SecretStr) else SecretStr(token)
        registry = limiters if limiters is not None else DEFAULT_LIMITERS
        registry.register(self.hub_id, self.limits, self.time_zone)
        self._http = httpx.AsyncClient(
            transport=_Borrowed(transport) if transport is not None else None, timeout=timeout
        )
        self._sender = Sender(
            http=self._http,
            base_url=self.base_url,
            token=secret,
            hub_id=self.hub_id,
            zone=self.time_zone,
            limiters=registry,
            clock=clock,
            retry=retry or RetryPolicy(),
            stats=self.stats,
        )

    def __repr__(self) -> str:
        return (
            f"HubSpotClient(hub_id={self.hub_id!r}, tier={self.tier.value!r}, "
            f"base_url={self.base_url!r})"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def test_access(self) -> AccessReport:
        """Prove the token and name every scope a zoombridge feature lacks. Writes nothing."""
        return await check_access(self._sender)

    # --- contacts ------------------------------------------------------------------------------

    async def upsert_contacts(
        self, contacts: Sequence[ContactInput]
    ) -> BatchOutcome[UpsertedContact]:
        """Create or update contacts by email, 100 per call. HubSpot resolves a secondary email
        to its contact; an archived contact's email makes a new contact. Inputs repeating an
        email are merged (later properties win) and share one outcome."""
        return await contacts_batches.upsert(self._sender, contacts, self._batch_concurrency)

    async def read_contacts_by_email(
        self,
        emails: Sequence[str],
        *,
        properties: Sequence[str] = (),
        archived: bool = False,
    ) -> BatchOutcome[Contact]:
        """Contacts by email, 100 per call (`ContactNotFound` on inputs HubSpot has no contact
        for). `archived=True` reads deleted contacts instead: how zoombridge learns that a
        contact was deleted in HubSpot before it would create it again."""
        return await contacts_batches.read_by_email(
            self._sender, emails, properties, archived, self._batch_concurrency
        )

    async def get_contact(
        self,
        contact_id: str,
        *,
        by_email: bool = False,
        properties: Sequence[str] = (),
        archived: bool = False,
    ) -> Contact:
        """One contact by id (or by email with `by_email=True`)."""
        op = OPERATIONS["contacts.get"]
        key = normalize_email(contact_id) if by_email else contact_id
        params: dict[str, str] = {}
        if by_email:
            params["idProperty"] = "email"
        if properties:
            params["properties"] = ",".join(
                sorted(set(properties) | set(contacts_batches.EMAIL_PROPERTIES))
            )
        if archived:
            params["archived"] = "true"
        response = await self._sender.send(op, {"contactId": key}, params=params or None)
        return as_model(Contact, response, op)

    async def list_contacts(
        self, *, properties: Sequence[str] = (), page_size: int = 100
    ) -> AsyncIterator[Contact]:
        """Every (non-archived) contact, following HubSpot's `after` cursor."""
        op = OPERATIONS["contacts.list"]
        params: dict[str, str | int] = {"limit": page_size}
        if properties:
            params["properties"] = ",".join(properties)
        async for item in self._pages(op, params):
            yield Contact.model_validate(item)

    async def search_contacts(
        self,
        filter_groups: Sequence[Mapping[str, Any]],
        *,
        properties: Sequence[str] = (),
        page_size: int = 100,
    ) -> AsyncIterator[Contact]:
        """CRM search (its own, lower limit of 4 requests per second: prefer batch reads).
        `filter_groups` as HubSpot takes them: `[{"filters": [{"propertyName", "operator",
        "value"}]}]`."""
        op = OPERATIONS["contacts.search"]
        after = "0"
        while True:
            body = {
                "after": after,
                "filterGroups": list(filter_groups),
                "limit": page_size,
                "properties": list(properties),
                "sorts": [],
            }
            page = json_body(await self._sender.send(op, json=body), op)
            for item in page.get("results") or []:
                yield Contact.model_validate(item)
            after_next = next_after(page)
            if after_next is None:
                return
            after = after_next

    async def archive_contact(self, contact_id: str) -> None:
        """Delete (archive) a contact. An upsert of its email afterwards creates a new one."""
        await self._sender.send(OPERATIONS["contacts.archive"], {"contactId": contact_id})

    # --- properties and property groups --------------------------------------------------------

    async def create_property_group(
        self, group: PropertyGroupDefinition, *, object_type: str = CONTACT_OBJECT
    ) -> Created[PropertyGroup]:
        return await self._create(
            OPERATIONS["groups.create"],
            {"objectType": object_type},
            group.to_json(),
            PropertyGroup,
            lambda: self.get_property_group(group.name, object_type=object_type),
        )

    async def get_property_group(
        self, name: str, *, object_type: str = CONTACT_OBJECT
    ) -> PropertyGroup:
        op = OPERATIONS["groups.get"]
        response = await self._sender.send(op, {"objectType": object_type, "groupName": name})
        return as_model(PropertyGroup, response, op)

    async def list_property_groups(
        self, *, object_type: str = CONTACT_OBJECT
    ) -> list[PropertyGroup]:
        op = OPERATIONS["groups.list"]
        body = json_body(await self._sender.send(op, {"objectType": object_type}), op)
        return [PropertyGroup.model_validate(item) for item in body.get("results") or []]

    async def create_property(
        self, prop: PropertyDefinition, *, object_type: str = CONTACT_OBJECT
    ) -> Created[Property]:
        return await self._create(
            OPERATIONS["properties.create"],
            {"objectType": object_type},
            prop.to_json(),
            Property,
            lambda: self.get_property(prop.name, object_type=object_type),
        )

    async def get_property(self, name: str, *, object_type: str = CONTACT_OBJECT) -> Property:
        op = OPERATIONS["properties.get"]
        response = await self._sender.send(op, {"objectType": object_type, "propertyName": name})
        return as_model(Property, response, op)

    async def list_properties(self, *, object_type: str = CONTACT_OBJECT) -> list[Property]:
        op = OPERATIONS["properties.list"]
        body = json_body(await self._sender.send(op, {"objectType": object_type}), op)
        return [Property.model_validate(item) for item in body.get("results") or []]

    # --- marketing events ----------------------------------------------------------------------

    async def create_marketing_event(self, event: MarketingEventCreate) -> Created[MarketingEvent]:
        """Create the event; if it exists already (409), the existing one is read back."""

        async def existing() -> MarketingEvent:
            return await self.get_marketing_event(event.external_event_id)

        return await self._create(
            OPERATIONS["events.create"],
            {},
            event.to_json(self.external_account_id),
            MarketingEvent,
            existing,
        )

    async def get_marketing_event(self, external_event_id: str) -> MarketingEventDetails:
        op = OPERATIONS["events.get"]
        response = await self._sender.send(
            op, {"externalEventId": external_event_id}, params=self._account_param()
        )
        return as_model(MarketingEventDetails, response, op)

    async def update_marketing_event(
        self, external_event_id: str, update: MarketingEventUpdate
    ) -> MarketingEvent:
        op = OPERATIONS["events.update"]
        response = await self._sender.send(
            op,
            {"externalEventId": external_event_id},
            params=self._account_param(),
            json=update.to_json(),
        )
        return as_model(MarketingEvent, response, op)

    async def cancel_marketing_event(self, external_event_id: str) -> MarketingEvent:
        op = OPERATIONS["events.cancel"]
        response = await self._sender.send(
            op, {"externalEventId": external_event_id}, params=self._account_param()
        )
        return as_model(MarketingEvent, response, op)

    async def complete_marketing_event(
        self, external_event_id: str, *, start: datetime, end: datetime
    ) -> MarketingEvent:
        """Mark the event over; HubSpot then works out each attendee's attended duration."""
        op = OPERATIONS["events.complete"]
        response = await self._sender.send(
            op,
            {"externalEventId": external_event_id},
            params=self._account_param(),
            json={"startDateTime": iso_time(start), "endDateTime": iso_time(end)},
        )
        return as_model(MarketingEvent, response, op)

    async def record_participations(
        self,
        external_event_id: str,
        state: SubscriberState,
        participants: Sequence[Participant],
    ) -> BatchOutcome[ParticipationRecorded]:
        """Register, attend or cancel people by email, 100 per call. HubSpot creates missing
        contacts (with `contact_properties`) and adds a timeline event to each contact."""
        return await participation_batches.record(
            self._sender,
            self.external_account_id,
            external_event_id,
            state,
            participants,
            self._batch_concurrency,
        )

    async def participation_counters(self, external_event_id: str) -> AttendanceCounters:
        op = OPERATIONS["participations.counters"]
        path = {"externalAccountId": self.external_account_id, "externalEventId": external_event_id}
        return as_model(AttendanceCounters, await self._sender.send(op, path), op)

    # --- helpers -------------------------------------------------------------------------------

    def _account_param(self) -> dict[str, str]:
        return {"externalAccountId": self.external_account_id}

    async def _create(
        self,
        op: Operation,
        path: Mapping[str, str],
        body: dict[str, Any],
        model: type[M],
        read_existing: Callable[[], Any],
    ) -> Created[M]:
        try:
            response = await self._sender.send(op, path, json=body)
        except errors.Conflict as conflict:
            value = await read_existing()
            # The 409 answers a resend: our own first attempt is what created it.
            return Created[M](value=value, created=conflict.after_uncertain_attempt)
        return Created[M](value=as_model(model, response, op), created=True)

    async def _pages(
        self, op: Operation, params: dict[str, str | int]
    ) -> AsyncIterator[dict[str, Any]]:
        query = dict(params)
        while True:
            page = json_body(await self._sender.send(op, params=query), op)
            for item in page.get("results") or []:
                if isinstance(item, dict):
                    yield item
            after = next_after(page)
            if after is None:
                return
            query["after"] = after


class _Borrowed(httpx.AsyncBaseTransport):
    """A transport the caller owns: closing the client leaves it open for others."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        pass
