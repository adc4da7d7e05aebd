"""Typed errors for everything Zoom (or our own planning) can refuse.

Each error carries Zoom's HTTP status and code, the operation that failed, whether trying again
later can help (`retryable`), and `user_message`: a sentence a person can act on. Tokens and
secrets never appear in any of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ZoomError(Exception):
    """Base of every error the Zoom client raises."""

    retryable: ClassVar[bool] = False
    default_message: ClassVar[str] = "Zoom refused the request."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        status: int | None = None,
        code: int | str | None = None,
        zoom_message: str | None = None,
        operation_id: str | None = None,
    ) -> None:
        self.user_message = user_message or self.default_message
        self.status = status
        self.code = code
        self.zoom_message = zoom_message
        self.operation_id = operation_id
        super().__init__(self.user_message)

    def __str__(self) -> str:
        details = []
        if self.operation_id:
            details.append(f"operation {self.operation_id}")
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.code is not None:
            details.append(f"code {self.code}")
        if self.zoom_message and self.zoom_message not in self.user_message:
            details.append(f"Zoom said: {self.zoom_message}")
        return f"{self.user_message} ({'; '.join(details)})" if details else self.user_message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"operation_id={self.operation_id!r}, user_message={self.user_message!r})"
        )


# --- credentials and tokens -------------------------------------------------------------------


class CredentialsRefused(ZoomError):
    default_message = (
        "Zoom refused the connection's credentials. Check the account id, client id and client "
        "secret of the Server-to-Server OAuth app in the Zoom App Marketplace (copy them again; "
        "regenerating the secret invalidates the old one)."
    )


class TokenInvalid(ZoomError):
    default_message = (
        "Zoom rejected the access token even after a fresh one was requested (code 124). Check "
        "the Server-to-Server OAuth app is activated in the Zoom App Marketplace and has not "
        "been deactivated or deleted, and that the credentials belong to this Zoom account."
    )


class MissingScopes(ZoomError):
    default_message = "The Zoom app lacks scopes this action needs."

    def __init__(self, user_message: str | None = None, *, scopes: list[str], **kw: Any) -> None:
        self.scopes = scopes
        if user_message is None:
            names = ", ".join(scopes) if scopes else "(Zoom did not name them)"
            user_message = (
                f"The Zoom app lacks the scopes this action needs: {names}. Add them to the "
                "Server-to-Server OAuth app in the Zoom App Marketplace and activate it again."
            )
        super().__init__(user_message, **kw)


# --- permissions (code 200) -------------------------------------------------------------------


class NoPermission(ZoomError):
    default_message = (
        "Zoom says this account or user has no permission for this action (code 200). Check "
        "the user's license and role in the Zoom admin portal."
    )


class WebinarPlanMissing(NoPermission):
    default_message = (
        "The host has no Zoom Webinars license. Assign a webinar license to the host in the "
        "Zoom admin portal (or use a meeting instead)."
    )


class PaidUserRequired(NoPermission):
    default_message = (
        "This Zoom feature is available to licensed (paid) users only. Give the host a "
        "Licensed user type in the Zoom admin portal."
    )


# --- validation (code 300) --------------------------------------------------------------------


class ValidationFailed(ZoomError):
    default_message = "Zoom rejected the request's data as invalid (code 300)."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        field_errors: list[FieldError] | None = None,
        **kw: Any,
    ) -> None:
        self.field_errors = list(field_errors or [])
        if user_message is None and self.field_errors:
            listed = "; ".join(f"{e.field}: {e.message}" for e in self.field_errors)
            user_message = f"Zoom rejected these fields: {listed}. Correct them and try again."
        super().__init__(user_message, **kw)


class InvalidPageToken(ValidationFailed):
    default_message = (
        "Zoom refused the page token (they are valid for 15 minutes). Start the listing again "
        "from the first page."
    )


class TooManyRegistrants(ZoomError, ValueError):
    """Raised before sending: a batch holds more registrants than Zoom accepts."""

    default_message = "A batch may hold at most 30 registrants; split it into smaller batches."


# --- not found and meeting state --------------------------------------------------------------


class NotFound(ZoomError):
    default_message = "Zoom has no such object."


class UserNotFound(NotFound):
    default_message = (
        "The host is not a user of this Zoom account (code 1001). Add the person to the Zoom "
        "account (or pick another host), then try again."
    )


class MeetingNotFound(NotFound):
    default_message = (
        "The meeting or webinar does not exist in Zoom or has expired (code 3001). It may have "
        "been deleted in Zoom; recreate it or unlink it."
    )


class RecordingNotFound(NotFound):
    default_message = "Zoom has no cloud recording for this meeting (yet)."


class CannotAccess(ZoomError):
    default_message = (
        "Zoom does not let this app access the meeting (code 3000). Check the meeting belongs "
        "to a user of the connected Zoom account."
    )


class CannotScheduleForUser(CannotAccess):
    default_message = (
        "Zoom refused to schedule for this user (code 3000). The user must be in the same Zoom "
        "account, and scheduling privilege must be granted to the app's user."
    )


class RegistrationNotEnabled(CannotAccess):
    default_message = (
        "Registration is not enabled for this meeting or webinar (code 3000). Set registration "
        "to required (approval type automatic or manual) on it, then register people."
    )


class HostCannotRegister(ZoomError):
    default_message = (
        "The host cannot register for their own meeting or webinar (code 3027). Hosts join "
        "with their host link instead."
    )


class MeetingOver(ZoomError):
    default_message = "The meeting or webinar is over, so nobody can register any more (code 3038)."


class CapacityReached(ZoomError):
    default_message = (
        "The meeting or webinar has reached its maximum number of registrants (code 3043). "
        "Raise the capacity (larger webinar license) or close registration."
    )


class UserNotAllowedToHost(ZoomError):
    default_message = (
        "This user is not allowed to host (code 3161). Check the user's type and the "
        "account's hosting settings in the Zoom admin portal."
    )


class RequestRejected(ZoomError):
    """A refusal with a code this client has no specific type for."""

    default_message = "Zoom refused the request."


# --- rate limits, outages, surprises ----------------------------------------------------------


class RateLimited(ZoomError):
    retryable = True
    default_message = "Zoom's per-second rate limit was hit repeatedly; try again shortly."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        retry_after: float | None = None,
        category: str | None = None,
        **kw: Any,
    ) -> None:
        self.retry_after = retry_after
        self.category = category
        super().__init__(user_message, **kw)


class DailyLimitReached(RateLimited):
    """A daily cap (Zoom's, or ours counted before sending) is exhausted until `resume_at`."""

    default_message = "A Zoom daily limit is reached."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        resume_at: datetime,
        capped: str,
        capped_keys: list[str] | None = None,
        **kw: Any,
    ) -> None:
        self.resume_at = resume_at
        self.capped = capped
        self.capped_keys = list(capped_keys or [])
        if user_message is None:
            user_message = (
                f"Zoom's daily limit is reached: {capped}. Work may resume at "
                f"{resume_at.strftime('%Y-%m-%d %H:%M')} UTC."
            )
        super().__init__(user_message, **kw)


class Unavailable(ZoomError):
    retryable = True
    default_message = (
        "Zoom could not be reached or kept failing (network error or 5xx) after several "
        "attempts. It is retried later; check https://status.zoom.us if it persists."
    )


class OutcomeUnknown(Unavailable):
    """A create failed in a way that may have reached Zoom; resending could duplicate it."""

    retryable = False
    default_message = (
        "Zoom failed while creating; the object may or may not exist. Check in Zoom before "
        "creating it again."
    )


class UnexpectedResponse(ZoomError):
    default_message = (
        "Zoom answered with something this client does not understand. This is a bug to report "
        "with the operation name and status."
    )


# --- mapping Zoom answers to errors ------------------------------------------------------------

_SCOPES_RE = re.compile(r"scopes?\s*:?\s*\[([^\]]*)\]", re.IGNORECASE)


def parse_scopes(message: str) -> list[str]:
    """Scopes named in "Invalid access token, does not contain scopes:[a, b]."."""
    match = _SCOPES_RE.search(message)
    if not match:
        return []
    return [s.strip().strip("'\"") for s in match.group(1).split(",") if s.strip()]


def _field_errors(body: dict[str, Any]) -> list[FieldError]:
    raw = body.get("errors")
    if not isinstance(raw, list):
        return []
    return [
        FieldError(str(e.get("field", "")), str(e.get("message", "")))
        for e in raw
        if isinstance(e, dict)
    ]


def error_from_response(
    status: int, body: dict[str, Any] | None, *, operation_id: str | None
) -> ZoomError:
    """The typed error for a non-success Zoom answer (429 is handled by the caller)."""
    body = body or {}
    code = body.get("code")
    message = str(body.get("message") or body.get("reason") or "")
    lowered = message.lower()
    kw: dict[str, Any] = {
        "status": status,
        "code": code,
        "zoom_message": message or None,
        "operation_id": operation_id,
    }
    if code == 124:
        return TokenInvalid(**kw)
    if code in (4711, 4700):
        return MissingScopes(scopes=parse_scopes(message), **kw)
    if code == 200:
        if "webinar" in lowered and ("plan" in lowered or "subscribe" in lowered):
            return WebinarPlanMissing(**kw)
        if "paid" in lowered or "licensed" in lowered:
            return PaidUserRequired(**kw)
        return NoPermission(**kw)
    if code == 300:
        if "page token" in lowered:
            return InvalidPageToken(**kw)
        return ValidationFailed(field_errors=_field_errors(body), **kw)
    if code == 1001:
        return UserNotFound(**kw)
    if code == 3000:
        if "registration" in lowered:
            return RegistrationNotEnabled(**kw)
        if "schedule for" in lowered or "schedule meetings for" in lowered:
            return CannotScheduleForUser(**kw)
        return CannotAccess(**kw)
    if code == 3001:
        return MeetingNotFound(**kw)
    if code == 3301:
        return RecordingNotFound(**kw)
    if code == 3027:
        return HostCannotRegister(**kw)
    if code == 3038:
        return MeetingOver(**kw)
    if code == 3043:
        return CapacityReached(**kw)
    if code == 3161:
        return UserNotAllowedToHost(**kw)
    if status >= 500:
        return Unavailable(**kw)
    if status == 404:
        return NotFound(f"Zoom has no such object: {message or 'not found'}.", **kw)
    if code is None and not message:
        return UnexpectedResponse(**kw)
    return RequestRejected(f"Zoom refused the request: {message or 'no reason given'}.", **kw)
