"""Zoom's error answers: `{code, message[, errors]}` with Zoom's HTTP status and codes."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


class ZoomError(Exception):
    """Raised by handlers; turned into Zoom's JSON error body by the dispatcher."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        # What kind of refusal this was (for /_sim/stats), e.g. a rate-limit type.
        self.kind = kind

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def validation_failed(field: str, message: str) -> ZoomError:
    return ZoomError(400, 300, "Validation Failed.", errors=[{"field": field, "message": message}])


def invalid_token(expired: bool = False) -> ZoomError:
    message = "Access token is expired." if expired else "Invalid access token."
    return ZoomError(401, 124, message)


def user_not_found(user_id: str) -> ZoomError:
    return ZoomError(404, 1001, f"User does not exist: {user_id}.")


def meeting_not_found(meeting_id: object, webinar: bool = False) -> ZoomError:
    what = "Webinar" if webinar else "Meeting"
    return ZoomError(404, 3001, f"{what} does not exist: {meeting_id}.")


def webinar_plan_missing() -> ZoomError:
    return ZoomError(
        400,
        200,
        "Webinar plan is missing. You must subscribe to the webinar plan and enable webinar "
        "for this user into order to perform this action.",
    )
