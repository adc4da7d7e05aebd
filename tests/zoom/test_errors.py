"""Zoom's error answers become typed errors with actionable messages (canned bodies: parsing
only; the same codes are produced for real by the simulator in test_integration_errors)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.zoom.helpers import CANNED_TOKEN, canned_client
from zoombridge.zoom import (
    CannotAccess,
    CannotScheduleForUser,
    CapacityReached,
    FieldError,
    HostCannotRegister,
    InvalidPageToken,
    MeetingNotFound,
    MeetingOver,
    MissingScopes,
    NoPermission,
    PaidUserRequired,
    RegistrationNotEnabled,
    RequestRejected,
    UnexpectedResponse,
    UserNotAllowedToHost,
    UserNotFound,
    ValidationFailed,
    WebinarPlanMissing,
    ZoomError,
)

CASES: list[tuple[int, dict[str, Any], type[ZoomError]]] = [
    (404, {"code": 1001, "message": "User does not exist: x@example.com."}, UserNotFound),
    (404, {"code": 3001, "message": "Meeting does not exist: 123."}, MeetingNotFound),
    (400, {"code": 3027, "message": "Host can not register"}, HostCannotRegister),
    (400, {"code": 3038, "message": "Meeting is over, you can not register now."}, MeetingOver),
    (
        400,
        {"code": 3043, "message": "Meeting has reached maximum attendee capacity."},
        CapacityReached,
    ),
    (400, {"code": 3161, "message": "User is not allowed to host."}, UserNotAllowedToHost),
    (
        400,
        {
            "code": 200,
            "message": "Webinar plan is missing. You must subscribe to the webinar plan.",
        },
        WebinarPlanMissing,
    ),
    (400, {"code": 200, "message": "Only available for paid users."}, PaidUserRequired),
    (400, {"code": 200, "message": "No permission."}, NoPermission),
    (
        400,
        {"code": 3000, "message": "Registration has not been enabled for this meeting: 1."},
        RegistrationNotEnabled,
    ),
    (400, {"code": 3000, "message": "You cannot schedule for this user."}, CannotScheduleForUser),
    (400, {"code": 3000, "message": "Cannot access meeting info."}, CannotAccess),
    (400, {"code": 300, "message": "Invalid next page token."}, InvalidPageToken),
    (400, {"code": 999, "message": "Something new."}, RequestRejected),
    (400, {}, UnexpectedResponse),
]


def answering(status: int, body: dict[str, Any]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    return handler


@pytest.mark.parametrize(("status", "body", "error_type"), CASES)
async def test_code_maps_to_typed_error(
    status: int, body: dict[str, Any], error_type: type[ZoomError]
) -> None:
    async with canned_client(answering(status, body)) as zoom:
        with pytest.raises(ZoomError) as info:
            await zoom.get_meeting("meeting", 123)
    error = info.value
    assert type(error) is error_type
    assert error.status == status
    assert error.code == body.get("code")
    assert error.operation_id == "meeting"
    assert error.user_message
    assert not error.retryable
    assert CANNED_TOKEN not in str(error)
    assert CANNED_TOKEN not in repr(error)


async def test_validation_failed_carries_field_errors() -> None:
    body = {
        "code": 300,
        "message": "Validation Failed.",
        "errors": [
            {"field": "topic", "message": "Too long"},
            {"field": "duration", "message": "x"},
        ],
    }
    async with canned_client(answering(400, body)) as zoom:
        with pytest.raises(ValidationFailed) as info:
            await zoom.get_meeting("meeting", 1)
    assert info.value.field_errors == [FieldError("topic", "Too long"), FieldError("duration", "x")]
    assert "topic: Too long" in info.value.user_message


@pytest.mark.parametrize("code", [4711, 4700])
async def test_missing_scopes_are_listed(code: int) -> None:
    body = {
        "code": code,
        "message": "Invalid access token, does not contain scopes:[meeting:read:meeting, "
        "meeting:read:meeting:admin].",
    }
    async with canned_client(answering(400, body)) as zoom:
        with pytest.raises(MissingScopes) as info:
            await zoom.get_meeting("meeting", 1)
    assert info.value.scopes == ["meeting:read:meeting", "meeting:read:meeting:admin"]
    assert "meeting:read:meeting:admin" in info.value.user_message
