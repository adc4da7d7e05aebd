"""What the API and UI accept and return for SMTP settings, email templates, the outbox and
reminders. The SMTP password is write-only: answers say only whether one is set."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, StringConstraints

from zoombridge.kit.text import check_multi_line, check_one_line
from zoombridge.notifications.models import (
    Audience,
    EmailState,
    OutboundEmail,
    ReminderState,
    SmtpSecurity,
    SmtpSettings,
)


def _sender_address(value: str) -> str:
    """A syntactically valid email address. Unlike EmailStr it accepts reserved domains
    (`.invalid`, `.test`, `.localhost`): a sender, not a recipient, and a local relay or the
    demo's sink (demo@zoombridge.invalid) delivers without looking the domain up."""
    value = value.strip()
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        local, at, domain = value.rpartition("@")
        base, _, tld = domain.rpartition(".")
        if not (at and base and tld.lower() in SPECIAL_USE_DOMAIN_NAMES):
            raise ValueError(f"not a valid email address: {exc}") from None
    try:  # the same address with an ordinary top-level domain: checks everything else
        validate_email(f"{local}@{base}.com", check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None
    return value


SenderAddress = Annotated[str, StringConstraints(max_length=255), AfterValidator(_sender_address)]


def _host_name(value: str) -> str:
    """A host name the SMTP client can connect to: one line, and IDNA-encodable (a name with
    an empty or over-long label, or a stray character, would fail when the first email is
    sent)."""
    check_one_line(value)
    if " " in value or "/" in value:
        raise ValueError("must be a host name or an IP address, without spaces or slashes")
    try:
        value.encode("idna")
    except UnicodeError as exc:
        raise ValueError(f"is not a host name that can be looked up ({exc})") from None
    return value


Host = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(_host_name),
]
OneLineText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=255), AfterValidator(check_one_line)
]


class SmtpSettingsIn(BaseModel):
    """PUT /settings/smtp. Without `password` the stored one is kept; "" clears it."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    host: Host
    port: int = Field(587, ge=1, le=65535)
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: OneLineText | None = None
    password: Annotated[SecretStr, Field(max_length=1024)] | None = None
    from_address: SenderAddress
    from_name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=120),
        AfterValidator(check_one_line),
    ] = "zoombridge"
    timeout_seconds: int = Field(30, ge=1, le=300)


class SmtpSettingsOut(BaseModel):
    host: str
    port: int
    security: SmtpSecurity
    username: str | None
    password_set: bool
    from_address: str
    from_name: str
    timeout_seconds: int
    updated_at: datetime | None

    @classmethod
    def from_model(cls, row: SmtpSettings) -> SmtpSettingsOut:
        return cls(
            host=row.host,
            port=row.port,
            security=row.security,
            username=row.username,
            password_set=bool(row.password is not None and row.password.get_secret_value()),
            from_address=row.from_address,
            from_name=row.from_name,
            timeout_seconds=row.timeout_seconds,
            updated_at=row.updated_at,
        )


class EmailTemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Annotated[
        str, StringConstraints(min_length=1, max_length=255), AfterValidator(check_one_line)
    ]
    body: Annotated[
        str, StringConstraints(min_length=1, max_length=20000), AfterValidator(check_multi_line)
    ]


class EmailTemplateOut(BaseModel):
    key: str
    title: str
    audience: Audience
    subject: str
    body: str
    customised: bool
    shortcodes: list[str]  # the names it may use, without braces


class EmailOut(BaseModel):
    """An outbox row. The body only on GET /emails/{id} (`body` None in listings)."""

    id: uuid.UUID
    template_key: str
    audience: Audience
    to_address: str
    to_name: str
    state: EmailState
    booking_id: uuid.UUID | None
    event_id: uuid.UUID | None
    attendee_id: uuid.UUID | None
    reminder_id: uuid.UUID | None
    subject: str | None
    body: str | None = None
    attempts: int
    last_error: str | None
    not_before: datetime | None = Field(None, description="a retry waits until then")
    sent_at: datetime | None
    created_at: datetime

    @classmethod
    def from_model(cls, row: OutboundEmail, *, with_body: bool = False) -> EmailOut:
        return cls(
            id=row.id,
            template_key=row.template_key,
            audience=row.audience,
            to_address=row.to_address,
            to_name=row.to_name,
            state=row.state,
            booking_id=row.booking_id,
            event_id=row.event_id,
            attendee_id=row.attendee_id,
            reminder_id=row.reminder_id,
            subject=row.subject,
            body=row.body if with_body else None,
            attempts=row.attempts,
            last_error=row.last_error,
            not_before=row.not_before,
            sent_at=row.sent_at,
            created_at=row.created_at,
        )


class ReminderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    target_key: str
    booking_id: uuid.UUID | None
    event_id: uuid.UUID | None
    offset: str
    start_at: datetime
    due_at: datetime
    state: ReminderState
    queued_at: datetime | None
    note: str
