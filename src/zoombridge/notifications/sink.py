"""A local SMTP server that keeps what it receives: the demo's mailbox and the tests' inbox.

It is a real SMTP server (aiosmtpd) on loopback, so the worker sends to it exactly as it sends to
a production relay; the web UI's mailbox page reads the messages it caught. Messages live in
memory, newest last, up to `limit` (older ones are dropped first).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class CaughtMessage:
    id: int
    received_at: datetime
    mail_from: str
    rcpt_tos: tuple[str, ...]
    subject: str
    text: str  # the text/plain body
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def parse(raw: bytes, *, id: int, mail_from: str, rcpt_tos: list[str]) -> CaughtMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    attachments: list[Attachment] = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        attachments.append(
            Attachment(part.get_filename() or "attachment", part.get_content_type(), content)
        )
    return CaughtMessage(
        id=id,
        received_at=datetime.now(UTC),
        mail_from=mail_from,
        rcpt_tos=tuple(rcpt_tos),
        subject=str(message.get("Subject", "")),
        text=text,
        attachments=tuple(attachments),
        headers=tuple((k, str(v)) for k, v in message.items()),
    )


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.sink._keep(envelope.content, envelope.mail_from, list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class MailSink:
    """`with MailSink() as sink:` → an SMTP server on 127.0.0.1:`sink.port`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, limit: int = 500) -> None:
        self.host = host
        self.port = port or _free_port(host)
        self.limit = limit
        self._messages: list[CaughtMessage] = []
        self._next_id = 1
        self._lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname=host, port=self.port)

    def __repr__(self) -> str:
        return f"MailSink(host={self.host!r}, port={self.port})"

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _keep(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> None:
        with self._lock:
            message = parse(raw, id=self._next_id, mail_from=mail_from, rcpt_tos=rcpt_tos)
            self._next_id += 1
            self._messages.append(message)
            del self._messages[: -self.limit]

    def messages(self, to: str | None = None) -> list[CaughtMessage]:
        """Everything caught (oldest first); only those to `to` when given."""
        with self._lock:
            caught = list(self._messages)
        if to is None:
            return caught
        return [m for m in caught if to.lower() in (r.lower() for r in m.rcpt_tos)]

    def get(self, message_id: int) -> CaughtMessage | None:
        with self._lock:
            return next((m for m in self._messages if m.id == message_id), None)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
