"""Providers (L2): a named conferencing provider that course events pick.

`ConferencingService` is the interface a provider's service implements: the checks on save and
what an event on it needs. Zoom is the one implemented (`ZoomService`): a Zoom connection, a
default host that must be one of that account's Zoom users (the uchi.pro seed: "the same email in
the LMS and in Zoom, or the integration will not work" — checked, not assumed), a default kind
(meeting or webinar) and whether the plan has webinars."""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.connections import service as connections
from zoombridge.connections.models import ZoomConnection, ZoomHost, ZoomKind
from zoombridge.courses.models import CourseEvent, Provider, ProviderService
from zoombridge.courses.schemas import ProviderIn, ProviderOut, ProviderUpdate
from zoombridge.courses.service.scope import Problems
from zoombridge.errors import Conflict, NotFoundError


class ConferencingService(Protocol):
    """What a provider's conferencing service must answer (a second one implements this)."""

    async def check(self, session: AsyncSession, provider: Provider, problems: Problems) -> None:
        """Refuse what cannot work (field problems)."""

    async def warnings(self, session: AsyncSession, provider: Provider) -> list[str]:
        """What may not work and how to fix it (shown, not refused)."""


class ZoomService:
    async def check(self, session: AsyncSession, provider: Provider, problems: Problems) -> None:
        if await session.get(ZoomConnection, provider.connection_id) is None:
            problems.add(
                "connection_id", f"There is no Zoom connection with id {provider.connection_id}."
            )
        if provider.default_kind is ZoomKind.WEBINAR and not provider.webinars_available:
            problems.add(
                "default_kind",
                "Webinars are not available with this provider: tick “webinars available” "
                "(the Zoom plan has the webinar add-on) or choose meetings.",
            )

    async def warnings(self, session: AsyncSession, provider: Provider) -> list[str]:
        fetched = await session.scalar(
            select(func.count())
            .select_from(ZoomHost)
            .where(ZoomHost.connection_id == provider.connection_id)
        )
        if not fetched:
            return [
                f"The Zoom users of this connection are not fetched yet, so the host "
                f"{provider.host_email} could not be checked; fetch the hosts on the "
                "connection's page, then look again."
            ]
        host = await connections.find_host(session, provider.connection_id, provider.host_email)
        if host is None:
            return [
                f"The host {provider.host_email} is not a user of this Zoom account, so course "
                "events of this provider cannot be created on Zoom. The host must sign in to Zoom "
                "with the same email as here: add them as a user in Zoom, or change the host's "
                "email here to the one they use in Zoom, then fetch the hosts again."
            ]
        return []


SERVICES: dict[ProviderService, ConferencingService] = {ProviderService.ZOOM: ZoomService()}


async def provider_out(session: AsyncSession, provider: Provider) -> ProviderOut:
    return ProviderOut(
        id=provider.id,
        name=provider.name,
        service=provider.service.value,
        connection_id=provider.connection_id,
        host_email=provider.host_email,
        default_kind=provider.default_kind,
        webinars_available=provider.webinars_available,
        warnings=await SERVICES[provider.service].warnings(session, provider),
    )


async def list_providers(session: AsyncSession) -> list[Provider]:
    return list(await session.scalars(select(Provider).order_by(Provider.name)))


async def get_provider(session: AsyncSession, provider_id: uuid.UUID) -> Provider:
    provider = await session.get(Provider, provider_id)
    if provider is None:
        raise NotFoundError(f"There is no provider with id {provider_id}.")
    return provider


async def _save(
    session: AsyncSession, provider: Provider, *, new: bool, name_changed: bool
) -> Provider:
    problems = Problems()
    if name_changed and await session.scalar(
        select(Provider.id).where(Provider.name == provider.name, Provider.id != provider.id)
    ):
        problems.add("name", f"A provider named {provider.name!r} exists already.")
    await SERVICES[provider.service].check(session, provider, problems)
    problems.raise_if_any("The provider was not saved")
    if new:
        session.add(provider)
    await session.flush()
    # The host is checked against the account's Zoom users: have them fetched when they never
    # were, so the warning can turn into an answer.
    if (
        await session.scalar(
            select(func.count())
            .select_from(ZoomHost)
            .where(ZoomHost.connection_id == provider.connection_id)
        )
        == 0
    ):
        await connections.request_hosts(session, provider.connection_id)
    return provider


def _host_email(host: str) -> str:
    return host.strip().lower()


async def create_provider(session: AsyncSession, data: ProviderIn) -> Provider:
    provider = Provider(
        id=uuid.uuid4(),
        name=data.name,
        service=ProviderService(data.service),
        connection_id=data.connection_id,
        host_email=_host_email(data.host),
        default_kind=data.default_kind,
        webinars_available=data.webinars_available,
    )
    return await _save(session, provider, new=True, name_changed=True)


async def update_provider(
    session: AsyncSession, provider_id: uuid.UUID, data: ProviderUpdate
) -> Provider:
    provider = await get_provider(session, provider_id)
    name_changed = data.name is not None and data.name != provider.name
    if data.name is not None:
        provider.name = data.name
    if data.host is not None:
        provider.host_email = _host_email(data.host)
    if data.default_kind is not None:
        provider.default_kind = data.default_kind
    if data.webinars_available is not None:
        provider.webinars_available = data.webinars_available
    return await _save(session, provider, new=False, name_changed=name_changed)


async def delete_provider(session: AsyncSession, provider_id: uuid.UUID) -> None:
    provider = await get_provider(session, provider_id)
    used = await session.scalar(
        select(func.count()).select_from(CourseEvent).where(CourseEvent.provider_id == provider.id)
    )
    if used:
        raise Conflict(f"{used} course event(s) use this provider; it cannot be deleted.")
    await session.delete(provider)
    await session.flush()
