"""Every error code the simulator can produce arrives as the right typed error."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from tests.fixtures.simulator import SimAdmin
from tests.zoom.conftest import ClientFactory
from tests.zoom.test_integration_operations import HOST, scheduled
from zoombridge.simulator import SimulatorConfig
from zoombridge.zoom import (
    BatchRegistrantBody,
    CapacityReached,
    HostCannotRegister,
    MeetingCreate,
    MeetingNotFound,
    MeetingOver,
    MissingScopes,
    RecordingNotFound,
    RegistrantCreate,
    RegistrationNotEnabled,
    UserNotFound,
    ValidationFailed,
    WebinarPlanMissing,
    ZoomClient,
    ZoomCredentials,
)


async def test_unknown_host_is_user_not_found(zoom: ZoomClient) -> None:
    with pytest.raises(UserNotFound) as info:
        await zoom.create_meeting("meeting", "nobody@example.com", scheduled("meeting"))
    assert info.value.code == 1001
    assert info.value.status == 404
    assert "not a user of this Zoom account" in info.value.user_message


@pytest.mark.parametrize("kind", ["meeting", "webinar"])
async def test_unknown_meeting_is_meeting_not_found(zoom: ZoomClient, kind: Any) -> None:
    with pytest.raises(MeetingNotFound) as info:
        await zoom.get_meeting(kind, 99999999999)
    assert info.value.code == 3001


async def test_host_cannot_register(zoom: ZoomClient) -> None:
    meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
    with pytest.raises(HostCannotRegister) as info:
        await zoom.add_registrant(
            "meeting", meeting.id, RegistrantCreate(email=HOST, first_name="H")
        )
    assert info.value.code == 3027


async def test_registration_not_enabled(zoom: ZoomClient) -> None:
    meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting", approval=2))
    with pytest.raises(RegistrationNotEnabled) as info:
        await zoom.add_registrant(
            "meeting", meeting.id, RegistrantCreate(email="a@example.com", first_name="A")
        )
    assert info.value.code == 3000


async def test_meeting_over(zoom: ZoomClient, admin: SimAdmin) -> None:
    meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
    admin.post(f"/meetings/{meeting.id}/start")
    admin.post(f"/meetings/{meeting.id}/end")
    with pytest.raises(MeetingOver) as info:
        await zoom.add_registrant(
            "meeting", meeting.id, RegistrantCreate(email="late@example.com", first_name="L")
        )
    assert info.value.code == 3038


async def test_capacity_reached(simulator_factory: Any, make_client: ClientFactory) -> None:
    server = simulator_factory(SimulatorConfig(meeting_registrant_capacity=2))
    zoom = make_client(server)
    meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
    await zoom.add_registrants_batch(
        "meeting",
        meeting.id,
        [BatchRegistrantBody(email=f"c{i}@example.com", first_name="C") for i in range(2)],
        auto_approve=True,
    )
    with pytest.raises(CapacityReached) as info:
        await zoom.add_registrant(
            "meeting", meeting.id, RegistrantCreate(email="third@example.com", first_name="T")
        )
    assert info.value.code == 3043
    assert "maximum number of registrants" in info.value.user_message


async def test_validation_failed_lists_fields(zoom: ZoomClient) -> None:
    # Passes our own model (10 chars) but not Zoom's passcode rules.
    body = MeetingCreate(topic="Bad passcode", type=2, duration=30, password="no spaces!")
    with pytest.raises(ValidationFailed) as info:
        await zoom.create_meeting("meeting", HOST, body)
    error = info.value
    assert error.code == 300
    assert error.status == 400
    assert [f.field for f in error.field_errors] == ["password"]
    assert "password" in error.user_message


async def test_webinar_without_add_on(simulator_factory: Any, make_client: ClientFactory) -> None:
    server = simulator_factory(SimulatorConfig(webinar_addon=False))
    zoom = make_client(server)
    with pytest.raises(WebinarPlanMissing) as info:
        await zoom.create_meeting("webinar", HOST, scheduled("webinar"))
    assert info.value.code == 200
    assert "webinar license" in info.value.user_message


async def test_missing_scopes(make_client: ClientFactory, simulator: Any, admin: SimAdmin) -> None:
    account = admin.create_account(plan="pro", webinar_addon=True, scopes=["user:read:user:admin"])
    zoom = make_client(
        simulator,
        ZoomCredentials(
            account_id=account["account_id"],
            client_id=account["client_id"],
            client_secret=SecretStr(account["client_secret"]),
        ),
    )
    with pytest.raises(MissingScopes) as info:
        await zoom.create_meeting("meeting", "me", scheduled("meeting"))
    assert info.value.code == 4711
    assert info.value.scopes
    assert all(":" in s for s in info.value.scopes)


async def test_no_recording(zoom: ZoomClient) -> None:
    meeting = await zoom.create_meeting("meeting", HOST, scheduled("meeting"))
    with pytest.raises(RecordingNotFound) as info:
        await zoom.get_recordings(meeting.id)
    assert info.value.code == 3301
