"""Sending one email through the configured SMTP server (stdlib smtplib, in a thread).

Every failure becomes an `SmtpFailure` with a sentence a person can act on and a verdict:
`retryable` (server down, timeout, a 4xx "try later") or permanent (a 5xx on the recipient,
a refused login, TLS that does not fit the port). The password is only ever handed to
`smtplib.login`: it never appears in a message, a log line or an exception (exceptions are
raised `from None`, so no smtplib exception carrying server text is chained to ours).
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from zoombridge.notifications.models import SmtpSecurity, SmtpSettings


class SmtpFailure(Exception):
    """Sending failed; `message` says why (never a secret), `retryable` whether to try again."""

    def __init__(self, message: str, *, retryable: bool, code: int | None = None) -> None:
        self.message = message
        self.retryable = retryable
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class SmtpTarget:
    """What a send needs from `SmtpSettings`, read inside a transaction and used outside it."""

    host: str
    port: int
    security: SmtpSecurity
    username: str | None
    password: str | None
    from_address: str
    from_name: str
    timeout_seconds: int

    @classmethod
    def of(cls, settings: SmtpSettings) -> SmtpTarget:
        return cls(
            host=settings.host,
            port=settings.port,
            security=settings.security,
            username=settings.username or None,
            password=settings.password.get_secret_value() if settings.password else None,
            from_address=settings.from_address,
            from_name=settings.from_name,
            timeout_seconds=settings.timeout_seconds,
        )

    def __repr__(self) -> str:  # the password stays out of any repr
        return f"SmtpTarget(host={self.host!r}, port={self.port}, security={self.security})"

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())[:200]


def _send_blocking(target: SmtpTarget, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if target.security is SmtpSecurity.TLS:
        client = smtplib.SMTP_SSL(
            target.host, target.port, timeout=target.timeout_seconds, context=context
        )
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=target.timeout_seconds)
    with client:
        client.ehlo()
        if target.security is SmtpSecurity.STARTTLS:
            client.starttls(context=context)
            client.ehlo()
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(message)


def _classify(target: SmtpTarget, exc: BaseException) -> SmtpFailure:
    where = target.where
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SmtpFailure(
            f"The SMTP server {where} refused the login of {target.username!r} "
            f"(code {exc.smtp_code}): check the username and password in the SMTP settings.",
            retryable=False,
            code=exc.smtp_code,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        what = "STARTTLS" if "STARTTLS" in str(exc).upper() else "login (AUTH)"
        return SmtpFailure(
            f"The SMTP server {where} does not offer {what}: change the security or login "
            "in the SMTP settings to what the server supports.",
            retryable=False,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = []
        codes = []
        for address, (code, answer) in exc.recipients.items():
            codes.append(code)
            parts.append(f"{address} ({code} {_reply_text(answer)})")
        permanent = all(code >= 500 for code in codes)
        if permanent:
            return SmtpFailure(
                f"The SMTP server {where} refused the recipient {', '.join(parts)}: check the "
                "address.",
                retryable=False,
                code=max(codes, default=None),
            )
        return SmtpFailure(
            f"The SMTP server {where} asked to try the recipient later: {', '.join(parts)}.",
            retryable=True,
            code=min(codes, default=None),
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SmtpFailure(
            f"The SMTP server {where} closed the connection unexpectedly.", retryable=True
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        reply = _reply_text(exc.smtp_error)
        if 400 <= code < 500:
            return SmtpFailure(
                f"The SMTP server {where} answered {code} {reply} (temporary).",
                retryable=True,
                code=code,
            )
        return SmtpFailure(
            f"The SMTP server {where} refused the message: {code} {reply}.",
            retryable=False,
            code=code,
        )
    if isinstance(exc, ssl.SSLError):
        hint = (
            "is the port really one for implicit TLS (usually 465)? For port 587 choose STARTTLS."
            if target.security is SmtpSecurity.TLS
            else "check that the server's certificate is valid for this host name."
        )
        return SmtpFailure(
            f"The TLS handshake with the SMTP server {where} failed ({exc.reason or 'SSL error'}): "
            f"{hint}",
            retryable=False,
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return SmtpFailure(
            f"The SMTP server {where} did not answer within {target.timeout_seconds} s.",
            retryable=True,
        )
    if isinstance(exc, ConnectionRefusedError):
        return SmtpFailure(
            f"The SMTP server {where} refused the connection (is it running?).", retryable=True
        )
    if isinstance(exc, socket.gaierror):
        return SmtpFailure(
            f"The SMTP host name {target.host!r} could not be resolved: check the SMTP settings.",
            retryable=True,
        )
    if isinstance(exc, OSError):
        return SmtpFailure(
            f"Could not reach the SMTP server {where}: {exc.strerror or type(exc).__name__}.",
            retryable=True,
        )
    if isinstance(exc, smtplib.SMTPException):
        return SmtpFailure(
            f"Sending through the SMTP server {where} failed: {type(exc).__name__}.",
            retryable=True,
        )
    raise exc


async def send(target: SmtpTarget, message: EmailMessage) -> None:
    """Send `message`; SmtpFailure when it did not leave."""
    try:
        await asyncio.to_thread(_send_blocking, target, message)
    except (smtplib.SMTPException, OSError) as exc:
        raise _classify(target, exc) from None
    except UnicodeError as exc:
        # The host name cannot be looked up at all (IDNA: an empty or over-long label …): every
        # email waits, retried, until the settings are corrected.
        raise SmtpFailure(
            f"The SMTP host {target.host!r} is not a name that can be looked up ({exc}); "
            "correct it in Settings → Email.",
            retryable=True,
        ) from None
