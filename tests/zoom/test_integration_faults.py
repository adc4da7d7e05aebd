"""Retries through 5xx and dropped connections; which calls are never resent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.simulator import SimAdmin
from tests.zoom.conftest import ClientFactory
from tests.zoom.helpers import fast_retry, route_count
from tests.zoom.test_integration_operations import HOST, scheduled
from zoombridge.simulator import FaultConfig, SimulatorConfig
from zoombridge.zoom import (
    DailyLimitReached,
    MeetingUpdate,
    OutcomeUnknown,
    RegistrantCreate,
    Unavailable,
    ZoomClient,
)


@pytest.mark.parametrize("fault", ["error_rate", "drop_rate"])
async def test_idempotent_calls_survive_5xx_and_drops(
    simulator_factory: Any, make_client: ClientFactory, fault: str
) -> None:
    server = simulator_factory(SimulatorConfig(seed=7))
    admin = SimAdmin(server)
    try:
        zoom = make_client(server, retry=fast_retry(max_attempts=12))
        meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
        admin.faults(**{fault: 0.4})
        for i in range(8):
            await zoom.update_meeting("meeting", meeting.id, MeetingUpdate(agenda=f"v{i}"))
            fetched = await zoom.get_meeting("meeting", meeting.id)
            assert fetched.agenda == f"v{i}"
        assert zoom.stats.retries > 0
    finally:
        admin.close()


async def test_create_is_not_resent_after_a_5xx(zoom: ZoomClient, admin: SimAdmin) -> None:
    await zoom.get_user("me")  # token first: faults also hit the token endpoint
    admin.faults(error_rate=1.0)
    with pytest.raises(OutcomeUnknown) as info:
        await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
    assert not info.value.retryable
    assert zoom.stats.by_operation["meetingCreate"] == 1
    assert route_count(admin.stats(), "meetings", "post") <= 1


async def test_create_is_not_resent_after_a_dropped_connection(
    zoom: ZoomClient, admin: SimAdmin
) -> None:
    await zoom.get_user("me")
    admin.faults(drop_rate=1.0)
    with pytest.raises(OutcomeUnknown):
        await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
    assert zoom.stats.by_operation["meetingCreate"] == 1


class RefuseFirstConnect(httpx.AsyncBaseTransport):
    """Fails the first send of one operation with a connect error (nothing reached the server)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, operation_id: str) -> None:
        self._inner = inner
        self._operation_id = operation_id
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.extensions.get("zoom_operation") == self._operation_id and not self.refused:
            self.refused += 1
            raise httpx.ConnectError("connection refused", request=request)
        return await self._inner.handle_async_request(request)


async def test_create_is_resent_when_the_request_never_left(
    make_client: ClientFactory, simulator: Any, zoom_transport: httpx.AsyncBaseTransport
) -> None:
    transport = RefuseFirstConnect(zoom_transport, "meetingCreate")
    zoom = make_client(simulator, transport=transport)
    meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
    assert meeting.id
    assert transport.refused == 1
    assert zoom.stats.by_operation["meetingCreate"] == 2


async def test_registration_retries_stop_at_the_daily_cap(
    make_client: ClientFactory, simulator: Any, admin: SimAdmin
) -> None:
    zoom = make_client(simulator, retry=fast_retry(max_attempts=10))
    meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
    admin.faults(error_rate=1.0)
    person = RegistrantCreate(email="retry@example.com", first_name="R")
    with pytest.raises(Unavailable) as info:
        await zoom.add_registrant("meeting", meeting.id, person)
    # Three attempts (the registrant's daily budget), not ten.
    assert zoom.stats.by_operation["meetingRegistrantCreate"] == 3
    assert "Not retried" in info.value.user_message
    admin.faults(error_rate=0.0)
    with pytest.raises(DailyLimitReached):
        await zoom.add_registrant("meeting", meeting.id, person)
    assert zoom.stats.by_operation["meetingRegistrantCreate"] == 3


async def test_persistent_5xx_surfaces_unavailable(zoom: ZoomClient, admin: SimAdmin) -> None:
    await zoom.get_user("me")
    admin.faults(error_rate=1.0)
    with pytest.raises(Unavailable) as info:
        await zoom.get_user("me")
    assert info.value.retryable
    assert zoom.stats.by_operation["user"] == 1 + 4  # default max_attempts


async def test_simulator_fault_config_at_start_is_survived(
    simulator_factory: Any, make_client: ClientFactory
) -> None:
    server = simulator_factory(
        SimulatorConfig(seed=3, faults=FaultConfig(error_rate=0.2, drop_rate=0.1, latency_ms=2))
    )
    zoom = make_client(server, retry=fast_retry(max_attempts=12))
    users = [u async for u in zoom.list_users()]
    assert users
