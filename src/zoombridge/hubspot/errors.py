"""Typed errors for everything HubSpot (or our own planning) can refuse.

Each error carries HubSpot's HTTP status and `category`, the operation that failed, whether
trying again later can help (`retryable`), and `user_message`: a sentence a person can act on.
The access token never appears in any of them (the client also scrubs it from HubSpot's own
messages before quoting them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    message: str
    field: str | None = None
    code: str | None = None


class HubSpotError(Exception):
    """Base of every error the HubSpot client raises or records on an input."""

    retryable: ClassVar[bool] = False
    default_message: ClassVar[str] = "HubSpot refused the request."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        status: int | None = None,
        category: str | None = None,
        hubspot_message: str | None = None,
        correlation_id: str | None = None,
        context: dict[str, list[str]] | None = None,
        operation: str | None = None,
    ) -> None:
        self.user_message = user_message or self.default_message
        self.status = status
        self.category = category
        self.hubspot_message = hubspot_message
        self.correlation_id = correlation_id
        self.context = dict(context or {})
        self.operation = operation
        super().__init__(self.user_message)

    def __str__(self) -> str:
        details = []
        if self.operation:
            details.append(f"operation {self.operation}")
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.category:
            details.append(self.category)
        if self.hubspot_message and self.hubspot_message not in self.user_message:
            details.append(f"HubSpot said: {self.hubspot_message}")
        if self.correlation_id:
            details.append(f"correlation id {self.correlation_id}")
        return f"{self.user_message} ({'; '.join(details)})" if details else self.user_message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, category={self.category!r}, "
            f"operation={self.operation!r}, user_message={self.user_message!r})"
        )


# --- the token and its scopes ------------------------------------------------------------------


class TokenInvalid(HubSpotError):
    default_message = (
        "HubSpot rejected the access token (401). Copy the private app's access token again "
        "from HubSpot (Settings > Integrations > Private Apps > the app > Auth); a rotated or "
        "deleted app's token stops working at once."
    )


class MissingScopes(HubSpotError):
    default_message = "The HubSpot private app lacks scopes this action needs."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        scopes: list[str],
        features: list[str] | None = None,
        **kw: Any,
    ) -> None:
        self.scopes = list(scopes)
        self.features = list(features or [])
        if user_message is None:
            names = ", ".join(self.scopes) if self.scopes else "(HubSpot did not name them)"
            needed = f" ({'; '.join(self.features)})" if self.features else ""
            user_message = (
                f"The HubSpot private app lacks the scopes {names}, needed for{needed or ' this'}"
                f" action. Add them in HubSpot (Settings > Integrations > Private Apps > the app"
                " > Scopes), save, and use the app's token again."
            )
        super().__init__(user_message, **kw)


class Forbidden(HubSpotError):
    default_message = (
        "HubSpot refused this action for the private app (403). Check the app's scopes and "
        "that the account's subscription includes the feature."
    )


# --- the request ----------------------------------------------------------------------------


class ValidationFailed(HubSpotError):
    default_message = "HubSpot rejected the request's data as invalid (400 VALIDATION_ERROR)."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        field_errors: list[FieldError] | None = None,
        **kw: Any,
    ) -> None:
        self.field_errors = list(field_errors or [])
        if user_message is None and self.field_errors:
            listed = "; ".join(
                f"{e.field}: {e.message}" if e.field else e.message for e in self.field_errors
            )
            user_message = f"HubSpot rejected the request's data: {listed}"
        super().__init__(user_message, **kw)


class InvalidInput(HubSpotError):
    """One input of a batch that was never sent because HubSpot could not accept it."""

    default_message = "This input cannot be sent to HubSpot."


class NotFound(HubSpotError):
    default_message = "HubSpot has no such object (404)."


class ContactNotFound(NotFound):
    default_message = (
        "HubSpot has no such contact (404). It may have been deleted (archived) in HubSpot."
    )


class PropertyNotFound(NotFound):
    default_message = "HubSpot has no such contact property or property group (404)."


class MarketingEventNotFound(NotFound):
    default_message = (
        "HubSpot has no such marketing event for this app (404). It may have been deleted in "
        "HubSpot, or created by another app (events are visible only to the app that created "
        "them)."
    )


class Conflict(HubSpotError):
    default_message = "HubSpot says this already exists (409)."

    after_uncertain_attempt: bool = False
    """An earlier attempt of the same call failed in a way that may have reached HubSpot, so
    that attempt may be what created the object."""


class RequestRejected(HubSpotError):
    default_message = "HubSpot refused the request."


class UnexpectedResponse(HubSpotError):
    default_message = "HubSpot answered with something the client cannot read."


# --- limits and availability ------------------------------------------------------------------


class RateLimited(HubSpotError):
    retryable = True
    default_message = (
        "HubSpot's per-10-seconds limit of this account stayed exhausted (other apps of the "
        "account may be using it). It is retried later."
    )

    def __init__(
        self, user_message: str | None = None, *, retry_after: float | None = None, **kw: Any
    ) -> None:
        self.retry_after = retry_after
        super().__init__(user_message, **kw)


class DailyLimitReached(HubSpotError):
    retryable = True

    def __init__(self, user_message: str | None = None, *, resume_at: datetime, **kw: Any) -> None:
        self.resume_at = resume_at
        if user_message is None:
            user_message = (
                "The HubSpot account's daily API limit is used up (all apps of the account "
                f"count). Work resumes at {resume_at:%Y-%m-%d %H:%M %Z} (midnight in the "
                "account's time zone)."
            )
        super().__init__(user_message, **kw)


class Unavailable(HubSpotError):
    retryable = True
    default_message = (
        "HubSpot could not be reached or failed (5xx) after several tries. It is retried "
        "later; check the network and https://status.hubspot.com if it persists."
    )
